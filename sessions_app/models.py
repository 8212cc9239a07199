"""BotSession: one run of the auto-apply bot, as reported by the bot itself.

The bot calls start -> heartbeat* -> complete (docs/bot-sessions.md); the user
may stop it from the dashboard; the reaper closes sessions that went silent.
History is kept (BOT_SESSION_RETENTION_DAYS purges it when set).
"""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

STAT_FIELDS = ("jobs_found", "jobs_applied", "jobs_failed", "credits_used")


class BotSession(models.Model):
    class Status(models.TextChoices):
        STARTING = "starting", "Starting"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        STOPPED = "stopped", "Stopped"
        STALE = "stale", "Stale"

    ACTIVE_STATUSES = (Status.STARTING, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bot_sessions")
    token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="bot_sessions",
        help_text="The token the bot started with.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STARTING)
    bot_version = models.CharField(max_length=50)
    platform = models.CharField(max_length=50)
    current_activity = models.CharField(max_length=64, blank=True)
    activity_details = models.JSONField(null=True, blank=True)
    jobs_found = models.PositiveIntegerField(default=0)
    jobs_applied = models.PositiveIntegerField(default=0)
    jobs_failed = models.PositiveIntegerField(default=0)
    credits_used = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    # Set at start too: the start is the first sign of life the reaper measures from.
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The status page: a user's sessions, newest first (current + last 24 h).
            models.Index(fields=["user", "-started_at"], name="botsession_user_started"),
            # The reaper: unfinished sessions by last heartbeat (partial: finished rows stay out).
            models.Index(
                fields=["last_heartbeat_at"], name="botsession_open_heartbeat",
                condition=Q(completed_at__isnull=True),
            ),
            # The history purge and the admin's date ordering.
            models.Index(fields=["started_at"], name="botsession_started"),
        ]
        constraints = [
            # At most one live session per user, even when two starts race.
            models.UniqueConstraint(
                fields=["user"], condition=Q(status__in=["starting", "running"]),
                name="botsession_one_active_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.status} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def ended_at(self):
        """When the run ended as far as the server knows (None while it runs)."""
        if self.is_active:
            return None
        return self.completed_at or self.stopped_at

    def stats(self) -> dict:
        return {name: getattr(self, name) for name in STAT_FIELDS}
