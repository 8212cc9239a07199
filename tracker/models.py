"""Job tracker: a user's saved jobs (with their analysis), applications and their
status history, interviews (with reminders sent once), follow-ups, skills gaps and
recommendations."""
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

# Field limits live here, once: page forms (tracker/forms.py) and API serializers derive from the models.
MAX_DESCRIPTION = 100_000
MAX_NOTES = 20_000


def validate_http_url(value: str) -> None:
    """Links we render as href must be http(s): no javascript:, data:, file: ..."""
    if value and urlsplit(value).scheme.lower() not in ("http", "https"):
        raise ValidationError("Enter an http:// or https:// URL.", code="invalid_scheme")


class Job(models.Model):
    """A posting a user saved (by hand, from the bot or from a scraped posting)."""

    class AnalysisStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        ANALYZING = "analyzing", "Analyzing"
        ANALYZED = "analyzed", "Analyzed"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_jobs")
    company = models.CharField(max_length=200)
    job_title = models.CharField(max_length=300)
    job_description = models.TextField(blank=True, max_length=MAX_DESCRIPTION)
    job_url = models.URLField(max_length=1000, blank=True, validators=[validate_http_url])
    location = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=50, blank=True, help_text="linkedin, indeed, bot, scraped, manual...")
    posting = models.ForeignKey("scraping.JobPosting", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="tracked_jobs")
    analysis_status = models.CharField(max_length=10, choices=AnalysisStatus.choices,
                                       default=AnalysisStatus.PENDING, db_index=True)
    match_score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-100, a whole percentage.")
    recommendation = models.CharField(max_length=10, blank=True)
    analysis = models.JSONField(default=dict, blank=True, help_text="Full explainable analysis (tracker.analysis).")
    analysis_error = models.TextField(blank=True)
    analyzed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["user", "match_score"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "job_url"], condition=~Q(job_url=""),
                                    name="tracker_job_unique_url_per_user"),
        ]

    def __str__(self):
        return f"{self.job_title} at {self.company}"


class SkillGap(models.Model):
    """The skills gap of a job for its owner (latest analysis)."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="skill_gap")
    overall_match = models.PositiveSmallIntegerField(default=0, help_text="0-100, a whole percentage.")
    matching_skills = models.JSONField(default=list, blank=True)
    missing_skills = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Skills gap for {self.job}"


class Application(models.Model):
    """One application per job; its status moves through the kanban columns."""

    class Status(models.TextChoices):
        SAVED = "saved", "Saved"
        APPLIED = "applied", "Applied"
        SCREENING = "screening", "Screening"
        INTERVIEWING = "interviewing", "Interviewing"
        OFFER_RECEIVED = "offer_received", "Offer received"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications")
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="application")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SAVED, db_index=True)
    notes = models.TextField(blank=True, max_length=MAX_NOTES)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    salary_expectation = models.PositiveIntegerField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True, help_text="When it was last moved to applied.")
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Sent by the apply pipeline: the board's confirmation and the sent form's screenshot (private: served
    # to the owner only by tracker.views.application_screenshot).
    confirmation = models.TextField(blank=True, help_text="The board's confirmation text.")
    screenshot = models.CharField(max_length=300, blank=True,
                                  help_text="The sent form's screenshot, relative to SUBMISSIONS_SCREENSHOT_DIR.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["user", "status"]), models.Index(fields=["user", "applied_at"])]

    def __str__(self):
        return f"{self.job} ({self.status})"


class ApplicationStatusChange(models.Model):
    """The status history of an application, with timestamps."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="status_history")
    old_status = models.CharField(max_length=20, blank=True)
    new_status = models.CharField(max_length=20)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.old_status or '-'} -> {self.new_status}"


class Interview(models.Model):
    class Type(models.TextChoices):
        PHONE_SCREEN = "phone_screen", "Phone screen"
        TECHNICAL = "technical", "Technical"
        BEHAVIORAL = "behavioral", "Behavioral"
        SYSTEM_DESIGN = "system_design", "System design"
        ONSITE = "onsite", "On-site"
        FINAL = "final", "Final"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interviews")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interviews")
    interview_type = models.CharField(max_length=20, choices=Type.choices, default=Type.OTHER)
    scheduled_date = models.DateTimeField(db_index=True)
    duration_minutes = models.PositiveIntegerField(default=60, validators=[MinValueValidator(5),
                                                                           MaxValueValidator(24 * 60)])
    location = models.CharField(max_length=300, blank=True)
    meeting_link = models.URLField(max_length=1000, blank=True, validators=[validate_http_url])
    notes = models.TextField(blank=True, max_length=MAX_NOTES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    calendar_uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_date", "id"]

    def __str__(self):
        return f"{self.get_interview_type_display()} interview, {self.application.job}"

    @property
    def calendar_event_id(self) -> str:
        return f"cal_{self.calendar_uid.hex[:12]}"


class InterviewReminder(models.Model):
    """One row per reminder sent: the unique constraint is what makes each reminder
    go out exactly once, however many beats or workers race for it."""

    class Kind(models.TextChoices):
        DAY = "1d", "1 day"
        HOUR = "1h", "1 hour"
        QUARTER = "15m", "15 minutes"

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    scheduled_for = models.DateTimeField(help_text="The interview time this reminder was about.")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interview", "kind", "scheduled_for"], name="tracker_reminder_once"),
        ]

    def __str__(self):
        return f"{self.kind} reminder for interview {self.interview_id}"


class FollowUp(models.Model):
    class Type(models.TextChoices):
        POST_APPLICATION = "post_application", "After applying"
        POST_INTERVIEW = "post_interview", "After an interview"
        THANK_YOU = "thank_you", "Thank-you note"
        CHECK_IN = "check_in", "Check-in"
        OTHER = "other", "Other"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followups")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="followups")
    followup_type = models.CharField(max_length=20, choices=Type.choices, default=Type.POST_APPLICATION)
    scheduled_date = models.DateTimeField(db_index=True)
    notes = models.TextField(blank=True, max_length=MAX_NOTES)
    sent = models.BooleanField(default=False, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    due_notified_at = models.DateTimeField(null=True, blank=True,
                                           help_text="When followup.due went out (set once, by a conditional update).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_date", "id"]

    def __str__(self):
        return f"{self.get_followup_type_display()} for {self.application.job}"


class PostingAnalysis(models.Model):
    """Requirements read from a scraped posting, cached so recommendations for many
    users read each posting once."""

    posting = models.OneToOneField("scraping.JobPosting", on_delete=models.CASCADE, related_name="tracker_analysis")
    content_hash = models.CharField(max_length=64)
    version = models.PositiveSmallIntegerField(default=1)
    requirements = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Requirements of posting {self.posting_id}"


class Recommendation(models.Model):
    """One of a user's best postings right now: their own job or a scraped posting."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendations")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.CASCADE, related_name="recommendations")
    posting = models.ForeignKey("scraping.JobPosting", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="recommendations")
    score = models.PositiveSmallIntegerField(help_text="0-100, a whole percentage.")
    recommendation = models.CharField(max_length=10)
    company = models.CharField(max_length=200)
    job_title = models.CharField(max_length=300)
    location = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    strengths = models.JSONField(default=list, blank=True)
    concerns = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(job__isnull=False) | Q(posting__isnull=False),
                                   name="tracker_recommendation_has_target"),
            models.UniqueConstraint(fields=["user", "job"], condition=Q(job__isnull=False),
                                    name="tracker_recommendation_unique_job"),
            models.UniqueConstraint(fields=["user", "posting"], condition=Q(posting__isnull=False),
                                    name="tracker_recommendation_unique_posting"),
        ]

    def __str__(self):
        return f"{self.job_title} at {self.company} ({self.score})"

    @property
    def key(self) -> str:
        return f"job:{self.job_id}" if self.job_id else f"posting:{self.posting_id}"
