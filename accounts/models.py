"""A job seeker's profile and the API tokens their bots and workers use."""
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

MAX_LIST_ITEMS = 100
MAX_ITEM_LENGTH = 100


def validate_string_list(value: object) -> None:
    """Skills, titles, locations: at most 100 strings of at most 100 characters.

    The one rule for these lists: the profile page's form and the profile API both apply it.
    """
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Must be a list of strings.")
    if len(value) > MAX_LIST_ITEMS:
        raise ValidationError(f"At most {MAX_LIST_ITEMS} items.")
    if any(len(item) > MAX_ITEM_LENGTH for item in value):
        raise ValidationError(f"Each item has at most {MAX_ITEM_LENGTH} characters.")


class Profile(models.Model):
    """What the analysis, the bot's resume and its screening answers are built from."""

    class Remote(models.TextChoices):
        ANY = "any", "Any"
        REMOTE = "remote", "Remote only"
        HYBRID = "hybrid", "Hybrid"
        ONSITE = "onsite", "On-site"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    headline = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    skills = models.JSONField(
        default=list, blank=True, validators=[validate_string_list], help_text="List of skill names."
    )
    desired_titles = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    locations = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    years_experience = models.PositiveSmallIntegerField(default=0)
    remote_preference = models.CharField(max_length=10, choices=Remote.choices, default=Remote.ANY)
    salary_expectation = models.PositiveIntegerField(null=True, blank=True, help_text="Yearly, in USD.")
    work_authorization = models.CharField(max_length=200, blank=True)
    willing_to_relocate = models.BooleanField(default=False)
    resume_text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Profile of {self.user}"


def hash_token(raw: str) -> str:
    """Tokens are 256-bit random strings, so a fast hash is enough (no brute force)."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for a bot (scope `bot`) or a worker (scope `worker`); only its hash is kept.

    A *service* token (``is_service``) is a worker token staff made for an external worker
    (a DirectoryBolt-style process with ``WORKER_AUTH_TOKEN`` in its environment). It belongs
    to its own service account, which has no powers, and reaches only the submission jobs it
    created or staff assigned to it (``SubmissionJob.assigned_token``).
    """

    class Scope(models.TextChoices):
        BOT = "bot", "Bot"
        WORKER = "worker", "Worker"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.BOT)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    is_service = models.BooleanField(
        default=False, help_text="A staff-made worker token of a service account: acts only on jobs assigned to it."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who made this service token.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        kind = "service worker" if self.is_service else self.scope
        return f"{self.name} ({kind}, {self.prefix}…)"

    @property
    def acts_for_system(self) -> bool:
        """A staff member's worker token may act on any user's jobs (a service token never does)."""
        return self.scope == self.Scope.WORKER and not self.is_service and self.user.is_staff
