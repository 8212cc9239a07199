"""Tracker pages (server-rendered, then kept live by static/js/tracker.js).
Forms post here too, so every action also works without JavaScript."""
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tracker import selectors, services
from tracker.models import Application, FollowUp, Interview

TRACKER_CHANNELS = "jobs,skills,applications,interviews,followups,recommendations,system"


def _ctx(**extra):
    return {"tracker_channels": TRACKER_CHANNELS, "statuses": Application.Status.choices, **extra}


def _parse_dt(value: str):
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
def jobs(request):
    if request.method == "POST":
        company, title = request.POST.get("company", "").strip(), request.POST.get("job_title", "").strip()
        if not company or not title:
            messages.error(request, "Company and job title are required.")
        else:
            job, created = services.create_job(
                request.user, company=company[:200], job_title=title[:300],
                job_description=request.POST.get("job_description", "")[:100_000],
                job_url=request.POST.get("job_url", "").strip()[:1000], location=request.POST.get("location", "")[:300],
                source="manual")
            messages.success(request, "Job saved; analysis is running." if created else "You had already saved this job.")
        return redirect("tracker-jobs")
    filters = {key: request.GET.get(key, "") for key in ("recommendation", "min_score", "q", "status")}
    try:
        job_list = list(selectors.jobs_for(request.user, **filters)[:200])
    except ValueError:
        filters["min_score"] = ""
        job_list = list(selectors.jobs_for(request.user, **filters)[:200])
    return render(request, "tracker/jobs.html", _ctx(jobs=job_list, filters=filters))


@login_required
def job_detail(request, job_id: int):
    job = selectors.job_for(request.user, job_id)
    if job is None:
        raise Http404
    analysis = job.analysis or {}
    return render(request, "tracker/job_detail.html", _ctx(
        job=job, analysis=analysis, requirements=analysis.get("requirements", {}),
        gap=analysis.get("skills_gap", {}), application=getattr(job, "application", None)))


@login_required
@require_POST
def track_job(request, job_id: int):
    try:
        services.create_application(request.user, job_id, request.POST.get("status", Application.Status.SAVED))
        messages.success(request, "Application added to your board.")
    except services.ApplicationExists:
        messages.info(request, "This job is already on your board.")
    except services.TrackerError as exc:
        messages.error(request, exc.message)
    return redirect("tracker-job", job_id=job_id)


@login_required
@require_POST
def analyze_job(request, job_id: int):
    try:
        services.request_analysis(request.user, job_id)
        messages.success(request, "Analysis queued.")
    except services.TrackerError as exc:
        messages.error(request, exc.message)
    return redirect("tracker-job", job_id=job_id)


@login_required
def applications(request):
    return render(request, "tracker/applications.html", _ctx(columns=selectors.kanban_for(request.user)))


@login_required
@require_POST
def change_status(request, application_id: int):
    try:
        services.change_status(request.user, application_id, request.POST.get("status", ""))
    except services.TrackerError as exc:
        messages.error(request, exc.message)
    return redirect("tracker-applications")


@login_required
def interviews(request):
    if request.method == "POST":
        when = _parse_dt(request.POST.get("scheduled_date", ""))
        try:
            application_id = int(request.POST.get("application_id", ""))
            duration = int(request.POST.get("duration_minutes") or 60)
        except ValueError:
            application_id, duration = None, 60
        if when is None or application_id is None:
            messages.error(request, "Choose an application and a date.")
        else:
            try:
                services.schedule_interview(
                    request.user, application_id, scheduled_date=when, duration_minutes=max(5, min(duration, 1440)),
                    interview_type=request.POST.get("interview_type") if request.POST.get("interview_type") in
                    Interview.Type.values else Interview.Type.OTHER,
                    location=request.POST.get("location", "")[:300], notes=request.POST.get("notes", "")[:20_000])
                messages.success(request, "Interview scheduled.")
            except services.TrackerError as exc:
                messages.error(request, exc.message)
        return redirect("tracker-interviews")
    return render(request, "tracker/interviews.html", _ctx(
        upcoming=list(selectors.interviews_for(request.user, upcoming=True)),
        applications=list(selectors.applications_for(request.user)), types=Interview.Type.choices))


@login_required
def followups(request):
    if request.method == "POST":
        when = _parse_dt(request.POST.get("scheduled_date", ""))
        try:
            application_id = int(request.POST.get("application_id", ""))
        except ValueError:
            application_id = None
        if when is None or application_id is None:
            messages.error(request, "Choose an application and a date.")
        else:
            kind = request.POST.get("followup_type")
            try:
                services.create_followup(request.user, application_id, scheduled_date=when,
                                         followup_type=kind if kind in FollowUp.Type.values else FollowUp.Type.OTHER,
                                         notes=request.POST.get("notes", "")[:20_000])
                messages.success(request, "Follow-up planned.")
            except services.TrackerError as exc:
                messages.error(request, exc.message)
        return redirect("tracker-followups")
    return render(request, "tracker/followups.html", _ctx(
        followups=list(selectors.followups_for(request.user)),
        applications=list(selectors.applications_for(request.user)), types=FollowUp.Type.choices))


@login_required
@require_POST
def followup_sent(request, followup_id: int):
    try:
        services.mark_followup_sent(request.user, followup_id)
    except services.TrackerError as exc:
        messages.error(request, exc.message)
    return redirect("tracker-followups")


@login_required
def recommendations(request):
    return render(request, "tracker/recommendations.html", _ctx(
        recommendations=list(selectors.recommendations_for(request.user)[:50])))
