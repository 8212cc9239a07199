"""Every write of scraping, and the events it causes.

Events (scraping/events.py): `scraping.run_updated` and `scraping.company_updated`
(channel `scraping`) and `posting.created` (channel `jobs`) for each new posting,
all global (user None), published inside the write's transaction.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any

from celery.schedules import crontab as celery_crontab
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from core.dispatch import dispatch_on_commit, failed_to_send
from core.errors import ApplicationError, Conflict, NotFound
from core.wire import iso
from realtime import publish
from scraping import events, selectors
from scraping.events import CompanyCounts
from scraping.models import Company, CompanyScrape, JobPosting, ScheduledSlot, ScrapeRun
from scraping.sources import NormalizedJob

logger = logging.getLogger(__name__)

# Transaction-level advisory lock that makes "one run at a time" race-free.
START_LOCK = 0x4A6F625363726170  # "JobScrap"
# A run still "running" this long past its deadline lost its worker.
ABANDONED_AFTER = timedelta(minutes=2)
# A Stop the worker has not acted on in this time is applied by the server.
STOP_GRACE = timedelta(seconds=30)

Status = ScrapeRun.Status
CStatus = CompanyScrape.Status


class _RunConflict(Conflict):
    """A 409 that carries the run in question, so the page can show it."""

    message = ""

    def __init__(self, run: ScrapeRun):
        super().__init__(self.message, run=selectors.run_payload(run))
        self.run = run


class ScrapeAlreadyRunning(_RunConflict):
    """Start while a run is pending or running."""

    code = "scrape_running"
    message = "A scrape is already running."


class NothingToScrape(ApplicationError):
    """No (valid) company was chosen, or no company is active: 400."""

    code = "nothing_to_scrape"


class NoActiveRun(Conflict):
    """Stop with no run pending or running."""

    code = "no_active_run"


class RunStillActive(_RunConflict):
    """Reset while the run is still going."""

    code = "run_still_active"
    message = "Stop the running scrape before resetting."


# ---- publishing -----------------------------------------------------------

def _publish_run(run: ScrapeRun, counts: CompanyCounts | None = None) -> None:
    counts = counts if counts is not None else selectors.company_counts(run.pk)
    publish(None, "scraping", events.RUN_UPDATED, events.run_payload(run, counts))


def _publish_company(cs: CompanyScrape) -> None:
    publish(None, "scraping", events.COMPANY_UPDATED, events.company_payload(cs))


# ---- start / stop / reset ---------------------------------------------------

def start_run(user, company_ids: list[int] | None = None) -> ScrapeRun:
    """Queue a scrape of the chosen companies (default: every active one); the task is sent on commit.

    Raises ScrapeAlreadyRunning with the active run when one is pending or
    running, NothingToScrape when there is nothing to scrape.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [START_LOCK])
        active = selectors.active_run()
        if active is not None and _is_abandoned(active):
            _finish(active, Status.FAILED, stage="Worker lost", error="The worker running this scrape stopped answering.")
            active = None
        if active is not None and _never_started(active):
            _finish(active, Status.FAILED, stage="Never started", error="No worker picked this scrape up.")
            active = None
        if active is not None:
            raise ScrapeAlreadyRunning(active)
        companies = _chosen_companies(company_ids)
        run = ScrapeRun.objects.create(
            status=Status.PENDING,
            started_by=user if user is not None and user.is_authenticated else None,
            current_stage=f"Queued: {len(companies)} compan{'y' if len(companies) == 1 else 'ies'}",
            celery_task_id=str(uuid.uuid4()),
            timeout_seconds=float(settings.SCRAPING_TIMEOUT),
        )
        CompanyScrape.objects.bulk_create([CompanyScrape(run=run, company=c) for c in companies])
        _publish_run(run)
        _dispatch(run)
    return run


def _dispatch(run: ScrapeRun) -> None:
    """Send the run's task once the start commits (kept and sent later if the broker is down: core.dispatch)."""
    from scraping.tasks import run_scrape  # tasks import this module

    options: dict[str, Any] = {"task_id": run.celery_task_id}
    if settings.SCRAPING_QUEUE:
        options["queue"] = settings.SCRAPING_QUEUE
    dispatch_on_commit(run_scrape, run.pk, **options)


def _never_started(run: ScrapeRun) -> bool:
    """A pending run that must not block the next Start: sending its task failed (the broker
    was down at commit) and it was not sent since, or no worker claimed it for
    SCRAPING_PENDING_STALE_SECONDS. Should its task arrive later, claim_run ignores it."""
    from scraping.tasks import run_scrape

    if run.status != Status.PENDING:
        return False
    if timezone.now() - run.created_at > timedelta(seconds=settings.SCRAPING_PENDING_STALE_SECONDS):
        return True
    return failed_to_send(run_scrape, run.pk)


def _chosen_companies(company_ids: Iterable[int] | None) -> list[Company]:
    if company_ids is None:
        companies = list(Company.objects.filter(active=True).order_by("name", "id"))
        if not companies:
            raise NothingToScrape("There is no active company to scrape.")
        return companies
    wanted = list(dict.fromkeys(company_ids))
    if not wanted:
        raise NothingToScrape("Choose at least one company.")
    companies = list(Company.objects.filter(pk__in=wanted).order_by("name", "id"))
    missing = sorted(set(wanted) - {c.pk for c in companies})
    if missing:
        raise NothingToScrape(f"No such company: {', '.join(map(str, missing))}.")
    return companies


def _is_abandoned(run: ScrapeRun) -> bool:
    if run.status != Status.RUNNING or run.started_at is None:
        return False
    deadline = run.started_at + timedelta(seconds=run.timeout_seconds)
    return timezone.now() > deadline + ABANDONED_AFTER


def stop_run(user) -> ScrapeRun:
    """Ask the active run to stop; the worker cancels within a second and marks it `stopped`.

    A run no worker has picked up yet (or whose worker ignores the request for
    STOP_GRACE) is stopped here directly.
    """
    with transaction.atomic():
        run = ScrapeRun.objects.select_for_update().filter(status__in=selectors.ACTIVE_STATUSES).first()
        if run is None:
            raise NoActiveRun("No scrape is running.")
        now = timezone.now()
        if run.status == Status.PENDING or (run.stop_requested_at and now - run.stop_requested_at > STOP_GRACE):
            run.stop_requested_at = run.stop_requested_at or now
            _finish(run, Status.STOPPED, stage="Stopped", error="")
        elif run.stop_requested_at is None:
            run.stop_requested_at = now
            run.current_stage = "Stopping…"
            run.save(update_fields=["stop_requested_at", "current_stage"])
            _publish_run(run)
    return run


def reset_run(user) -> ScrapeRun | None:
    """Clear the finished run from the live panel (refused while a run is active)."""
    with transaction.atomic():
        run = ScrapeRun.objects.select_for_update().filter(cleared_at__isnull=True).order_by("-created_at").first()
        if run is None:
            return None
        if run.status in selectors.ACTIVE_STATUSES:
            raise RunStillActive(run)
        run.cleared_at = timezone.now()
        run.save(update_fields=["cleared_at"])
        _publish_run(run)
    return run


# ---- the worker's writes ------------------------------------------------------

def claim_run(run_id: int) -> ScrapeRun | None:
    """Mark a queued run running (the task's first step); None if it is not to be run.

    A run already `running` is a redelivery after its worker died: the companies
    it was in the middle of go back to pending and the run carries on.
    """
    with transaction.atomic():
        run = ScrapeRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in selectors.ACTIVE_STATUSES:
            return None
        if run.status == Status.RUNNING:
            CompanyScrape.objects.filter(run=run, status=CStatus.RUNNING).update(status=CStatus.PENDING)
        else:
            run.status = Status.RUNNING
            run.started_at = timezone.now()
        counts = selectors.company_counts(run.pk)
        run.current_stage = f"Scraping {counts['total'] - counts['done']} of {counts['total']} companies"
        run.save(update_fields=["status", "started_at", "current_stage"])
        _publish_run(run)
    return run


def mark_company_running(scrape_id: int) -> bool:
    with transaction.atomic():
        updated = CompanyScrape.objects.filter(
            pk=scrape_id, status=CStatus.PENDING, run__status=Status.RUNNING
        ).update(status=CStatus.RUNNING)
        if updated:
            _publish_company(CompanyScrape.objects.select_related("company").get(pk=scrape_id))
    return bool(updated)


def _lock_scrape(scrape_id: int) -> tuple[ScrapeRun, CompanyScrape] | None:
    """Lock a company scrape and its run, in the one order every writer uses:
    run row, then company scrape rows, then (by publishing) the event log."""
    run_id = CompanyScrape.objects.filter(pk=scrape_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return None
    run = ScrapeRun.objects.select_for_update().get(pk=run_id)
    cs = CompanyScrape.objects.select_for_update(of=("self",)).select_related("company").filter(pk=scrape_id).first()
    return (run, cs) if cs is not None else None  # None: its company was deleted meanwhile


def record_company_jobs(scrape_id: int, jobs: list[NormalizedJob], duration: float) -> int:
    """Save one company's postings: upsert by (company, external id), mark vanished ones
    inactive, count found/new on the run, and publish what changed. Returns new postings."""
    with transaction.atomic():
        locked = _lock_scrape(scrape_id)
        if locked is None or locked[1].status != CStatus.RUNNING:
            return 0  # stopped or timed out meanwhile: the run is over
        run, cs = locked
        new_postings = save_postings(cs.company, jobs)
        cs.status, cs.jobs_found, cs.duration_seconds, cs.error = CStatus.COMPLETED, len(jobs), duration, ""
        cs.save(update_fields=["status", "jobs_found", "duration_seconds", "error"])
        run.jobs_found = F("jobs_found") + len(jobs)
        run.jobs_new = F("jobs_new") + len(new_postings)
        counts = _advance(run)
        # Events last: publishing holds the event-log lock until commit.
        _publish_company(cs)
        for posting in new_postings:
            publish(None, "jobs", events.POSTING_CREATED, events.posting_payload(posting, cs.company))
        _publish_run(run, counts)
    return len(new_postings)


def record_company_failure(scrape_id: int, status: str, error: str, duration: float | None) -> None:
    """A company failed (or was skipped, e.g. robots.txt): the run goes on."""
    with transaction.atomic():
        locked = _lock_scrape(scrape_id)
        if locked is None or locked[1].status not in selectors.UNFINISHED_COMPANY:
            return
        run, cs = locked
        cs.status, cs.error, cs.duration_seconds = status, error[:2000], duration
        cs.save(update_fields=["status", "error", "duration_seconds"])
        counts = _advance(run)
        _publish_company(cs)
        _publish_run(run, counts)


def _advance(run: ScrapeRun) -> CompanyCounts:
    """Save the run's counters and its progress, recomputed from its companies (run row locked)."""
    counts = selectors.company_counts(run.pk)
    if run.status == Status.RUNNING:
        total, done = counts["total"], counts["done"]
        run.progress = 100.0 * done / total if total else 100.0
        if run.stop_requested_at is None:
            run.current_stage = f"Scraped {done} of {total} companies"
    run.save(update_fields=["jobs_found", "jobs_new", "progress", "current_stage"])
    run.refresh_from_db(fields=["jobs_found", "jobs_new"])
    return counts


def finish_run(run_id: int, status: str, error: str = "") -> ScrapeRun | None:
    """End a running run: completed, stopped, or failed (timeout or crash)."""
    with transaction.atomic():
        run = ScrapeRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != Status.RUNNING:
            return run
        stages: dict[str, str] = {Status.COMPLETED: "Completed", Status.STOPPED: "Stopped", Status.FAILED: "Failed"}
        stage = stages[status]
        _finish(run, status, stage=stage, error=error)
        if run.jobs_found:
            _recompute_recommendations()
    return run


def _recompute_recommendations() -> None:
    """New or changed postings change every user's best matches (tracker recomputes them once
    this commits; kept and sent later if the broker is down: core.dispatch)."""
    from tracker.tasks import recompute_recommendations_for_all_users  # imported late: tracker loads its analysis

    dispatch_on_commit(recompute_recommendations_for_all_users)


def _finish(run: ScrapeRun, status: str, *, stage: str, error: str) -> None:
    """Close the run and every company it did not get to (inside the caller's transaction)."""
    leftover_status = CStatus.SKIPPED if status == Status.STOPPED else CStatus.FAILED
    leftover_error = "Stopped before finishing." if status == Status.STOPPED else error or "Not scraped."
    leftovers = list(
        CompanyScrape.objects.select_for_update(of=("self",)).select_related("company").filter(
            run=run, status__in=selectors.UNFINISHED_COMPANY
        )
    )
    for cs in leftovers:
        cs.status = leftover_status if cs.status == CStatus.RUNNING else CStatus.SKIPPED
        cs.error = leftover_error[:2000]
        cs.save(update_fields=["status", "error"])
    counts = selectors.company_counts(run.pk)
    if status == Status.COMPLETED:
        failed = counts["failed"]
        error = error or (f"{failed} of {counts['total']} companies failed." if failed else "")
        run.progress = 100.0
    run.status, run.ended_at, run.error = status, timezone.now(), error
    run.refresh_from_db(fields=["jobs_found", "jobs_new"])
    run.current_stage = (
        f"{stage}: {counts['completed']} of {counts['total']} companies scraped, "
        f"{run.jobs_found} jobs ({run.jobs_new} new)"
    )
    run.save(update_fields=["status", "ended_at", "error", "progress", "current_stage", "stop_requested_at"])
    for cs in leftovers:
        _publish_company(cs)
    _publish_run(run, counts)


# ---- companies and run history (the admin's writes) ------------------------------------

def save_company(company: Company) -> Company:
    """Create or change a company the scraper reads (validated by the model)."""
    company.full_clean()
    company.save()
    return company


def delete_companies(company_ids: Iterable[int]) -> int:
    """Delete companies with their postings and scrapes (a run going on skips them: the runner
    finds their company scrapes gone)."""
    deleted, _ = Company.objects.filter(pk__in=list(company_ids)).delete()
    return deleted


def delete_finished_runs(run_ids: Iterable[int]) -> int:
    """Delete runs from the history (the active one stays); returns how many went."""
    runs = ScrapeRun.objects.filter(pk__in=list(run_ids)).exclude(status__in=selectors.ACTIVE_STATUSES)
    count = runs.count()
    runs.delete()
    return count


# ---- postings -------------------------------------------------------------------

def _max_length(field: str) -> int:
    return JobPosting._meta.get_field(field).max_length  # type: ignore[union-attr,return-value]


def _fit(value: str, field: str) -> str:
    limit = _max_length(field)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _fit_url(value: str, field: str) -> str:
    return value if len(value) <= _max_length(field) else ""


def save_postings(company: Company, jobs: list[NormalizedJob]) -> list[JobPosting]:
    """Upsert this company's postings and deactivate the ones no longer on its board.

    Nothing is duplicated: (company, external_id) is unique and the insert is
    an upsert. First-seen stays; last-seen moves. A posting past its
    valid_through is saved retired (active=False), so an expired posting the
    board still lists leaves the active set on the next scrape. Returns the new
    postings.
    """
    now = timezone.now()
    unique = {}
    for job in jobs:
        external_id = _fit(job.external_id, "external_id")
        if external_id and job.title:
            unique[external_id] = job
    known = set(
        JobPosting.objects.filter(company=company, external_id__in=list(unique)).values_list("external_id", flat=True)
    )
    rows = []
    for external_id, job in unique.items():
        locations = [loc.to_dict() for loc in job.locations]
        countries = {c for loc in job.locations for c in (loc.country, loc.remote_scope) if c}
        rows.append(JobPosting(
            company=company,
            external_id=external_id,
            title=_fit(job.title, "title"),
            location=_fit(job.location, "location"),
            remote=job.remote,
            department=_fit(job.department, "department"),
            url=_fit_url(job.url, "url"),
            apply_url=_fit_url(job.apply_url, "apply_url"),
            description=job.description,
            posted_at=job.posted_at,
            first_seen=now,
            last_seen=now,
            active=job.valid_through is None or job.valid_through > now,
            description_html=job.description_html,
            source_updated_at=job.updated_at,
            valid_through=job.valid_through,
            workplace_type=job.workplace_type,
            locations=locations,
            countries=sorted(c[:60] for c in countries),
            salary_min=job.salary.min,
            salary_max=job.salary.max,
            salary_currency=job.salary.currency[:3],
            salary_interval=job.salary.interval,
            salary_text=_fit(job.salary.text, "salary_text"),
            employment_type=job.employment_type,
            employment_type_text=_fit(job.employment_type_text, "employment_type_text"),
            employer=_fit(job.employer, "employer"),
        ))
    if rows:
        JobPosting.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["company", "external_id"],
            update_fields=[
                "title", "location", "remote", "department", "url", "apply_url",
                "description", "posted_at", "last_seen", "active",
                "description_html", "source_updated_at", "valid_through", "workplace_type", "locations",
                "countries", "salary_min", "salary_max", "salary_currency", "salary_interval", "salary_text",
                "employment_type", "employment_type_text", "employer",
            ],
            batch_size=500,
        )
    JobPosting.objects.filter(company=company, active=True).exclude(external_id__in=list(unique)).update(active=False)
    return [row for row in rows if row.external_id not in known and row.active]


# ---- schedules -------------------------------------------------------------------
#
# Each schedule is one django-celery-beat PeriodicTask named "scraping: <name>" that calls
# scraping.scheduled_scrape with kwargs {"company_ids": [...] | null, "schedule": "<name>"}:
# every N minutes (IntervalSchedule) or a crontab in a timezone (CrontabSchedule; a time of
# day is a crontab too). A fired task claims its slot (ScheduledSlot, unique per schedule
# and slot start) before it starts a run, so a slot starts at most one run however many
# beat processes fire it.

SCHEDULE_PREFIX = "scraping: "
DEFAULT_SCHEDULE = "scheduled scrape"
# The schedule PUT /api/v1/scraping/schedule keeps (the API of the single schedule).
SCHEDULE_NAME = SCHEDULE_PREFIX + DEFAULT_SCHEDULE
# The schedule's limits, checked by the API serializer and the page form (scraping/forms.py).
SCHEDULE_MIN_MINUTES = 1
SCHEDULE_MAX_MINUTES = 7 * 24 * 60
SCHEDULE_NAME_MAX = 100
CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
# Advisory lock namespace (two-int form, with the PeriodicTask id) of interval slot claims.
SLOT_LOCK = 0x536C6F74  # "Slot"
_SCHEDULE_NAME_RE = re.compile(r"^[\w][\w .:\-]*$")
_PERIOD_MINUTES = {"days": 1440, "hours": 60, "minutes": 1, "seconds": 1 / 60}


class InvalidSchedule(ApplicationError):
    """A schedule that cannot be kept (bad cron field, unknown timezone...): 400 with `fields`."""

    code = "invalid_schedule"


class ScheduleNotFound(NotFound):
    code = "no_such_schedule"


@dataclass(frozen=True)
class ScheduleSpec:
    """When a schedule fires: every N minutes, or a crontab read in a timezone."""

    every_minutes: int | None = None
    minute: str = "*"
    hour: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"
    day_of_week: str = "*"
    tz: str = "UTC"

    @property
    def kind(self) -> str:
        return "interval" if self.every_minutes else "cron"

    def cron(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in CRON_FIELDS}


@functools.cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA timezone name this machine knows (the form's choices, the API's check)."""
    return tuple(sorted(zoneinfo.available_timezones()))


def schedule_spec(
    kind: str,
    *,
    every_minutes: int | None = None,
    cron: dict[str, str] | None = None,
    time_of_day: dtime | None = None,
    days: Iterable[int] | None = None,
    tz: str = "UTC",
) -> ScheduleSpec:
    """Check what a schedule fires on and build it: the one place these fields are validated
    (the page form and the API call it). kind: interval | cron | time (a time of day, on
    `days` of the week, 0 = Sunday, all when empty)."""
    errors: dict[str, str] = {}
    if tz not in timezone_names():
        errors["timezone"] = f"Unknown timezone {tz[:60]!r}."
    if kind == "interval":
        if every_minutes is None or not SCHEDULE_MIN_MINUTES <= every_minutes <= SCHEDULE_MAX_MINUTES:
            errors["every_minutes"] = f"Every how many minutes: from {SCHEDULE_MIN_MINUTES} to {SCHEDULE_MAX_MINUTES}."
        spec = ScheduleSpec(every_minutes=every_minutes, tz=tz)
    elif kind == "time":
        if time_of_day is None:
            errors["time_of_day"] = "Choose the time of day."
        chosen = sorted(set(days or []))
        if any(not 0 <= day <= 6 for day in chosen):
            errors["days"] = "Days of the week are 0 (Sunday) to 6."
        at = time_of_day or dtime(0, 0)
        spec = ScheduleSpec(minute=str(at.minute), hour=str(at.hour), tz=tz,
                            day_of_week=",".join(map(str, chosen)) if chosen and len(chosen) < 7 else "*")
    elif kind == "cron":
        fields = {name: (str((cron or {}).get(name) or "*").strip() or "*") for name in CRON_FIELDS}
        spec = ScheduleSpec(minute=fields["minute"], hour=fields["hour"], day_of_month=fields["day_of_month"],
                            month_of_year=fields["month_of_year"], day_of_week=fields["day_of_week"], tz=tz)
    else:
        raise InvalidSchedule("A schedule is an interval, a crontab or a time of day.",
                              fields={"kind": "Choose interval, cron or time."})
    if spec.kind == "cron":
        for name, value in spec.cron().items():
            limit = CrontabSchedule._meta.get_field(name).max_length
            if len(value) > limit:
                errors[name] = f"At most {limit} characters."
        if not errors:
            try:
                celery_crontab(**spec.cron())
            except ValueError as exc:
                errors["cron"] = f"Not a valid crontab: {exc}"
    if errors:
        raise InvalidSchedule("Schedule not valid: " + " ".join(errors.values()), fields=errors)
    return spec


def _check_schedule_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > SCHEDULE_NAME_MAX or not _SCHEDULE_NAME_RE.match(name):
        raise InvalidSchedule(
            f"A schedule's name is 1 to {SCHEDULE_NAME_MAX} letters, digits, spaces, dots, colons or dashes.",
            fields={"name": "Invalid name."},
        )
    return name


def save_schedule(name: str, spec: ScheduleSpec, *, enabled: bool, company_ids: list[int] | None) -> dict[str, Any]:
    """Create or change the schedule called `name` (its PeriodicTask "scraping: <name>")."""
    from scraping.tasks import scheduled_scrape

    name = _check_schedule_name(name)
    if company_ids:
        _chosen_companies(company_ids)  # unknown ids are an error now, not at 3 a.m.
    with transaction.atomic():
        interval = crontab = None
        if spec.every_minutes:
            interval, _ = IntervalSchedule.objects.get_or_create(every=spec.every_minutes,
                                                                 period=IntervalSchedule.MINUTES)
        else:
            crontab = CrontabSchedule.objects.filter(**spec.cron(), timezone=spec.tz).first()
            if crontab is None:
                crontab = CrontabSchedule.objects.create(**spec.cron(), timezone=zoneinfo.ZoneInfo(spec.tz))
        task, _ = PeriodicTask.objects.update_or_create(
            name=SCHEDULE_PREFIX + name,
            defaults={
                "task": scheduled_scrape.name,
                "interval": interval,
                "crontab": crontab,
                "kwargs": json.dumps({"company_ids": company_ids or None, "schedule": name}),
                "enabled": enabled,
            },
        )
    return schedule_payload(task)


def set_schedule(*, enabled: bool, every_minutes: int, company_ids: list[int] | None) -> dict[str, Any]:
    """The single-schedule API: the default schedule, every N minutes."""
    save_schedule(DEFAULT_SCHEDULE, schedule_spec("interval", every_minutes=every_minutes),
                  enabled=enabled, company_ids=company_ids)
    return get_schedule()


def get_schedule() -> dict[str, Any]:
    """The default schedule (GET /api/v1/scraping/schedule)."""
    task = _schedules().filter(name=SCHEDULE_NAME).first()
    if task is None:
        return {"enabled": False, "every_minutes": None, "company_ids": None, "last_run_at": None}
    return schedule_payload(task)


def _schedules():
    from scraping.tasks import scheduled_scrape

    return PeriodicTask.objects.filter(name__startswith=SCHEDULE_PREFIX, task=scheduled_scrape.name).select_related(
        "interval", "crontab")


def list_schedules() -> list[dict[str, Any]]:
    """Every scraping schedule, by name, with its next run."""
    now = timezone.now()
    return [schedule_payload(task, now) for task in _schedules().order_by("name")]


def _schedule(schedule_id: int) -> PeriodicTask:
    task = _schedules().filter(pk=schedule_id).first()
    if task is None:
        raise ScheduleNotFound("No such schedule.")
    return task


def get_schedule_by_id(schedule_id: int) -> dict[str, Any]:
    return schedule_payload(_schedule(schedule_id))


def set_schedule_enabled(schedule_id: int, enabled: bool) -> dict[str, Any]:
    """Pause (False) or resume (True) a schedule; beat notices the change by itself."""
    task = _schedule(schedule_id)
    task.enabled = enabled
    task.save()
    return schedule_payload(task)


def delete_schedule(schedule_id: int) -> None:
    _schedule(schedule_id).delete()


def _interval_delta(interval: IntervalSchedule) -> timedelta:
    return timedelta(**{interval.period: interval.every})


def schedule_payload(task: PeriodicTask, now: datetime | None = None) -> dict[str, Any]:
    """A schedule as the API and the page show it."""
    now = now or timezone.now()
    kwargs = json.loads(task.kwargs or "{}")
    payload: dict[str, Any] = {
        "id": task.pk,
        "name": task.name.removeprefix(SCHEDULE_PREFIX),
        "enabled": task.enabled,
        "kind": None,
        "every_minutes": None,
        "cron": None,
        "timezone": None,
        "description": "",
        "company_ids": kwargs.get("company_ids"),
        "last_run_at": iso(task.last_run_at),
        "next_run_at": iso(next_run(task, now)),
    }
    if task.interval is not None:
        per_period = _PERIOD_MINUTES.get(task.interval.period)
        minutes = round(task.interval.every * per_period, 2) if per_period else None
        if minutes is not None and minutes == int(minutes):
            minutes = int(minutes)
        payload.update(kind="interval", every_minutes=minutes, timezone=settings.CELERY_TIMEZONE,
                       description=f"every {task.interval.every} {task.interval.period}")
    elif task.crontab is not None:
        cron = {name: getattr(task.crontab, name) for name in CRON_FIELDS}
        payload.update(kind="cron", cron=cron, timezone=str(task.crontab.timezone),
                       description=" ".join(cron.values()) + f" ({task.crontab.timezone})")
    return payload


def next_run(task: PeriodicTask, now: datetime) -> datetime | None:
    """When beat fires this schedule next (None while paused): a crontab read in its timezone,
    an interval from its last run (or its last change, before it ever ran)."""
    if not task.enabled:
        return None
    if task.crontab is not None:
        tz = zoneinfo.ZoneInfo(str(task.crontab.timezone))
        start, remaining, _ = task.crontab.schedule.remaining_delta(now.astimezone(tz))
        return (start + remaining).astimezone(UTC)
    if task.interval is not None:
        every = _interval_delta(task.interval)
        upcoming = (task.last_run_at or task.date_changed or now) + every
        if upcoming < now:
            upcoming += every * -(-(now - upcoming) // every)  # the next whole interval from now
        return upcoming
    return None


def previous_fire(crontab: CrontabSchedule, now: datetime) -> datetime | None:
    """The latest moment at or before `now` this crontab fires, read in its timezone (UTC result);
    None if it never fired within five years (say, 30 February)."""
    parsed: Any = celery_crontab(**{name: getattr(crontab, name) for name in CRON_FIELDS})  # parsed into sets
    tz = zoneinfo.ZoneInfo(str(crontab.timezone))
    local = now.astimezone(tz)
    hours, minutes = sorted(parsed.hour, reverse=True), sorted(parsed.minute, reverse=True)
    day = local.date()
    for _ in range(366 * 5):
        if (day.month in parsed.month_of_year and day.day in parsed.day_of_month
                and day.isoweekday() % 7 in parsed.day_of_week):
            for hour in hours:
                for minute in minutes:
                    candidate = datetime.combine(day, dtime(hour, minute), tzinfo=tz)
                    if candidate <= local:
                        return candidate.astimezone(UTC)
        day -= timedelta(days=1)
    return None


def claim_slot(task: PeriodicTask, now: datetime) -> ScheduledSlot | None:
    """Claim the slot of `task` that `now` falls in; None if it was claimed already.

    A crontab's slot is its latest firing at or before now; an interval's is `now`
    rounded down to a whole interval since the epoch, and a claim within half an
    interval of the previous one is refused too (two beats firing an interval schedule
    a little apart, across a rounding boundary). The unique constraint is the guarantee.
    Call inside a transaction.
    """
    if task.crontab is not None:
        slot_start = previous_fire(task.crontab, now) or now.replace(second=0, microsecond=0)
    else:
        every = _interval_delta(task.interval) if task.interval is not None else timedelta(minutes=1)
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        slot_start = epoch + every * ((now - epoch) // every)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SLOT_LOCK, task.pk])
        if ScheduledSlot.objects.filter(schedule=task, claimed_at__gt=now - every / 2).exists():
            return None
    try:
        with transaction.atomic():
            return ScheduledSlot.objects.create(schedule=task, slot_start=slot_start, claimed_at=now)
    except IntegrityError:
        return None


def start_scheduled_run(company_ids: list[int] | None, schedule: str | None = None,
                        now: datetime | None = None) -> ScrapeRun | None:
    """The beat's scrape: once per slot of its schedule, skipped if a run is active;
    deleted companies are dropped. The slot claim and the run commit together."""
    if company_ids:
        company_ids = list(Company.objects.filter(pk__in=company_ids).values_list("pk", flat=True))
        if not company_ids:
            logger.warning("scheduled scrape: none of its companies exist any more")
            return None
    with transaction.atomic():
        slot = None
        if schedule is not None:
            task = _schedules().filter(name=SCHEDULE_PREFIX + schedule).first()
            if task is None or not task.enabled:
                logger.info("scheduled scrape %r skipped: the schedule is gone or paused", schedule)
                return None
            slot = claim_slot(task, now or timezone.now())
            if slot is None:
                logger.info("scheduled scrape %r skipped: this slot has started its run already", schedule)
                return None
        run = None
        try:
            run = start_run(None, company_ids or None)
        except ScrapeAlreadyRunning as exc:
            logger.info("scheduled scrape skipped: run #%s is %s", exc.run.pk, exc.run.status)
        except NothingToScrape as exc:
            logger.info("scheduled scrape skipped: %s", exc)
        if slot is not None and run is not None:
            slot.run = run
            slot.save(update_fields=["run"])
    return run
