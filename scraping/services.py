"""Every write of scraping, and the events it causes.

Events: `scraping.run_updated` and `scraping.company_updated` (channel
`scraping`) and `job.created` (channel `jobs`) for each new posting, all global
(user None), published inside the write's transaction.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from realtime import publish
from scraping import conf, selectors
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


class ScrapeAlreadyRunning(Exception):
    def __init__(self, run: ScrapeRun):
        super().__init__(f"scrape run #{run.pk} is already {run.status}")
        self.run = run


class NothingToScrape(ValueError):
    """No (valid) company was chosen, or no company is active."""


class NoActiveRun(Exception):
    pass


class RunStillActive(Exception):
    def __init__(self, run: ScrapeRun):
        super().__init__(f"scrape run #{run.pk} is still {run.status}")
        self.run = run


# ---- publishing -----------------------------------------------------------

def _publish_run(run: ScrapeRun, counts: dict | None = None) -> None:
    publish(None, "scraping", "scraping.run_updated", selectors.run_payload(run, counts))


def _publish_company(cs: CompanyScrape) -> None:
    publish(None, "scraping", "scraping.company_updated", selectors.company_payload(cs))


# ---- start / stop / reset ---------------------------------------------------

def start_run(user, company_ids: list[int] | None = None, *, dispatch: bool = True) -> ScrapeRun:
    """Queue a scrape of the chosen companies (default: every active one).

    `dispatch=False` creates the run without sending the Celery task (the
    benchmark runs it in-process with scraping.runner.execute_run).

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
        if active is not None:
            raise ScrapeAlreadyRunning(active)
        companies = _chosen_companies(company_ids)
        run = ScrapeRun.objects.create(
            status=Status.PENDING,
            started_by=user if user is not None and user.is_authenticated else None,
            current_stage=f"Queued: {len(companies)} compan{'y' if len(companies) == 1 else 'ies'}",
            celery_task_id=str(uuid.uuid4()),
            timeout_seconds=float(conf.get("SCRAPING_TIMEOUT")),
        )
        CompanyScrape.objects.bulk_create([CompanyScrape(run=run, company=c) for c in companies])
        _publish_run(run)
        if dispatch:
            transaction.on_commit(lambda: _dispatch(run))
    return run


def _dispatch(run: ScrapeRun) -> None:
    from scraping.tasks import run_scrape

    options = {"task_id": run.celery_task_id}
    queue = conf.get("SCRAPING_QUEUE")
    if queue:
        options["queue"] = queue
    run_scrape.apply_async(args=[run.pk], **options)


def _chosen_companies(company_ids) -> list[Company]:
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


def _lock_scrape(scrape_id: int) -> tuple[ScrapeRun | None, CompanyScrape | None]:
    """Lock a company scrape and its run, in the one order every writer uses:
    run row, then company scrape rows, then (by publishing) the event log."""
    run_id = CompanyScrape.objects.filter(pk=scrape_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return None, None
    run = ScrapeRun.objects.select_for_update().get(pk=run_id)
    cs = CompanyScrape.objects.select_for_update(of=("self",)).select_related("company").get(pk=scrape_id)
    return run, cs


def record_company_jobs(scrape_id: int, jobs: list[NormalizedJob], duration: float) -> int:
    """Save one company's postings: upsert by (company, external id), mark vanished ones
    inactive, count found/new on the run, and publish what changed. Returns new postings."""
    with transaction.atomic():
        run, cs = _lock_scrape(scrape_id)
        if cs is None or cs.status != CStatus.RUNNING:
            return 0  # stopped or timed out meanwhile: the run is over
        new_postings = save_postings(cs.company, jobs)
        cs.status, cs.jobs_found, cs.duration_seconds, cs.error = CStatus.COMPLETED, len(jobs), duration, ""
        cs.save(update_fields=["status", "jobs_found", "duration_seconds", "error"])
        run.jobs_found = F("jobs_found") + len(jobs)
        run.jobs_new = F("jobs_new") + len(new_postings)
        counts = _advance(run)
        # Events last: publishing holds the event-log lock until commit.
        _publish_company(cs)
        for posting in new_postings:
            publish(
                None,
                "jobs",
                "job.created",
                {
                    "job_id": posting.pk,
                    "company": cs.company.name,
                    "job_title": posting.title,
                    "location": posting.location,
                    "source": cs.company.source,
                },
            )
        _publish_run(run, counts)
    return len(new_postings)


def record_company_failure(scrape_id: int, status: str, error: str, duration: float | None) -> None:
    """A company failed (or was skipped, e.g. robots.txt): the run goes on."""
    with transaction.atomic():
        run, cs = _lock_scrape(scrape_id)
        if cs is None or cs.status not in selectors.UNFINISHED_COMPANY:
            return
        cs.status, cs.error, cs.duration_seconds = status, error[:2000], duration
        cs.save(update_fields=["status", "error", "duration_seconds"])
        counts = _advance(run)
        _publish_company(cs)
        _publish_run(run, counts)


def _advance(run: ScrapeRun) -> dict:
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
        stage = {Status.COMPLETED: "Completed", Status.STOPPED: "Stopped", Status.FAILED: "Failed"}[status]
        _finish(run, status, stage=stage, error=error)
        if run.jobs_found:
            transaction.on_commit(_recompute_recommendations)
    return run


def _recompute_recommendations():
    """New or changed postings change every user's best matches (tracker recomputes them)."""
    from jobelix.celery import app

    try:
        app.send_task("tracker.tasks.recompute_recommendations_for_all_users")
    except Exception as exc:  # the broker is down: the next run or a manual refresh catches up
        logger.warning("could not queue the recommendations refresh: %s", exc)


def _finish(run: ScrapeRun, status: str, *, stage: str, error: str) -> None:
    """Close the run and every company it did not get to (inside the caller's transaction)."""
    leftover_status = CStatus.SKIPPED if status == Status.STOPPED else CStatus.FAILED
    leftover_error = {Status.STOPPED: "Stopped before finishing."}.get(status, error or "Not scraped.")
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


# ---- postings -------------------------------------------------------------------

def _fit(value: str, field: str) -> str:
    limit = JobPosting._meta.get_field(field).max_length
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _fit_url(value: str, field: str) -> str:
    return value if len(value) <= JobPosting._meta.get_field(field).max_length else ""


def save_postings(company: Company, jobs: list[NormalizedJob]) -> list[JobPosting]:
    """Upsert this company's postings and deactivate the ones no longer on its board.

    Nothing is duplicated: (company, external_id) is unique and the insert is
    an upsert. First-seen stays; last-seen moves. Returns the new postings.
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
    rows = [
        JobPosting(
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
            active=True,
        )
        for external_id, job in unique.items()
    ]
    if rows:
        JobPosting.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["company", "external_id"],
            update_fields=[
                "title", "location", "remote", "department", "url", "apply_url",
                "description", "posted_at", "last_seen", "active",
            ],
            batch_size=500,
        )
    JobPosting.objects.filter(company=company, active=True).exclude(external_id__in=list(unique)).update(active=False)
    return [row for row in rows if row.external_id not in known]


# ---- schedules -------------------------------------------------------------------

SCHEDULE_NAME = "scraping: scheduled scrape"
SCHEDULE_TASK = "scraping.tasks.scheduled_scrape"


def set_schedule(*, enabled: bool, every_minutes: int, company_ids: list[int] | None) -> dict:
    """Create or change the periodic scrape (django-celery-beat), every N minutes."""
    import json

    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    if every_minutes < 1:
        raise ValueError("every_minutes must be at least 1")
    if company_ids:
        _chosen_companies(company_ids)  # unknown ids are an error now, not at 3 a.m.
    with transaction.atomic():
        interval, _ = IntervalSchedule.objects.get_or_create(every=every_minutes, period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.update_or_create(
            name=SCHEDULE_NAME,
            defaults={
                "task": SCHEDULE_TASK,
                "interval": interval,
                "crontab": None,
                "kwargs": json.dumps({"company_ids": company_ids or None}),
                "enabled": enabled,
            },
        )
    return get_schedule()


def get_schedule() -> dict:
    import json

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
        "last_run_at": task.last_run_at.isoformat() if task.last_run_at else None,
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
