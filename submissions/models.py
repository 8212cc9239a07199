"""Submission jobs (a batch of applications a user asked for) and their submissions.

Every write goes through ``submissions.services``; the allowed statuses and moves between
them live in ``submissions.progress_rules``.
"""
import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from submissions import progress_rules as rules

# The one rule for an external reference: the job creation API and the worker endpoint both apply it.
validate_external_id = RegexValidator(
    rules.EXTERNAL_ID_PATTERN,
    f"An external id is 1 to {rules.MAX_EXTERNAL_ID_LENGTH} letters, digits, '.', '_', ':' or '-', "
    "starting with a letter or digit.",
    code="invalid_external_id",
)


class SubmissionJob(models.Model):
    """One run of applications for one user, reported on by a worker."""

    class Status(models.TextChoices):
        PENDING = rules.JOB_PENDING, "Pending"
        IN_PROGRESS = rules.JOB_IN_PROGRESS, "In progress"
        COMPLETED = rules.JOB_COMPLETED, "Completed"
        FAILED = rules.JOB_FAILED, "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submission_jobs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    total = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    progress_percentage = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    current_target = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    applier = models.CharField(
        max_length=200, blank=True, help_text="Dotted path of the applier this job runs with (SUBMISSIONS_APPLIER when created)."
    )
    error_log = models.JSONField(default=list, blank=True, help_text="[{at, message, submission_id?}], oldest first.")
    # null, not "": NULLs never collide in the unique constraints below (jobs without a reference).
    external_id = models.CharField(
        max_length=rules.MAX_EXTERNAL_ID_LENGTH,
        null=True,
        blank=True,
        validators=[validate_external_id],
        help_text="The owner's own id for this job (e.g. test-job-123); workers may report with it as job_id.",
    )
    assigned_token = models.ForeignKey(
        "accounts.ApiToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_jobs",
        limit_choices_to={"is_service": True},
        help_text="The service worker token that runs this job (it created it, or staff assigned it).",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="subjob_owner_created")]
        constraints = [
            models.UniqueConstraint(fields=["owner", "external_id"], name="subjob_external_id_per_owner"),
            # A service token resolves external ids among its assigned jobs: one job per id there too.
            models.UniqueConstraint(fields=["assigned_token", "external_id"], name="subjob_external_id_per_token"),
        ]

    def __str__(self):
        return f"Submission job {str(self.id)[:8]} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in rules.JOB_FINISHED

    @property
    def last_error_message(self) -> str:
        return self.error_log[-1]["message"] if self.error_log else ""


class Submission(models.Model):
    """One application to one job posting inside a submission job."""

    class Status(models.TextChoices):
        PENDING = rules.SUB_PENDING, "Pending"
        SUBMITTING = rules.SUB_SUBMITTING, "Submitting"
        SUBMITTED = rules.SUB_SUBMITTED, "Submitted"
        APPROVED = rules.SUB_APPROVED, "Approved"
        FAILED = rules.SUB_FAILED, "Failed"
        NEEDS_ANSWER = rules.SUB_NEEDS_ANSWER, "Needs your answer"
        NEEDS_HUMAN = rules.SUB_NEEDS_HUMAN, "Needs a person"
        REVIEW = rules.SUB_REVIEW, "Waiting for your review"
        SKIPPED = rules.SUB_SKIPPED, "Skipped"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(SubmissionJob, on_delete=models.CASCADE, related_name="submissions")
    job_posting = models.ForeignKey(
        "scraping.JobPosting", null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    target_name = models.CharField(max_length=255, help_text="What the worker reports as current_target.")
    position = models.PositiveIntegerField(default=0, help_text="Order in which the worker applies.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_log = models.JSONField(default=list, blank=True, help_text="[{at, message, status}], oldest first.")
    last_error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # -- the apply pipeline (issue 13) --------------------------------------------------------------
    match_score = models.FloatField(null=True, blank=True, help_text="The posting's match score when it was queued.")
    tracker_job = models.ForeignKey("tracker.Job", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="submissions", help_text="The owner's job page for this posting.")
    questions = models.JSONField(default=list, blank=True,
                                 help_text="Required questions nobody answered (needs_answer): [{name, label, kind, options}].")
    filled_answers = models.JSONField(default=dict, blank=True, help_text="What the form was filled with: {label: value}.")
    confirmation = models.TextField(blank=True, help_text="The board's confirmation text.")
    screenshot = models.CharField(max_length=300, blank=True,
                                  help_text="The filled form's screenshot, relative to SUBMISSIONS_SCREENSHOT_DIR.")
    send_confirmed = models.BooleanField(default=False, help_text="Submit was pressed after review: the next run sends.")

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "job_posting"], name="one_submission_per_posting_per_job")
        ]
        indexes = [models.Index(fields=["job", "status"], name="submission_job_status")]

    def __str__(self):
        return f"{self.target_name} ({self.status})"


class LedgerEntry(models.Model):
    """The server-side ledger of the apply pipeline: one row per user and posting once an application to it is
    being sent, kept once it went in. The unique constraint is what makes "never the same posting twice" hold
    however many workers race for it (services.claim_posting)."""

    class Status(models.TextChoices):
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="apply_ledger")
    posting = models.ForeignKey("scraping.JobPosting", on_delete=models.CASCADE, related_name="ledger_entries")
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "posting"], name="one_application_per_user_posting")]

    def __str__(self):
        return f"{self.user} -> posting {self.posting_id} ({self.status})"
