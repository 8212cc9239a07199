"""Companies to scrape, scrape runs with per-company progress, and the jobs table."""
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Company(models.Model):
    class Source(models.TextChoices):
        GREENHOUSE = "greenhouse", "Greenhouse"
        LEVER = "lever", "Lever"
        ASHBY = "ashby", "Ashby"
        JSONLD = "jsonld", "Career page (schema.org JobPosting)"

    name = models.CharField(max_length=200)
    source = models.CharField(max_length=20, choices=Source.choices)
    board_token = models.CharField(max_length=200, blank=True, help_text="Greenhouse/Lever/Ashby board name.")
    career_url = models.URLField(max_length=500, blank=True, help_text="Career page with JSON-LD JobPostings.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self):
        return self.name

    def clean(self) -> None:
        """A company needs what its source reads: a board token, or a career-page URL for JSON-LD."""
        if self.source == self.Source.JSONLD and not self.career_url.strip():
            raise ValidationError({"career_url": "A career-page company needs its career-page URL."})
        if self.source and self.source != self.Source.JSONLD and not self.board_token.strip():
            raise ValidationError({"board_token": "This source needs the company's board token."})


class ScrapeRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        STOPPED = "stopped"

    # At most one run is in these at a time (services.start_run holds a lock to keep it so).
    ACTIVE_STATUSES = (Status.PENDING, Status.RUNNING)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    progress = models.FloatField(default=0, help_text="Overall progress, 0-100.")
    current_stage = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    jobs_found = models.PositiveIntegerField(default=0)
    jobs_new = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    celery_task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    timeout_seconds = models.FloatField(
        default=300, help_text="The run ends `failed` past this (SCRAPING_TIMEOUT when it started)."
    )
    stop_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="Stop pressed; the worker cancels within a second."
    )
    cleared_at = models.DateTimeField(null=True, blank=True, help_text="Reset: no longer shown on the live panel.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Run #{self.pk} ({self.status})"

    def duration_seconds(self) -> float | None:
        """Seconds from start to end (to now while running); None before it starts."""
        if not self.started_at:
            return None
        end = self.ended_at or timezone.now()
        return round((end - self.started_at).total_seconds(), 2)


class CompanyScrape(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        SKIPPED = "skipped"

    UNFINISHED_STATUSES = (Status.PENDING, Status.RUNNING)

    run = models.ForeignKey(ScrapeRun, on_delete=models.CASCADE, related_name="company_scrapes")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="scrapes")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    jobs_found = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        unique_together = [("run", "company")]
        ordering = ["company__name"]

    def __str__(self) -> str:
        return f"{self.company_id} in run {self.run_id}: {self.status}"


class JobPosting(models.Model):
    """A job scraped from a company's board; unique per company and external id.

    `description` is plain text (what the analysis reads); `description_html` the
    same with its structure, allow-listed HTML (scraping.sources.richtext).
    `posted_at` is when the source first published it, `source_updated_at` its last
    edit; past `valid_through` a posting is retired (scraping.services.save_postings).
    """

    class WorkplaceType(models.TextChoices):
        REMOTE = "remote", "Remote"
        HYBRID = "hybrid", "Hybrid"
        ONSITE = "onsite", "On-site"
        UNKNOWN = "unknown", "Unknown"

    class EmploymentType(models.TextChoices):
        FULL_TIME = "full-time", "Full-time"
        PART_TIME = "part-time", "Part-time"
        CONTRACT = "contract", "Contract"
        INTERNSHIP = "internship", "Internship"
        TEMPORARY = "temporary", "Temporary"

    class SalaryInterval(models.TextChoices):
        YEAR = "year", "per year"
        MONTH = "month", "per month"
        WEEK = "week", "per week"
        DAY = "day", "per day"
        HOUR = "hour", "per hour"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="postings")
    external_id = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    location = models.CharField(max_length=300, blank=True)
    remote = models.BooleanField(default=False)
    department = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    apply_url = models.URLField(max_length=1000, blank=True)
    description = models.TextField(blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True, db_index=True)
    description_html = models.TextField(blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    valid_through = models.DateTimeField(null=True, blank=True)
    workplace_type = models.CharField(max_length=10, choices=WorkplaceType.choices, default=WorkplaceType.UNKNOWN,
                                      db_index=True)
    locations = models.JSONField(
        default=list, blank=True,
        help_text="[{name, city, region, country, remote_scope, workplace_type}]; country as ISO alpha-2 where known.",
    )
    countries = ArrayField(models.CharField(max_length=60), default=list, blank=True,
                           help_text="The locations' countries and remote scopes, for the country filter.")
    salary_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    salary_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    salary_currency = models.CharField(max_length=3, blank=True)
    salary_interval = models.CharField(max_length=5, choices=SalaryInterval.choices, blank=True)
    salary_text = models.CharField(max_length=300, blank=True)
    employment_type = models.CharField(max_length=10, choices=EmploymentType.choices, blank=True, db_index=True)
    employment_type_text = models.CharField(max_length=100, blank=True)
    employer = models.CharField(max_length=200, blank=True, help_text="hiringOrganization (JSON-LD pages list several).")

    class Meta:
        ordering = ["-first_seen"]
        indexes = [GinIndex(fields=["countries"], name="scraping_posting_countries")]
        constraints = [
            models.UniqueConstraint(fields=["company", "external_id"], name="unique_posting_per_company")
        ]

    def __str__(self):
        return f"{self.title} — {self.company}"


class ScheduledSlot(models.Model):
    """One row per slot of a schedule that a scheduled scrape claimed.

    The unique constraint is what makes a slot start at most one run, however many
    beat processes (or redelivered tasks) fire it: the second claim of the same
    (schedule, slot_start) fails and is skipped.
    """

    schedule = models.ForeignKey(
        "django_celery_beat.PeriodicTask", on_delete=models.CASCADE, related_name="scraping_slots"
    )
    slot_start = models.DateTimeField(help_text="The scheduled moment this run was for (UTC).")
    claimed_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(ScrapeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-slot_start"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "slot_start"], name="scraping_one_claim_per_slot"),
        ]

    def __str__(self) -> str:
        return f"slot {self.slot_start:%Y-%m-%d %H:%M} of schedule {self.schedule_id}"
