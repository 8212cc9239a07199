"""Reads for the tracker: always scoped to the asking user.

`x_for` answers None when the row is not the user's; `get_x` raises NotFound (404)."""
from datetime import UTC

from django.db.models import Q
from django.utils import timezone

from core.errors import NotFound
from tracker.models import Application, ApplicationStatusChange, FollowUp, Interview, Job, Recommendation, SkillGap

KANBAN_COLUMNS = list(Application.Status.choices)


def jobs_for(user, *, recommendation: str = "", min_score: float | None = None, q: str = "", source: str = "",
             status: str = ""):
    jobs = Job.objects.filter(user=user).select_related("application")
    if recommendation:
        jobs = jobs.filter(recommendation=recommendation)
    if min_score is not None:
        jobs = jobs.filter(match_score__gte=min_score)
    if q:
        jobs = jobs.filter(Q(job_title__icontains=q) | Q(company__icontains=q) | Q(location__icontains=q))
    if source:
        jobs = jobs.filter(source=source)
    if status == "none":
        jobs = jobs.filter(application__isnull=True)
    elif status:
        jobs = jobs.filter(application__status=status)
    return jobs


def job_for(user, job_id: int) -> Job | None:
    return Job.objects.select_related("application").filter(user=user, pk=job_id).first()


def get_job(user, job_id: int) -> Job:
    job = job_for(user, job_id)
    if job is None:
        raise NotFound("No such job.")
    return job


def get_skill_gap(user, job_id: int) -> SkillGap:
    gap = SkillGap.objects.select_related("job").filter(job__user=user, job_id=job_id).first()
    if gap is None:
        get_job(user, job_id)
        raise NotFound("This job has not been analysed yet.")
    return gap


def applications_for(user, status: str = ""):
    apps = (Application.objects.filter(user=user).select_related("job")
            .prefetch_related("status_history").order_by("-updated_at", "-id"))
    return apps.filter(status=status) if status else apps


def _one(queryset, pk: int, what: str):
    """The row with this id among the user's own, else 404 (another user's id answers the same)."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise NotFound(f"No such {what}.")
    return row


def get_application(user, application_id: int) -> Application:
    return _one(applications_for(user), application_id, "application")


def kanban_for(user) -> list[dict]:
    apps = list(applications_for(user))
    return [{"status": value, "label": label, "applications": [a for a in apps if a.status == value]}
            for value, label in KANBAN_COLUMNS]


def applied_summary(user) -> dict:
    """What the auto-apply bot needs to skip jobs already applied to."""
    urls = (Application.objects.filter(user=user).exclude(status=Application.Status.SAVED)
            .exclude(job__job_url="").values_list("job__job_url", flat=True).distinct())
    today = timezone.now().astimezone(UTC).date()
    applied_today = (ApplicationStatusChange.objects
                     .filter(application__user=user, new_status=Application.Status.APPLIED, changed_at__date=today)
                     .values("application_id").distinct().count())
    return {"job_urls": sorted(urls), "applied_today": applied_today}


def interviews_for(user, upcoming: bool = False):
    interviews = Interview.objects.filter(user=user).select_related("application__job")
    if upcoming:
        interviews = interviews.filter(scheduled_date__gte=timezone.now(), status=Interview.Status.SCHEDULED)
    return interviews.order_by("scheduled_date", "id")


def get_interview(user, interview_id: int) -> Interview:
    return _one(interviews_for(user), interview_id, "interview")


def followups_for(user, pending: bool = False):
    followups = FollowUp.objects.filter(user=user).select_related("application__job")
    if pending:
        followups = followups.filter(sent=False)
    return followups.order_by("scheduled_date", "id")


def get_followup(user, followup_id: int) -> FollowUp:
    return _one(followups_for(user), followup_id, "follow-up")


def recommendations_for(user):
    return Recommendation.objects.filter(user=user).select_related("posting", "job").order_by("-score", "id")
