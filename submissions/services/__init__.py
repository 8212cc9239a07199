"""Every write of the submissions app, and the events each one causes.

``apply_progress_update`` is the single path for progress: the worker endpoint and the
Celery apply worker (``submissions.worker``) both call it, so both emit the same
``submission.updated`` / ``submission_job.updated`` events on channel ``submissions``
(to the job's owner; staff see them on the staff view ``submissions:all``).
Refusals are ``core.errors.ApplicationError``s, answered once by ``core.api``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ApiToken
from core.dispatch import record_dispatch
from core.errors import ApplicationError, Conflict, NotFound
from core.wire import iso
from realtime import publish
from scraping.models import JobPosting
from submissions import events, selectors
from submissions import progress_rules as rules
from submissions.models import Submission, SubmissionJob, validate_external_id

MAX_POSTINGS_PER_JOB = 500


class JobNotFound(NotFound):
    """The job (or the submission inside it) does not exist for this actor: 404."""


class ExternalIdTaken(Conflict):
    """Another job of this owner (or of this service token) already has the reference: 409."""

    def __init__(self, message: str):
        super().__init__(message, field="external_id")


@dataclass
class UpdateResult:
    job: SubmissionJob
    submission: Submission | None
    changed: bool


def publish_job(job: SubmissionJob) -> None:
    publish(job.owner, events.CHANNEL, events.JOB_UPDATED, events.job_payload(job))


def publish_submission(job: SubmissionJob, submission: Submission) -> None:
    publish(job.owner, events.CHANNEL, events.SUBMISSION_UPDATED, events.submission_payload(submission))


# -- the progress path (endpoint + Celery) ------------------------------------------


def apply_progress_update(update: rules.ProgressUpdate, *, reach: selectors.WorkerReach | None = None) -> UpdateResult:
    """Apply one worker update atomically, on a job within ``reach`` (None: the system, any job).

    Rows are locked job first, then submission (everyone locks in this order), so
    concurrent updates to one job serialise and counts stay exact. Raises JobNotFound,
    or rules.UpdateRejected (400/409) with nothing written.
    """
    reach = reach or selectors.worker_reach(None)
    with transaction.atomic():
        job = _locked_job(reach, update)
        if job is None:
            raise JobNotFound("No such submission job.")
        submission = None
        if update.submission_id is not None:
            submission = Submission.objects.select_for_update().filter(pk=update.submission_id, job=job).first()
            if submission is None:
                raise JobNotFound("No such submission in this job.")
        plan = rules.plan_update(job_state(job), submission_state(submission), update)
        if plan.changed:
            _write_plan(job, submission, plan, now=timezone.now())
        return UpdateResult(job=job, submission=submission, changed=plan.changed)


def _locked_job(reach: selectors.WorkerReach, update: rules.ProgressUpdate) -> SubmissionJob | None:
    """The job by our UUID, else by the caller's external reference; its row locked."""
    candidates = []
    if update.job_id is not None:
        candidates.append(reach.jobs.filter(pk=update.job_id))
    if update.job_external_id is not None:
        candidates.append(reach.by_external_id.filter(external_id=update.job_external_id))
    for jobs in candidates:
        job = jobs.select_related("owner").select_for_update(of=("self",)).first()
        if job is not None:
            return job
    return None


def job_state(job: SubmissionJob) -> rules.JobState:
    return rules.JobState(
        status=job.status,
        total=job.total,
        completed=job.completed,
        failed=job.failed,
        current_target=job.current_target,
        last_error=job.last_error_message or None,
    )


def submission_state(submission: Submission | None) -> rules.SubmissionState | None:
    if submission is None:
        return None
    return rules.SubmissionState(status=submission.status, last_error=submission.last_error_message or None)


def _append_error(log: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]]:
    return (log + [entry])[-rules.MAX_ERROR_LOG_ENTRIES :]


def apply_plan(job: SubmissionJob, submission: Submission | None, plan: rules.UpdatePlan,
               now: datetime) -> tuple[list[str], list[str]]:
    """Set the plan's new values on the locked rows' instances (nothing saved): the ORM path saves them,
    the workers' fast path (submissions.fastpath) writes the same values with its own statements.
    Returns the fields set on the job and on the submission (each with `updated_at`), to be written."""
    job_fields: list[str] = []
    submission_fields: list[str] = []
    if plan.submission_changed:
        assert submission is not None and plan.submission is not None  # a submission update
        submission_fields = ["status", "updated_at", *plan.submission_timestamps]
        if plan.new_attempt:
            submission.attempts += 1  # row is locked: a plain increment is safe
            submission_fields.append("attempts")
        submission.status = plan.submission.status
        for name in plan.submission_timestamps:
            setattr(submission, name, now)
        if plan.submission_error:
            submission.last_error_message = plan.submission_error
            submission.error_log = _append_error(
                submission.error_log, {"at": iso(now), "status": submission.status, "message": plan.submission_error}
            )
            submission_fields += ["last_error_message", "error_log"]
    if plan.job_changed:
        job_fields = ["status", "completed", "failed", "current_target", "progress_percentage", "updated_at",
                      *plan.job_timestamps]
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
            job_fields.append("error_log")
    return job_fields, submission_fields


def plan_events(job: SubmissionJob, submission: Submission | None,
                plan: rules.UpdatePlan) -> list[tuple[str, dict[str, Any]]]:
    """The (type, payload) of each event the plan sends, in order, from the rows as saved."""
    sent = []
    for event_type in plan.events:
        if event_type == events.SUBMISSION_UPDATED:
            assert submission is not None
            sent.append((event_type, events.submission_payload(submission)))
        else:
            sent.append((event_type, events.job_payload(job)))
    return sent


def _write_plan(job: SubmissionJob, submission: Submission | None, plan: rules.UpdatePlan, now: datetime) -> None:
    job_fields, submission_fields = apply_plan(job, submission, plan, now)
    if submission is not None and submission_fields:
        submission.save(update_fields=submission_fields)
    if job_fields:
        job.save(update_fields=job_fields)
    for event_type, payload in plan_events(job, submission, plan):
        publish(job.owner, events.CHANNEL, event_type, payload)


# -- creating and starting jobs -----------------------------------------------------


MODE_MANUAL, MODE_AUTO = "manual", "auto"


def create_job(
    owner: User,
    posting_ids: Any,
    *,
    start: Any = True,
    external_id: Any = None,
    assigned_token: ApiToken | None = None,
    mode: str = MODE_MANUAL,
    scores: Mapping[int, float] | None = None,
) -> SubmissionJob:
    """A job applying to these active postings, one submission each; started on Celery unless ``start`` is false.

    ``external_id`` is the owner's own id for the job (unique among their jobs), which a
    worker may send as ``job_id``. A job created with a service token is assigned to it.
    ``mode`` "auto" (Auto-apply to matches) makes the worker check each posting's match ``scores``
    against the owner's threshold (services.pipeline); "manual" (the owner chose the postings) does not.
    """
    _require_list(posting_ids)  # checked before 'start', as the API always has
    if not isinstance(start, bool):
        raise ApplicationError("'start' must be true or false.", field="start")
    external_id = clean_external_id(external_id)
    postings = postings_for_job(posting_ids)
    try:
        with transaction.atomic():
            job = SubmissionJob.objects.create(
                owner=owner,
                total=len(postings),
                applier=settings.SUBMISSIONS_APPLIER,
                external_id=external_id,
                assigned_token=assigned_token,
                metadata={"mode": mode},
            )
            Submission.objects.bulk_create(
                Submission(job=job, job_posting=posting, target_name=target_name(posting)[:255], position=n,
                           match_score=(scores or {}).get(posting.pk))
                for n, posting in enumerate(postings)
            )
            publish_job(job)
            if start:
                start_job(job)
    except IntegrityError:
        if external_id is None:
            raise
        raise ExternalIdTaken(f"external_id '{external_id}' is already used by another of your submission jobs.") from None
    return job


def clean_external_id(value: Any) -> str | None:
    """None (no reference) or a valid one; the rule itself is the model field's validator."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApplicationError("'external_id' must be a string.", field="external_id")
    try:
        validate_external_id(value)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="external_id") from None
    return value


def postings_for_job(posting_ids: Any) -> list[JobPosting]:
    """The one check of a job's posting ids (API and page form): numbers, 1 to 500, active; in order, no repeats."""
    ids = []
    for value in _require_list(posting_ids):
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise ApplicationError(
                f"job posting id {str(value)[:40]!r} is not a number", field="job_posting_ids"
            ) from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ApplicationError("Choose at least one job posting.", field="job_posting_ids")
    if len(ids) > MAX_POSTINGS_PER_JOB:
        raise ApplicationError(f"At most {MAX_POSTINGS_PER_JOB} postings per job.", field="job_posting_ids")
    postings = {p.pk: p for p in JobPosting.objects.filter(pk__in=ids, active=True).select_related("company")}
    missing = [i for i in ids if i not in postings]
    if missing:
        raise ApplicationError(
            f"Unknown or closed job postings: {', '.join(map(str, missing[:10]))}.", field="job_posting_ids"
        )
    return [postings[i] for i in ids]


def _require_list(posting_ids: Any) -> list[Any] | tuple[Any, ...]:
    if not isinstance(posting_ids, list | tuple):
        raise ApplicationError("'job_posting_ids' must be a list of posting ids.")
    return posting_ids


def target_name(posting: JobPosting) -> str:
    return f"{posting.company.name} — {posting.title}"


def start_job(job: SubmissionJob) -> None:
    """Queue the apply worker once the job is committed, on the browser queue (workers with Chromium);
    kept and sent later if the broker is down then (core.dispatch)."""
    from submissions.tasks import process_submission_job  # tasks -> worker -> services: import on use

    send = record_dispatch(process_submission_job, str(job.pk), queue=settings.BROWSER_QUEUE)
    transaction.on_commit(lambda: send())


def retry_failed_submissions(job_ids: Iterable[Any]) -> int:
    """Staff action: failed submissions go back to pending and their jobs run again.

    This is the one place counts go down (the failures are being undone by a person);
    worker updates never lower them.
    """
    retried = 0
    for job_id in job_ids:
        with transaction.atomic():
            job = SubmissionJob.objects.select_related("owner").select_for_update(of=("self",)).get(pk=job_id)
            failed = list(job.submissions.select_for_update().filter(status=rules.SUB_FAILED))
            if not failed:
                continue
            for submission in failed:
                submission.status = rules.SUB_PENDING
                submission.attempts = 0
                submission.failed_at = None
                submission.save(update_fields=["status", "attempts", "failed_at", "updated_at"])
                publish_submission(job, submission)
            job.failed = max(0, job.failed - len(failed))
            if job.is_finished:
                job.status = rules.JOB_PENDING
                job.completed_at = None
            job.progress_percentage = rules.progress_percentage(job.completed, job.failed, job.total, job.status)
            job.save()
            publish_job(job)
            start_job(job)
            retried += len(failed)
    return retried


def resume_jobs(job_ids: Iterable[Any]) -> int:
    """Staff action: queue unfinished jobs again (e.g. after their worker died).

    Safe on a job that is still running: the second run finds the job's lease taken and returns.
    """
    jobs = list(SubmissionJob.objects.filter(pk__in=list(job_ids)).exclude(status__in=rules.JOB_FINISHED))
    with transaction.atomic():
        for job in jobs:
            start_job(job)
    return len(jobs)


def requeue_interrupted(job: SubmissionJob, submission_id: Any) -> bool:
    """A submission a killed worker left ``submitting`` goes back to pending (a system reset, not a worker move).

    False if it moved on meanwhile (another update got there first).
    """
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.status != rules.SUB_SUBMITTING:
            return False
        submission.status = rules.SUB_PENDING
        submission.save(update_fields=["status", "updated_at"])
        publish_submission(job, submission)
    return True


def assign_jobs_to_token(job_ids: Iterable[Any], token: ApiToken | None) -> int:
    """Staff give jobs to a service worker token (None takes them back); the number of jobs changed.

    Only an active service token can be given jobs; a job whose external id another job of
    that token already has is refused (409), so the token's references stay unambiguous.
    """
    if token is not None and not (token.is_service and token.scope == ApiToken.Scope.WORKER and token.revoked_at is None):
        raise ApplicationError("Jobs can only be assigned to an active service worker token.", field="token")
    job_ids = list(job_ids)
    try:
        with transaction.atomic():
            jobs = list(SubmissionJob.objects.select_for_update().filter(pk__in=job_ids).order_by("pk"))
            if token is not None:
                _check_references_free(jobs, token)
            changed = [job.pk for job in jobs if job.assigned_token_id != (token.pk if token else None)]
            SubmissionJob.objects.filter(pk__in=changed).update(assigned_token=token, updated_at=timezone.now())
    except IntegrityError:  # a concurrent assignment took a reference meanwhile
        raise ExternalIdTaken(f"Another job of {token} already has one of these external ids.") from None
    return len(changed)


def _check_references_free(jobs: list[SubmissionJob], token: ApiToken) -> None:
    references = [job.external_id for job in jobs if job.external_id is not None]
    repeated = sorted({ref for ref in references if references.count(ref) > 1})
    taken = set(
        SubmissionJob.objects.filter(assigned_token=token, external_id__in=references)
        .exclude(pk__in=[job.pk for job in jobs])
        .values_list("external_id", flat=True)
    )
    clashes = sorted(ref for ref in taken | set(repeated) if ref)
    if clashes:
        raise ExternalIdTaken(f"{token} already has jobs with external_id {', '.join(map(repr, clashes[:10]))}.")
