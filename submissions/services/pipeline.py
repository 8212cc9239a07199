"""The apply pipeline's writes (issue 13): creating jobs from matches, the user's rules before each
application, what an application came to, and the user's answer to what it waits for.

Where things happen:

* pages and API create jobs: ``apply_to_posting`` (the "Apply" button) and ``auto_apply`` (every new match at
  or above the profile's threshold);
* the apply worker (submissions.worker), per submission: ``claim_posting`` (the rules; a ledger row per user
  and posting before anything is sent), then the applier, then ``record_outcome`` (submitted: the ledger row
  is kept and the tracker gets the application with its confirmation and screenshot; review, needs_answer,
  needs_human: the submission waits for its owner) or ``release_claim`` (failed);
* the owner: ``answer_questions`` (answers remembered on the profile, by normalised question text),
  ``confirm_review`` (Submit after review: sent for real), ``retry_submission`` (after a captcha) and
  ``skip_submission``. The first three put the submission back to pending and run the job again.

Every status change goes through services.apply_progress_update (the worker endpoint's path), so pages
follow it through ``submission.updated``; refusals are core.errors ApplicationErrors.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Profile, normalize_answers, validate_saved_answers
from core.errors import ApplicationError, Conflict, NotFound
from scraping.models import JobPosting
from submissions import apply_rules, screenshots, selectors
from submissions import progress_rules as rules
from submissions.models import LedgerEntry, Submission, SubmissionJob
from submissions.services import (
    MODE_AUTO,
    MODE_MANUAL,
    apply_progress_update,
    create_job,
    publish_job,
    publish_submission,
    start_job,
)

LOCK_NAMESPACE = 0x7375  # pg_advisory_xact_lock(namespace, user id): one rules check and claim per user at a time
MAX_AUTO_APPLY = 100


def rules_for(user) -> apply_rules.Rules:
    """The user's rules; a user without a profile has a new profile's defaults."""
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    return apply_rules.Rules(threshold=profile.apply_threshold, daily_cap=profile.daily_cap,
                             company_cap=profile.company_cap, review=profile.review_mode,
                             delay_seconds=profile.apply_delay_seconds)


# -- creating jobs ----------------------------------------------------------------------------------


def apply_to_posting(user, posting_id: Any) -> SubmissionJob:
    """The "Apply" button: a job for this one posting (the user chose it: no threshold), started now."""
    try:
        posting_id = int(posting_id)
    except (TypeError, ValueError):
        raise ApplicationError("Choose a job posting.", field="posting_id") from None
    return create_job(user, [posting_id], mode=MODE_MANUAL, scores=selectors.match_scores(user, [posting_id]))


def auto_apply(user) -> SubmissionJob:
    """"Auto-apply to matches >= X%": one job over the user's new matches at or above their threshold on boards
    the applier knows, best first; the worker checks the threshold (and every other rule) again before each
    application."""
    threshold = rules_for(user).threshold
    candidates = _applicable(selectors.auto_apply_candidates(user, threshold, MAX_AUTO_APPLY))
    if not candidates:
        raise ApplicationError(f"No new matches at or above {threshold}% to apply to.")
    return create_job(user, [pid for pid, _ in candidates], mode=MODE_AUTO, scores=dict(candidates))


def _applicable(candidates: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The candidates on a board the configured applier can apply on (the browser applier says which through
    its ``supports_url``; appliers that do not say take every posting)."""
    supports = getattr(import_string(settings.SUBMISSIONS_APPLIER), "supports_url", None)
    if supports is None:
        return candidates
    urls = {p.pk: (p.apply_url, p.url) for p in JobPosting.objects.filter(pk__in=[pid for pid, _ in candidates])}
    return [(pid, score) for pid, score in candidates if any(u and supports(u) for u in urls.get(pid, ()))]


# -- the worker's steps -------------------------------------------------------------------------------


def claim_posting(job: SubmissionJob, submission: Submission, user_rules: apply_rules.Rules, *,
                  review: bool) -> str:
    """Check the user's rules for this submission; "" when it may go ahead, else why not.

    Unless it is only filled for review, the posting is claimed in the ledger in the same transaction,
    under a per-user lock, so two workers can neither both apply to it nor both take the last place
    under a cap. A claim left by this same submission (its worker died) is taken over."""
    posting = submission.job_posting
    if posting is None:
        return ""  # the applier says the posting no longer exists
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, job.owner_id])
        reason = apply_rules.skip_reason(
            user_rules, _history(job.owner, posting, submission.pk),
            auto=(job.metadata or {}).get("mode") == MODE_AUTO, score=submission.match_score,
            company=posting.company.name)
        if reason or review:
            return reason
        entry, created = LedgerEntry.objects.get_or_create(
            user=job.owner, posting=posting, defaults={"submission": submission})
        if not created and entry.submission_id != submission.pk:
            return "Already applied to this posting."
    return ""


def _history(user, posting, submission_id: Any) -> apply_rules.History:
    """What the user applied to (tracker applications past "saved", and ledger rows being sent by others)."""
    from tracker.models import Application, ApplicationStatusChange

    now = timezone.now()
    company = posting.company.name
    urls = [u for u in (posting.url, posting.apply_url) if u]
    applied = Application.objects.filter(user=user).exclude(status=Application.Status.SAVED)
    in_flight = list(LedgerEntry.objects.filter(user=user, status=LedgerEntry.Status.SENDING)
                     .exclude(submission_id=submission_id).select_related("posting__company"))
    posting_applied = (
        LedgerEntry.objects.filter(user=user, posting=posting)
        .exclude(status=LedgerEntry.Status.SENDING, submission_id=submission_id).exists()
        or applied.filter(Q(job__posting=posting) | Q(job__job_url__in=urls)).exists()
    )
    key = apply_rules.title_key(posting.title, posting.location)
    same_role = ""
    if key:
        roles = [(a.job.job_title, a.job.company, a.job.location, a.job.posting_id)
                 for a in applied.filter(job__company__iexact=company).select_related("job")]
        roles += [(e.posting.title, e.posting.company.name, e.posting.location, e.posting_id) for e in in_flight
                  if e.posting.company.name.lower() == company.lower()]
        same_role = next((f"{title} at {firm} ({place or 'no location'})" for title, firm, place, pid in roles
                          if pid != posting.pk and apply_rules.title_key(title, place) == key), "")
    start_of_day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    sent_today = (ApplicationStatusChange.objects.filter(
        application__user=user, new_status=Application.Status.APPLIED, changed_at__gte=start_of_day)
        .values("application_id").distinct().count()) + len(in_flight)
    company_recent = applied.filter(
        applied_at__gte=now - timedelta(days=apply_rules.COMPANY_WINDOW_DAYS), job__company__iexact=company,
    ).count() + sum(e.posting.company.name.lower() == company.lower() for e in in_flight)
    return apply_rules.History(posting_applied=posting_applied, same_role=same_role, sent_today=sent_today,
                               company_recent=company_recent)


def release_claim(submission_id: Any) -> None:
    """Nothing went in: the posting is free again (a later job may apply to it)."""
    LedgerEntry.objects.filter(submission_id=submission_id, status=LedgerEntry.Status.SENDING).delete()


def record_outcome(job_id: Any, submission_id: Any, result: Mapping[str, Any] | None) -> None:
    """Store what the applier says happened and move the submission on (see submissions.appliers for the
    outcomes). A result of None is an applier that only says "sent"."""
    from tracker import services as tracker

    outcome = dict(result or {"status": rules.SUB_SUBMITTED})
    status = outcome.get("status")
    message = ""
    with transaction.atomic():  # locks: the job, then the submission (everyone's order)
        job = SubmissionJob.objects.select_for_update(of=("self",)).select_related("owner").get(pk=job_id)
        submission = (Submission.objects.select_for_update(of=("self",)).select_related("job_posting__company")
                      .get(pk=submission_id, job=job))
        posting = submission.job_posting
        if posting is not None and submission.tracker_job_id is None:
            submission.tracker_job = tracker.job_for_posting(job.owner, posting)
        shot = screenshots.relative(outcome.get("screenshot"))
        if status == rules.SUB_SUBMITTED:
            submission.confirmation = str(outcome.get("confirmation") or "")[:5000]
            submission.screenshot = shot
            submission.filled_answers = _strings(outcome.get("answers"))
            submission.questions = []
            if posting is not None:
                LedgerEntry.objects.update_or_create(user=job.owner, posting=posting, defaults={
                    "submission": submission, "status": LedgerEntry.Status.SENT, "sent_at": timezone.now()})
            if submission.tracker_job is not None:
                tracker.record_sent_application(job.owner, submission.tracker_job.pk,
                                                confirmation=submission.confirmation, screenshot=shot)
        elif status == rules.SUB_REVIEW:
            submission.screenshot = shot
            submission.filled_answers = _strings(outcome.get("answers"))
            message = "Filled in and waiting for your review: nothing was sent."
        elif status == rules.SUB_NEEDS_ANSWER:
            submission.questions = _questions(outcome.get("questions"))
            message = str(outcome.get("message") or "Needs your answer.")
        elif status == rules.SUB_NEEDS_HUMAN:
            message = f"A person must continue this application: {outcome.get('reason') or 'a human check'}"
        else:
            status, message = rules.SUB_FAILED, f"The applier answered an unknown outcome: {str(status)[:100]}"
        if status != rules.SUB_SUBMITTED:
            release_claim(submission.pk)
        submission.save()
    apply_progress_update(rules.ProgressUpdate(job_id=job.pk, status=status, submission_id=submission.pk,
                                               error_message=message[:rules.MAX_ERROR_LENGTH] or None))


def _strings(value: Any) -> dict[str, str]:
    return {str(k)[:300]: str(v)[:2000] for k, v in (value or {}).items()} if isinstance(value, dict) else {}


def _questions(value: Any) -> list[dict[str, Any]]:
    """The open questions as the page shows them: name, label, kind, options, required."""
    out = []
    for q in value if isinstance(value, list) else []:
        if isinstance(q, dict) and str(q.get("label", "")).strip():
            out.append({"name": str(q.get("name", ""))[:300], "label": str(q["label"])[:300],
                        "kind": str(q.get("kind", "text"))[:20], "required": bool(q.get("required", True)),
                        "options": [str(o)[:300] for o in (q.get("options") or [])][:200]})
    return out[:50]


# -- the owner's answers --------------------------------------------------------------------------------


def answer_questions(user, submission_id: Any, answers: Mapping[str, str]) -> Submission:
    """The owner answers the questions an application stopped at: the answers are saved on their profile (by
    normalised question text, so every later form asking the same gets them) and the application runs again."""
    submission = _owned(user, submission_id)
    if submission.status != rules.SUB_NEEDS_ANSWER:
        raise Conflict("This application is not waiting for an answer.", submission_status=submission.status)
    given = {q["label"]: str(answers.get(q["label"], "")).strip() for q in submission.questions}
    missing = [label for label, value in given.items() if not value]
    if missing:
        raise ApplicationError(f"Answer every question: {'; '.join(missing)}.", field="answers")
    remember_answers(user, given)
    return _resume(user, submission_id, {rules.SUB_NEEDS_ANSWER}, lambda s: setattr(s, "questions", []))


def remember_answers(user, answers: Mapping[str, str]) -> None:
    """Merge answers into the profile's saved screening answers (the model's rule checks the result)."""
    with transaction.atomic():
        profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
        merged = {**(profile.screening_answers or {}), **normalize_answers(dict(answers))}
        try:
            validate_saved_answers(merged)
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], field="answers") from None
        profile.screening_answers = merged
        profile.save(update_fields=["screening_answers", "updated_at"])


def confirm_review(user, submission_id: Any) -> Submission:
    """Submit after review: the application runs again, for real this time."""
    return _resume(user, submission_id, {rules.SUB_REVIEW}, lambda s: setattr(s, "send_confirmed", True))


def retry_submission(user, submission_id: Any) -> Submission:
    """Try again after a human check (the board may not show it a second time)."""
    return _resume(user, submission_id, {rules.SUB_NEEDS_HUMAN}, lambda s: None)


def skip_submission(user, submission_id: Any) -> Submission:
    """The owner does not want this application: it ends as skipped, nothing is sent."""
    submission = _owned(user, submission_id)
    if submission.status not in rules.SUB_WAITING:
        raise Conflict("Only an application waiting for you can be skipped.", submission_status=submission.status)
    result = apply_progress_update(rules.ProgressUpdate(job_id=submission.job_id, status=rules.SUB_SKIPPED,
                                                        submission_id=submission.pk, error_message="Skipped by you."))
    assert result.submission is not None
    return result.submission


def _owned(user, submission_id: Any) -> Submission:
    submission = selectors.owned_submission(user, submission_id)
    if submission is None:
        raise NotFound("No such application.")
    return submission


def _resume(user, submission_id: Any, allowed: set[str], change: Callable[[Submission], None]) -> Submission:
    """Put a waiting submission back to pending and run its job again (a finished job is reopened, as a staff
    retry does)."""
    job_id = _owned(user, submission_id).job_id
    with transaction.atomic():
        job = SubmissionJob.objects.select_for_update(of=("self",)).select_related("owner").get(pk=job_id)
        submission = Submission.objects.select_for_update().get(pk=submission_id, job=job)
        if submission.status not in allowed:
            raise Conflict("This application is no longer waiting for that.", submission_status=submission.status)
        change(submission)
        submission.status = rules.SUB_PENDING
        submission.last_error_message = ""  # what it waited for is settled (the error log keeps it)
        submission.save()
        publish_submission(job, submission)
        if job.is_finished:
            job.status = rules.JOB_PENDING
            job.completed_at = None
            job.progress_percentage = rules.progress_percentage(job.completed, job.failed, job.total, job.status)
            job.save()
            publish_job(job)
        start_job(job)
    return submission
