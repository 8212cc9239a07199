"""Reads of submission jobs, scoped to who is asking, and the one wire shape of each object.

``job_payload``/``submission_payload`` are what events, the API and the pages' initial
state all carry, so a page rendered from the database and a page updated by events agree.
Field names follow the worker-progress spec (``directories_completed`` ...).
"""
from django.db.models import QuerySet
from django.utils import timezone

from realtime.models import iso
from scraping.models import JobPosting
from submissions.models import Submission, SubmissionJob

RECENT_SUBMISSIONS = 10


def _iso(value):
    return iso(value) if value else None


def job_payload(job: SubmissionJob) -> dict:
    return {
        "job_id": str(job.pk),
        "status": job.status,
        "total": job.total,
        "directories_completed": job.completed,
        "directories_failed": job.failed,
        "progress_percentage": float(job.progress_percentage),
        "current_directory": job.current_target,
        "customer_id": job.owner_id,
        "customer_name": job.owner.get_username(),
        "last_error_message": job.last_error_message,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "completed_at": _iso(job.completed_at),
        "updated_at": _iso(job.updated_at),
        "timestamp": iso(timezone.now()),
    }


def submission_payload(submission: Submission) -> dict:
    return {
        "submission_id": str(submission.pk),
        "job_id": str(submission.job_id),
        "job_posting_id": submission.job_posting_id,
        "directory_name": submission.target_name,
        "status": submission.status,
        "attempts": submission.attempts,
        "last_error_message": submission.last_error_message,
        "submitted_at": _iso(submission.submitted_at),
        "approved_at": _iso(submission.approved_at),
        "failed_at": _iso(submission.failed_at),
        "updated_at": _iso(submission.updated_at),
        "timestamp": iso(timezone.now()),
    }


def jobs_visible_to(user) -> QuerySet:
    """A user's own jobs; staff see everyone's (the staff view)."""
    jobs = SubmissionJob.objects.select_related("owner")
    return jobs if user.is_staff else jobs.filter(owner=user)


def own_jobs(user) -> QuerySet:
    return SubmissionJob.objects.select_related("owner").filter(owner=user)


def get_job_for(user, job_id) -> SubmissionJob | None:
    """The job if this user may see it (owner or staff), else None (the caller answers 404)."""
    return jobs_visible_to(user).filter(pk=job_id).first()


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
