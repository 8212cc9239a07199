"""Reads of submission jobs, scoped to who is asking (their wire shape: ``submissions.events``)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import ApiToken
from scraping.models import JobPosting
from submissions.models import LedgerEntry, Submission, SubmissionJob

RECENT_SUBMISSIONS = 10


def jobs_visible_to(user) -> QuerySet:
    """A user's own jobs; staff see everyone's (the staff view)."""
    jobs = SubmissionJob.objects.select_related("owner")
    return jobs if user.is_staff else jobs.filter(owner=user)


def job_owner_id(job_id: str) -> int | None:
    """Whose job this is (None: no such job): the channel `submissions:<job id>` is for them and staff."""
    try:
        pk = uuid.UUID(job_id)
    except ValueError:
        return None
    if str(pk) != job_id:
        return None  # its events carry the canonical spelling: another would match none of them
    return SubmissionJob.objects.filter(pk=pk).values_list("owner_id", flat=True).first()


def own_jobs(user, token: ApiToken | None = None) -> QuerySet:
    """A user's own jobs; for a service token, the jobs it runs (so a worker can read what it reports on)."""
    if token is not None and token.is_service:
        return worker_reach(token).jobs.select_related("owner")
    return SubmissionJob.objects.select_related("owner").filter(owner=user)


def get_job_for(user, job_id, token: ApiToken | None = None) -> SubmissionJob | None:
    """The job if this user may see it (owner or staff; a service token: its jobs), else None (404)."""
    jobs = own_jobs(user, token) if token is not None and token.is_service else jobs_visible_to(user)
    return jobs.filter(pk=job_id).first()


@dataclass(frozen=True)
class WorkerReach:
    """The jobs a worker may report on: ``jobs`` by our UUID, ``by_external_id`` by the caller's reference."""

    jobs: QuerySet
    by_external_id: QuerySet


def worker_reach(token: ApiToken | None) -> WorkerReach:
    """What a worker token reaches; None is the system (the Celery apply worker): every job, by UUID.

    A service token: the jobs assigned to it (those it created are assigned at creation), nothing else.
    A staff member's worker token: any job by UUID; external ids are the caller's own jobs' references.
    Anyone else's worker token: their own jobs.
    """
    every = SubmissionJob.objects.all()
    if token is None:
        return WorkerReach(jobs=every, by_external_id=every.none())
    if token.is_service:
        assigned = every.filter(assigned_token=token)
        return WorkerReach(jobs=assigned, by_external_id=assigned)
    own = every.filter(owner=token.user)
    return WorkerReach(jobs=every if token.acts_for_system else own, by_external_id=own)


def recent_submissions(job: SubmissionJob, limit: int = RECENT_SUBMISSIONS) -> list[Submission]:
    """The last submissions touched, newest first."""
    return list(job.submissions.order_by("-updated_at", "-position")[:limit])


def active_jobs_for_monitor() -> QuerySet:
    """Every in-progress (or waiting) job of every user, for the staff monitor."""
    return (
        SubmissionJob.objects.select_related("owner")
        .filter(status__in=[SubmissionJob.Status.PENDING, SubmissionJob.Status.IN_PROGRESS])
        .order_by("-updated_at")
    )


def postings_to_choose(query: str = "", limit: int = 200) -> QuerySet:
    postings = JobPosting.objects.filter(active=True).select_related("company")
    if query:
        postings = postings.filter(title__icontains=query) | postings.filter(company__name__icontains=query)
    return postings.order_by("-first_seen")[:limit]


# -- the apply pipeline ------------------------------------------------------------------------------


def match_scores(user, posting_ids) -> dict[int, float]:
    """The user's match score of each posting (their recommendation, else their analysed job), by posting id."""
    from tracker.models import Job, Recommendation

    ids = list(posting_ids)
    scores: dict[int, float] = {}
    for posting_id, score in Job.objects.filter(user=user, posting_id__in=ids, match_score__isnull=False).values_list(
            "posting_id", "match_score"):
        if posting_id is not None and score is not None:
            scores[posting_id] = max(score, scores.get(posting_id, score))
    for posting_id, score in Recommendation.objects.filter(user=user, posting_id__in=ids).values_list(
            "posting_id", "score"):
        scores[posting_id] = score
    return scores


def auto_apply_candidates(user, threshold: float, limit: int = 100) -> list[tuple[int, float]]:
    """(posting id, score) of the user's active matches at or above threshold (recommendations and analysed jobs
    linked to a posting), best first, without the postings already applied to through the pipeline."""
    from tracker.models import Job, Recommendation

    found: dict[int, float] = {}
    recommended = Recommendation.objects.filter(user=user, score__gte=threshold)
    for posting_id, job_posting_id, rec_score in recommended.values_list("posting_id", "job__posting_id", "score"):
        pid = posting_id or job_posting_id
        if pid:
            found[pid] = max(rec_score, found.get(pid, rec_score))
    for job_pid, score in Job.objects.filter(user=user, posting__isnull=False, match_score__gte=threshold).values_list(
            "posting_id", "match_score"):
        if job_pid is not None and score is not None:
            found[job_pid] = max(score, found.get(job_pid, score))
    active = set(JobPosting.objects.filter(pk__in=found, active=True).values_list("pk", flat=True))
    done = set(LedgerEntry.objects.filter(user=user, posting_id__in=found).values_list("posting_id", flat=True))
    ranked = sorted(((pid, s) for pid, s in found.items() if pid in active and pid not in done),
                    key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def owned_submission(user, submission_id) -> Submission | None:
    """One of the user's submissions (another user's answers None: 404)."""
    return (Submission.objects.select_related("job", "job_posting__company", "tracker_job")
            .filter(pk=submission_id, job__owner=user).first())


def latest_submission_for(user, tracker_job) -> Submission | None:
    """The newest submission for the posting of one of the user's jobs (what its job page shows)."""
    if tracker_job.posting_id is None:
        return None
    return (Submission.objects.filter(job__owner=user, job_posting_id=tracker_job.posting_id)
            .select_related("job").order_by("-created_at").first())
