"""Who wants to hear about what (email, a Slack-compatible webhook), and what was sent.

NotificationSent is unique on (user, kind, object key): that constraint is what makes
each notification go out once per event, however many times its task runs.
"""
from django.conf import settings
from django.core.validators import MaxValueValidator, URLValidator
from django.db import models


class NotificationSettings(models.Model):
    """A user's notification settings (the profile page); nothing is sent until a channel is on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_settings")
    email_enabled = models.BooleanField("Email me", default=False,
                                        help_text="At the email address of your account.")
    webhook_url = models.URLField(
        "Webhook URL", max_length=500, blank=True, validators=[URLValidator(schemes=["http", "https"])],
        help_text='Receives a POST of {"text": ...} (Slack incoming webhooks and compatible).',
    )
    new_matches = models.BooleanField("New postings that match me", default=True)
    min_match_score = models.PositiveSmallIntegerField(
        "Minimum match score", default=80, validators=[MaxValueValidator(100)],
        help_text="0-100: only postings scoring at least this against your profile.",
    )
    bot_sessions = models.BooleanField("My bot session fails or goes stale", default=True)
    scrape_problems = models.BooleanField("A scrape run fails or ends with errors (staff)", default=True)
    all_bot_sessions = models.BooleanField("Any user's bot session fails or goes stale (staff)", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user}"


class NotificationSent(models.Model):
    """One notification to one user about one event, with its delivery per channel."""

    class Kind(models.TextChoices):
        SCRAPE_FAILED = "scrape_failed", "Scrape run failed"
        SCRAPE_ERRORS = "scrape_errors", "Scrape run finished with errors"
        NEW_MATCHES = "new_matches", "New matching postings"
        BOT_SESSION_FAILED = "bot_session_failed", "Bot session failed"
        BOT_SESSION_STALE = "bot_session_stale", "Bot session went stale"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications_sent")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    object_key = models.CharField(max_length=100, help_text="The event's object, e.g. run:12 or session:<uuid>.")
    subject = models.CharField(max_length=200)
    text = models.TextField()
    email_to = models.EmailField(blank=True, help_text="Where the email goes ('' = no email).")
    webhook_url = models.URLField(max_length=500, blank=True, help_text="Where the webhook goes ('' = none).")
    created_at = models.DateTimeField(auto_now_add=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "object_key"], name="notifications_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_key} to {self.user_id}"

    @property
    def delivered(self) -> bool:
        return (not self.email_to or self.email_sent_at is not None) and (
            not self.webhook_url or self.webhook_sent_at is not None)
