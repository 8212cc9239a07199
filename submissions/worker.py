"""The Celery apply worker's loop: one job at a time, one submission after another.

Every state change goes through ``services.apply_progress_update`` (the endpoint's path),
so the built-in worker and an external one store the same state and send the same events.
The task wrapper is ``submissions.tasks.process_submission_job``.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string

from submissions import progress_rules as rules
from submissions import services
from submissions.models import Submission, SubmissionJob

logger = logging.getLogger(__name__)

Applier = Callable[[dict[str, Any]], None]


def _advisory_key(job_id: Any) -> int:
    """A signed 64-bit key from the job's UUID for pg_try_advisory_lock."""
    return int.from_bytes(uuid.UUID(str(job_id)).bytes[:8], "big", signed=True)


class _JobLease:
    """One worker per job: a session advisory lock, released by PostgreSQL if the worker dies."""

    def __init__(self, job_id: Any):
        self.key = _advisory_key(job_id)
        self.held = False

    def __enter__(self) -> _JobLease:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
            self.held = bool(cursor.fetchone()[0])
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])
            except Exception:  # connection gone: the lock went with it
                logger.warning("could not release the lease of job key %s", self.key)


def load_applier(job: SubmissionJob) -> Applier:
    """The job's applier: the one configured when it was created, so every worker runs it alike."""
    return import_string(job.applier or settings.SUBMISSIONS_APPLIER)


def applier_request(job: SubmissionJob, submission: Submission) -> dict[str, Any]:
    """What an applier gets: plain data (no ORM objects), so appliers need no Django."""
    posting = submission.job_posting
    owner = job.owner
    profile = getattr(owner, "profile", None)  # a user may not have a profile yet
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


def _update(
    job_id: Any,
    status: str,
    submission_id: Any = None,
    error_message: str | None = None,
    current_target: str | None = None,
) -> services.UpdateResult:
    return services.apply_progress_update(
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
        else:
            services.requeue_interrupted(job, submission.pk)  # retried by the loop


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


def run_submission_job(job_id: Any) -> str:
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


def _apply_outcome(job_id: Any, submission_id: Any, status: str, error_message: str | None) -> None:
    try:
        _update(job_id, status, submission_id, error_message=error_message)
    except rules.ImpossibleTransition as exc:  # finished meanwhile: the record stands as it is
        logger.info("outcome of submission %s not recorded: %s", submission_id, exc)
