"""A job seeker's profile and the API tokens their bots and workers use."""
import hashlib
import re

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
def validate_currency(value: str) -> None:
    """A 3-letter ISO 4217 code (any case: Profile.save upper-cases it)."""
    if value and not re.fullmatch(r"[A-Za-z]{3}", value):
        raise ValidationError("A 3-letter currency code, such as USD, EUR or GBP.")


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

    # --- match preferences (issue 16): weighed by tracker.analysis, with a hard filter each ---
    # remote_preference and locations (above) are the workplace and place preferences; these
    # add pay, where you live (for "Remote (US only)" postings) and the hard filters.
    # Rules across fields: match_preference_errors (the page's form and the API both apply it).
    class PayInterval(models.TextChoices):
        YEAR = "year", "per year"
        MONTH = "month", "per month"
        HOUR = "hour", "per hour"

    MATCH_PREFERENCE_FIELDS = (
        "remote_preference", "remote_hard_filter", "locations", "home_location", "location_hard_filter",
        "salary_minimum", "salary_currency", "salary_interval", "salary_hard_filter",
    )

    salary_minimum = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="The least pay you would take (in the currency and per the period below); lower pay scores lower.",
    )
    salary_currency = models.CharField(
        max_length=3, blank=True, default="USD", validators=[validate_currency],
        help_text="Currency of your minimum: postings paying in another currency are not compared (no conversion).",
    )
    salary_interval = models.CharField(max_length=5, blank=True, choices=PayInterval.choices,
                                       default=PayInterval.YEAR, help_text="The period your minimum is for.")
    salary_hard_filter = models.BooleanField(
        default=False, help_text="Never recommend postings whose listed pay is below your minimum.")
    remote_hard_filter = models.BooleanField(
        default=False, help_text="Never recommend postings of a workplace type you did not choose "
                                 "(remote only: remote; hybrid: hybrid or remote; on-site: on-site or hybrid).")
    home_location = models.CharField(
        max_length=MAX_ITEM_LENGTH, blank=True,
        help_text="Where you live, with the country (\"Berlin, Germany\"): remote postings open only in some "
                  "countries are checked against it.")
    location_hard_filter = models.BooleanField(
        default=False, help_text="Never recommend postings outside your locations (or remote outside where you live).")

    def __str__(self):
        return f"Profile of {self.user}"

    def save(self, *args, **kwargs) -> None:
        self.salary_currency = (self.salary_currency or "").upper()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = self.match_preference_errors()
        if errors:
            raise ValidationError(errors)

    def hard_filter_summary(self) -> list[str]:
        """The hard filters on, as the recommendations page names what they hide."""
        hidden = []
        if self.salary_hard_filter and self.salary_minimum is not None:
            hidden.append(f"paying less than {self.salary_currency} {self.salary_minimum:,} "
                          f"{self.get_salary_interval_display()}")
        if self.remote_hard_filter and self.remote_preference != self.Remote.ANY:
            hidden.append({"remote": "not remote", "hybrid": "on-site", "onsite": "remote"}[self.remote_preference])
        if self.location_hard_filter:
            hidden.append("outside your locations (or, if remote, not open where you live)")
        return hidden

    def match_preference_errors(self) -> dict[str, str]:
        """What makes the match preferences unusable, per field (empty when they are fine)."""
        from scraping.sources.base import location_from_text

        errors: dict[str, str] = {}
        if self.salary_minimum is not None:
            if not self.salary_currency:
                errors["salary_currency"] = "Choose the currency of your minimum salary."
            if not self.salary_interval:
                errors["salary_interval"] = "Choose the period your minimum salary is for."
        if self.salary_hard_filter and self.salary_minimum is None:
            errors["salary_hard_filter"] = "Set a minimum salary to filter by it."
        if self.remote_hard_filter and self.remote_preference == self.Remote.ANY:
            errors["remote_hard_filter"] = "Choose remote, hybrid or on-site to filter by it."
        if self.home_location.strip():
            home = location_from_text(self.home_location)
            if home.remote_scope or home.workplace_type == "remote":
                errors["home_location"] = "Where you live is a place, not \"Remote\": e.g. \"Berlin, Germany\"."
            elif not home.country:
                errors["home_location"] = ("Add the country, e.g. \"Berlin, Germany\" or \"Austin, TX\", so remote "
                                           "postings open only in some countries can be checked.")
        if self.location_hard_filter and not self.locations and (not self.home_location.strip()
                                                                 or "home_location" in errors):
            errors["location_hard_filter"] = "List your locations (or where you live) to filter by them."
        return errors


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
