"""Reads of submission jobs, scoped to who is asking (their wire shape: ``submissions.events``)."""
from django.db.models import QuerySet

from scraping.models import JobPosting
from submissions.models import Submission, SubmissionJob

RECENT_SUBMISSIONS = 10


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
