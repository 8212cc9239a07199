"""Every write of the submissions app, and the events each one causes.

``apply_progress_update`` is the single path for progress: the worker endpoint and the
Celery apply worker both call it, so both emit the same ``submission.updated`` /
``submission_job.updated`` events on channel ``submissions`` (to the job's owner; staff
see them on the staff view ``submissions:all``).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from realtime import publish
from realtime.models import iso
from scraping.models import JobPosting
from submissions import progress_rules as rules
from submissions.models import Submission, SubmissionJob
from submissions.selectors import job_payload, submission_payload

logger = logging.getLogger(__name__)

CHANNEL = "submissions"
MAX_POSTINGS_PER_JOB = 500


class JobNotFound(Exception):
    """The job (or the submission inside it) does not exist for this actor: 404."""


class InvalidRequest(Exception):
    """A user request that cannot be carried out: 400 with this message."""


@dataclass
class UpdateResult:
    job: SubmissionJob
    submission: Submission | None
    changed: bool


# -- the progress path (endpoint + Celery) ------------------------------------------


def apply_progress_update(update: rules.ProgressUpdate, *, owner=None) -> UpdateResult:
    """Apply one worker update atomically; ``owner`` None means the system (any job).

    Rows are locked job first, then submission (everyone locks in this order), so
    concurrent updates to one job serialise and counts stay exact. Raises JobNotFound,
    or rules.UpdateRejected (400/409) with nothing written.
    """
    with transaction.atomic():
        jobs = SubmissionJob.objects.select_related("owner").select_for_update(of=("self",))
        if owner is not None:
            jobs = jobs.filter(owner=owner)
        job = jobs.filter(pk=update.job_id).first()
        if job is None:
            raise JobNotFound("No such submission job.")
        submission = None
        if update.submission_id is not None:
            submission = Submission.objects.select_for_update().filter(pk=update.submission_id, job=job).first()
            if submission is None:
                raise JobNotFound("No such submission in this job.")
        plan = rules.plan_update(_job_state(job), _submission_state(submission), update)
        if plan.changed:
            _write_plan(job, submission, plan, now=timezone.now())
        return UpdateResult(job=job, submission=submission, changed=plan.changed)


def _job_state(job: SubmissionJob) -> rules.JobState:
    return rules.JobState(
        status=job.status,
        total=job.total,
        completed=job.completed,
        failed=job.failed,
        current_target=job.current_target,
        last_error=job.last_error_message or None,
    )


def _submission_state(submission: Submission | None) -> rules.SubmissionState | None:
    if submission is None:
        return None
    return rules.SubmissionState(status=submission.status, last_error=submission.last_error_message or None)


def _append_error(log: list, entry: dict) -> list:
    return (log + [entry])[-rules.MAX_ERROR_LOG_ENTRIES :]


def _write_plan(job: SubmissionJob, submission: Submission | None, plan: rules.UpdatePlan, now) -> None:
    if plan.submission_changed:
        if plan.new_attempt:
            submission.attempts += 1  # row is locked: a plain increment is safe
        submission.status = plan.submission.status
        for name in plan.submission_timestamps:
            setattr(submission, name, now)
        if plan.submission_error:
            submission.last_error_message = plan.submission_error
            submission.error_log = _append_error(
                submission.error_log, {"at": iso(now), "status": submission.status, "message": plan.submission_error}
            )
        submission.save()
    if plan.job_changed:
        job.status = plan.job.status
        job.completed = plan.job.completed
        job.failed = plan.job.failed
        job.current_target = plan.job.current_target
        job.progress_percentage = plan.percentage
        for name in plan.job_timestamps:
            setattr(job, name, now)
        if plan.job_error:
            entry = {"at": iso(now), "message": plan.job_error}
            if submission is not None:
                entry.update(submission_id=str(submission.pk), target=submission.target_name)
            job.error_log = _append_error(job.error_log, entry)
        job.save()
    payloads = {"submission.updated": lambda: submission_payload(submission), "submission_job.updated": lambda: job_payload(job)}
    for event_type in plan.events:
        publish(job.owner, CHANNEL, event_type, payloads[event_type]())


def _publish_job(job: SubmissionJob) -> None:
    publish(job.owner, CHANNEL, "submission_job.updated", job_payload(job))


# -- creating and starting jobs -----------------------------------------------------


def create_job(owner, posting_ids: Iterable, *, start: bool = True) -> SubmissionJob:
    """A job applying to these active postings, one submission each; started on Celery."""
    ids = []
    for value in posting_ids:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise InvalidRequest(f"job posting id {str(value)[:40]!r} is not a number") from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise InvalidRequest("Choose at least one job posting.")
    if len(ids) > MAX_POSTINGS_PER_JOB:
        raise InvalidRequest(f"At most {MAX_POSTINGS_PER_JOB} postings per job.")
    postings = {p.pk: p for p in JobPosting.objects.filter(pk__in=ids, active=True).select_related("company")}
    missing = [i for i in ids if i not in postings]
    if missing:
        raise InvalidRequest(f"Unknown or closed job postings: {', '.join(map(str, missing[:10]))}.")
    with transaction.atomic():
        job = SubmissionJob.objects.create(
            owner=owner, total=len(ids), applier=settings.SUBMISSIONS_APPLIER
        )
        Submission.objects.bulk_create(
            Submission(job=job, job_posting=postings[pid], target_name=target_name(postings[pid])[:255], position=n)
            for n, pid in enumerate(ids)
        )
        _publish_job(job)
        if start:
            start_job(job)
    return job


def target_name(posting: JobPosting) -> str:
    return f"{posting.company.name} — {posting.title}"


def start_job(job: SubmissionJob) -> None:
    """Queue the apply worker once the job is committed."""
    from submissions.tasks import process_submission_job

    transaction.on_commit(lambda: process_submission_job.delay(str(job.pk)))


def retry_failed_submissions(job_ids: Iterable) -> int:
    """Staff action: failed submissions go back to pending and their jobs run again.

    This is the one place counts go down (the failures are being undone by a person);
    worker updates never lower them.
    """
    retried = 0
    for job_id in job_ids:
        with transaction.atomic():
            job = SubmissionJob.objects.select_for_update().get(pk=job_id)
            failed = list(job.submissions.select_for_update().filter(status=rules.SUB_FAILED))
            if not failed:
                continue
            for submission in failed:
                submission.status = rules.SUB_PENDING
                submission.attempts = 0
                submission.failed_at = None
                submission.save(update_fields=["status", "attempts", "failed_at", "updated_at"])
                publish(job.owner, CHANNEL, "submission.updated", submission_payload(submission))
            job.failed = max(0, job.failed - len(failed))
            if job.is_finished:
                job.status = rules.JOB_PENDING
                job.completed_at = None
            job.progress_percentage = rules.progress_percentage(job.completed, job.failed, job.total, job.status)
            job.save()
            _publish_job(job)
            start_job(job)
            retried += len(failed)
    return retried


def resume_jobs(job_ids: Iterable) -> int:
    """Staff action: queue unfinished jobs again (e.g. after their worker died).

    Safe on a job that is still running: the second run finds the job's lease taken and returns.
    """
    jobs = list(SubmissionJob.objects.filter(pk__in=list(job_ids)).exclude(status__in=rules.JOB_FINISHED))
    with transaction.atomic():
        for job in jobs:
            start_job(job)
    return len(jobs)


# -- the Celery apply worker --------------------------------------------------------


def _advisory_key(job_id) -> int:
    """A signed 64-bit key from the job's UUID for pg_try_advisory_lock."""
    import uuid

    return int.from_bytes(uuid.UUID(str(job_id)).bytes[:8], "big", signed=True)


class _JobLease:
    """One worker per job: a session advisory lock, released by PostgreSQL if the worker dies."""

    def __init__(self, job_id):
        self.key = _advisory_key(job_id)
        self.held = False

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
            self.held = bool(cursor.fetchone()[0])
        return self

    def __exit__(self, *exc):
        if self.held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])
            except Exception:  # connection gone: the lock went with it
                logger.warning("could not release the lease of job key %s", self.key)


def load_applier(job: SubmissionJob):
    """The job's applier: the one configured when it was created, so every worker runs it alike."""
    return import_string(job.applier or settings.SUBMISSIONS_APPLIER)


def applier_request(job: SubmissionJob, submission: Submission) -> dict:
    """What an applier gets: plain data (no ORM objects), so appliers need no Django."""
    posting = submission.job_posting
    owner = job.owner
    profile = getattr(owner, "profile", None)
    return {
        "submission_id": str(submission.pk),
        "job_id": str(job.pk),
        "attempt": submission.attempts,
        "target_name": submission.target_name,
        "applicant": {
            "user_id": owner.pk,
            "name": owner.get_full_name() or owner.get_username(),
            "email": owner.email,
            "phone": getattr(profile, "phone", ""),
            "headline": getattr(profile, "headline", ""),
            "skills": list(getattr(profile, "skills", []) or []),
            "years_experience": getattr(profile, "years_experience", 0),
            "work_authorization": getattr(profile, "work_authorization", ""),
            "resume_text": getattr(profile, "resume_text", ""),
            # what the bot's screening answers need (bot.profile.Profile)
            "desired_titles": list(getattr(profile, "desired_titles", []) or []),
            "locations": list(getattr(profile, "locations", []) or []),
            "remote_preference": getattr(profile, "remote_preference", ""),
            "salary_expectation": getattr(profile, "salary_expectation", None),
            "willing_to_relocate": getattr(profile, "willing_to_relocate", None),
        },
        "posting": None
        if posting is None
        else {
            "id": posting.pk,
            "title": posting.title,
            "company": posting.company.name,
            "location": posting.location,
            "url": posting.url,
            "apply_url": posting.apply_url,
            "active": posting.active,
        },
    }


def _update(job_id, status, submission_id=None, error_message=None, current_target=None) -> UpdateResult:
    return apply_progress_update(
        rules.ProgressUpdate(
            job_id=job_id,
            status=status,
            submission_id=submission_id,
            current_target=current_target,
            error_message=error_message,
        )
    )


def recover_interrupted(job: SubmissionJob, max_attempts: int) -> None:
    """Submissions left in ``submitting`` by a killed worker: retry them, or fail them for good."""
    for submission in job.submissions.filter(status=rules.SUB_SUBMITTING):
        if submission.attempts >= max_attempts:
            _update(
                job.pk,
                rules.SUB_FAILED,
                submission.pk,
                error_message=f"Interrupted {submission.attempts} time(s); giving up after {max_attempts} attempts.",
            )
            continue
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            if locked.status != rules.SUB_SUBMITTING:
                continue
            locked.status = rules.SUB_PENDING  # a system reset, not a worker move: retried below
            locked.save(update_fields=["status", "updated_at"])
            publish(job.owner, CHANNEL, "submission.updated", submission_payload(locked))


def _claim_next(job: SubmissionJob) -> Submission | None:
    submission = job.submissions.filter(status=rules.SUB_PENDING).first()
    if submission is None:
        return None
    result = _update(job.pk, rules.SUB_SUBMITTING, submission.pk, current_target=submission.target_name)
    return result.submission


def _finish_if_done(job: SubmissionJob) -> bool:
    """Complete the job unless submissions were added back meanwhile (staff retry)."""
    with transaction.atomic():
        SubmissionJob.objects.select_for_update().filter(pk=job.pk).first()
        if job.submissions.filter(status__in=[rules.SUB_PENDING, rules.SUB_SUBMITTING]).exists():
            return False
        try:
            _update(job.pk, rules.JOB_COMPLETED)
        except rules.ImpossibleTransition:  # failed meanwhile (staff or a worker said so): leave it
            pass
        return True


def run_submission_job(job_id) -> str:
    """Work through a job's pending submissions with the configured applier.

    Safe to run again at any time: a second concurrent run returns at once (lease),
    a finished job is left alone, and submissions a killed run left ``submitting``
    are retried (or failed after SUBMISSIONS_MAX_ATTEMPTS).
    """
    max_attempts = settings.SUBMISSIONS_MAX_ATTEMPTS
    with _JobLease(job_id) as lease:
        if not lease.held:
            return "busy"
        job = SubmissionJob.objects.filter(pk=job_id).select_related("owner").first()
        if job is None:
            return "missing"
        if job.is_finished:
            return job.status
        try:
            applier = load_applier(job)
        except ImportError as exc:
            _update(job.pk, rules.JOB_FAILED, error_message=f"Applier {job.applier!r} unavailable: {exc}")
            return rules.JOB_FAILED
        recover_interrupted(job, max_attempts)
        if job.status == rules.JOB_PENDING:
            _update(job.pk, rules.JOB_IN_PROGRESS)
        while True:
            try:
                submission = _claim_next(job)
            except rules.ImpossibleTransition:  # the job was finished elsewhere (staff, a worker)
                return SubmissionJob.objects.get(pk=job.pk).status
            if submission is None:
                if _finish_if_done(job):
                    return rules.JOB_COMPLETED
                recover_interrupted(job, max_attempts)
                continue
            try:
                applier(applier_request(job, submission))
            except Exception as exc:  # any applier failure is this submission's failure
                message = str(exc) or exc.__class__.__name__
                _apply_outcome(job.pk, submission.pk, rules.SUB_FAILED, message)
            else:
                _apply_outcome(job.pk, submission.pk, rules.SUB_SUBMITTED, None)


def _apply_outcome(job_id, submission_id, status, error_message) -> None:
    try:
        _update(job_id, status, submission_id, error_message=error_message)
    except rules.ImpossibleTransition as exc:  # finished meanwhile: the record stands as it is
        logger.info("outcome of submission %s not recorded: %s", submission_id, exc)
