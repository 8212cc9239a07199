"""The Celery apply worker's loop: one job at a time, one submission after another.

Every state change goes through ``services.apply_progress_update`` (the endpoint's path),
so the built-in worker and an external one store the same state and send the same events.
Before each application the owner's rules are checked and the posting claimed
(``services.pipeline.claim_posting``); between two applications the worker pauses for the
owner's delay. The task wrapper is ``submissions.tasks.process_submission_job``, on the
browser queue (settings.BROWSER_QUEUE).
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string

from accounts.models import Profile
from submissions import apply_rules, screenshots, services
from submissions import progress_rules as rules
from submissions.models import Submission, SubmissionJob
from submissions.services import pipeline

logger = logging.getLogger(__name__)

Applier = Callable[[dict[str, Any]], Mapping[str, Any] | None]


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


def applier_request(job: SubmissionJob, submission: Submission, *, review: bool = False) -> dict[str, Any]:
    """What an applier gets: plain data (no ORM objects), so appliers need no Django.

    ``review``: only fill the form and screenshot it (appliers that can, see submissions.appliers);
    ``screenshot_path``: where the screenshot goes; ``answers``: the owner's saved screening answers."""
    posting = submission.job_posting
    owner = job.owner
    # Read now, not cached on the owner: answers given while the job runs apply to its next application.
    profile = Profile.objects.filter(user_id=owner.pk).first()  # a user may not have a profile yet
    start_date = getattr(profile, "start_date", None)
    kind = "review" if review else "sent"
    return {
        "submission_id": str(submission.pk),
        "job_id": str(job.pk),
        "attempt": submission.attempts,
        "target_name": submission.target_name,
        "review": review,
        "screenshot_path": str(screenshots.path_for(owner.pk, submission.pk, submission.attempts, kind)),
        "answers": dict(getattr(profile, "screening_answers", None) or {}),
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
            # answers to common screening questions (bot.profile.Profile reads them; empty: not given)
            "first_name": owner.first_name,
            "last_name": owner.last_name,
            "authorized_to_work": getattr(profile, "authorized_to_work", None),
            "requires_sponsorship": getattr(profile, "requires_sponsorship", None),
            "current_location": getattr(profile, "current_location", ""),
            "notice_period": getattr(profile, "notice_period", ""),
            "start_date": start_date.isoformat() if start_date else "",
            "linkedin_url": getattr(profile, "linkedin_url", ""),
            "github_url": getattr(profile, "github_url", ""),
            "portfolio_url": getattr(profile, "portfolio_url", ""),
            "pronouns": getattr(profile, "pronouns", ""),
            "eeo_decline": getattr(profile, "eeo_decline", False),
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
            pipeline.release_claim(submission.pk)  # not known to be sent: the posting is free again
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
        last_applied: float | None = None
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
            if _apply_one(job, submission, applier, last_applied):
                last_applied = time.monotonic()


def _apply_one(job: SubmissionJob, submission: Submission, applier: Applier, last_applied: float | None) -> bool:
    """The owner's rules, then the applier; True when the applier ran (the next one waits the owner's delay)."""
    user_rules = pipeline.rules_for(job.owner)
    review = user_rules.review and not submission.send_confirmed and bool(getattr(applier, "supports_review", False))
    reason = pipeline.claim_posting(job, submission, user_rules, review=review)
    if reason:
        _apply_outcome(job.pk, submission.pk, rules.SUB_SKIPPED, reason)
        return False
    _pause(user_rules, last_applied)
    try:
        result = applier(applier_request(job, submission, review=review))
    except Exception as exc:  # any applier failure is this submission's failure
        pipeline.release_claim(submission.pk)
        _apply_outcome(job.pk, submission.pk, rules.SUB_FAILED, str(exc) or exc.__class__.__name__)
        return True
    try:
        pipeline.record_outcome(job.pk, submission.pk, result)
    except rules.ImpossibleTransition as exc:  # finished meanwhile: the record stands as it is
        logger.info("outcome of submission %s not recorded: %s", submission.pk, exc)
    return True


def _pause(user_rules: apply_rules.Rules, last_applied: float | None) -> None:
    """Politeness: at least the owner's delay between two applications of this run."""
    if last_applied is not None and user_rules.delay_seconds > 0:
        time.sleep(max(0.0, last_applied + user_rules.delay_seconds - time.monotonic()))


def _apply_outcome(job_id: Any, submission_id: Any, status: str, error_message: str | None) -> None:
    try:
        _update(job_id, status, submission_id, error_message=error_message)
    except rules.ImpossibleTransition as exc:  # finished meanwhile: the record stands as it is
        logger.info("outcome of submission %s not recorded: %s", submission_id, exc)
