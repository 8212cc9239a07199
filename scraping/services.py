"""Every write of scraping, and the events it causes.

Events (scraping/events.py): `scraping.run_updated` and `scraping.company_updated`
(channel `scraping`) and `posting.created` (channel `jobs`) for each new posting,
all global (user None), published inside the write's transaction.
"""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.dispatch import dispatch_on_commit, failed_to_send
from core.errors import ApplicationError, Conflict
from core.wire import iso
from realtime import publish
from scraping import events, selectors
from scraping.events import CompanyCounts
from scraping.models import Company, CompanyScrape, JobPosting, ScrapeRun
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

SCHEDULE_NAME = "scraping: scheduled scrape"
# The schedule's limits, checked by the API serializer and the page form (scraping/forms.py).
SCHEDULE_MIN_MINUTES = 1
SCHEDULE_MAX_MINUTES = 7 * 24 * 60


def set_schedule(*, enabled: bool, every_minutes: int, company_ids: list[int] | None) -> dict[str, Any]:
    """Create or change the periodic scrape (django-celery-beat), every N minutes."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from scraping.tasks import scheduled_scrape

    if company_ids:
        _chosen_companies(company_ids)  # unknown ids are an error now, not at 3 a.m.
    with transaction.atomic():
        interval, _ = IntervalSchedule.objects.get_or_create(every=every_minutes, period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.update_or_create(
            name=SCHEDULE_NAME,
            defaults={
                "task": scheduled_scrape.name,
                "interval": interval,
                "crontab": None,
                "kwargs": json.dumps({"company_ids": company_ids or None}),
                "enabled": enabled,
            },
        )
    return get_schedule()


def get_schedule() -> dict[str, Any]:
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.filter(name=SCHEDULE_NAME).select_related("interval").first()
    if task is None or task.interval is None:
        return {"enabled": False, "every_minutes": None, "company_ids": None, "last_run_at": None}
    per_period = {"days": 1440, "hours": 60, "minutes": 1, "seconds": 1 / 60}.get(task.interval.period)
    minutes = round(task.interval.every * per_period, 2) if per_period else None
    return {
        "enabled": task.enabled,
        "every_minutes": minutes,
        "company_ids": json.loads(task.kwargs or "{}").get("company_ids"),
        "last_run_at": iso(task.last_run_at),
    }


def start_scheduled_run(company_ids: list[int] | None) -> ScrapeRun | None:
    """The beat's scrape: skipped if one is running; deleted companies are dropped."""
    if company_ids:
        company_ids = list(Company.objects.filter(pk__in=company_ids).values_list("pk", flat=True))
        if not company_ids:
            logger.warning("scheduled scrape: none of its companies exist any more")
            return None
    try:
        return start_run(None, company_ids or None)
    except ScrapeAlreadyRunning as exc:
        logger.info("scheduled scrape skipped: run #%s is %s", exc.run.pk, exc.run.status)
    except NothingToScrape as exc:
        logger.info("scheduled scrape skipped: %s", exc)
    return None
