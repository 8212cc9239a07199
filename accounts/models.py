"""A job seeker's profile and the API tokens their bots and workers use."""
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
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


MAX_SAVED_ANSWERS = 300
MAX_QUESTION_LENGTH = 300
MAX_ANSWER_LENGTH = 2000


def normalize_question(text: str) -> str:
    """The key a saved answer is kept under: the form adapters' own normalisation (lower case, single
    spaces, no required marker), so an answer given once matches the question wherever it is asked."""
    from bot.sites.forms import normalize_question as normalize  # the bot needs no Django; we use its rule

    return normalize(text)


def validate_saved_answers(value: object) -> None:
    """Saved screening answers: {question text: answer}, strings, at most 300 of them.

    The one rule for them: the profile page's form, the profile API and the needs-answer form apply it."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValidationError("Must be an object of question text to answer text.")
    if len(value) > MAX_SAVED_ANSWERS:
        raise ValidationError(f"At most {MAX_SAVED_ANSWERS} saved answers.")
    if any(not k.strip() or len(k) > MAX_QUESTION_LENGTH for k in value):
        raise ValidationError(f"Each question has 1 to {MAX_QUESTION_LENGTH} characters.")
    if any(len(v) > MAX_ANSWER_LENGTH for v in value.values()):
        raise ValidationError(f"Each answer has at most {MAX_ANSWER_LENGTH} characters.")


def normalize_answers(answers: dict[str, str]) -> dict[str, str]:
    """Saved answers keyed by normalised question text; empty answers dropped."""
    return {normalize_question(k): v.strip() for k, v in answers.items() if normalize_question(k) and v.strip()}


http_url = URLValidator(schemes=["http", "https"])


class Profile(models.Model):
    """What the analysis, the bot's resume and its screening answers are built from, and the rules the
    apply pipeline obeys (docs/submissions.md, "Applying for real")."""

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
    # -- the apply pipeline's rules ------------------------------------------------------------
    apply_threshold = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)],
        help_text="Auto-apply only to matches at or above this score (%).")
    daily_cap = models.PositiveSmallIntegerField(
        default=25, validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text="At most this many applications a day (UTC), whatever sent them.")
    company_cap = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="At most this many applications to one company in 30 days.")
    review_mode = models.BooleanField(
        default=True, help_text="Fill each form and show it to me (with a screenshot) before anything is sent.")
    apply_delay_seconds = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(600)], help_text="Seconds to wait between two applications.")
    # -- answers to common screening questions (empty: not given; the bot asks instead of guessing) ----
    authorized_to_work = models.BooleanField(null=True, blank=True,
                                             help_text="Legally authorised to work where the jobs are.")
    requires_sponsorship = models.BooleanField(null=True, blank=True, help_text="Needs visa sponsorship.")
    current_location = models.CharField(max_length=200, blank=True, help_text="Where you live, e.g. Berlin.")
    notice_period = models.CharField(max_length=100, blank=True, help_text="e.g. 2 weeks")
    start_date = models.DateField(null=True, blank=True, help_text="The earliest date you could start.")
    linkedin_url = models.URLField(max_length=500, blank=True, validators=[http_url])
    github_url = models.URLField(max_length=500, blank=True, validators=[http_url])
    portfolio_url = models.URLField(max_length=500, blank=True, validators=[http_url])
    pronouns = models.CharField(max_length=50, blank=True)
    eeo_decline = models.BooleanField(
        default=True, help_text="Answer voluntary EEO questions (gender, race, veteran, disability) with "
                                "\"decline to self-identify\".")
    screening_answers = models.JSONField(
        default=dict, blank=True, validators=[validate_saved_answers],
        help_text="Answers you gave to other questions, by normalised question text.")
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
