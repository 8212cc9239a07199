"""Tracker pages (server-rendered, then kept live by static/js/tracker.js).
Forms post here too, so every action also works without JavaScript. Input is read
by Django forms (tracker/forms.py); writes go through services."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, Conflict
from core.exports import csv_response
from submissions import screenshots
from submissions import selectors as submission_selectors
from submissions.forms import AnswersForm
from submissions.services.pipeline import rules_for
from tracker import exports, selectors, services
from tracker.forms import FollowUpForm, InterviewForm, JobFilterForm, JobForm
from tracker.models import Application

TRACKER_CHANNELS = "jobs,skills,applications,interviews,followups,recommendations,system"


def _ctx(**extra):
    return {"tracker_channels": TRACKER_CHANNELS, "statuses": Application.Status.choices, **extra}


@contextmanager
def _refusals_as_messages(request: HttpRequest) -> Iterator[None]:
    """A form post the service refuses comes back as a message on the page it redirects to."""
    try:
        yield
    except ApplicationError as exc:
        messages.error(request, exc.message)


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    form = JobForm(request.POST) if request.method == "POST" else JobForm()
    if form.is_bound and form.is_valid():
        _, created = services.create_job(request.user, source="manual", **form.cleaned_data)
        messages.success(request, "Job saved; analysis is running." if created else "You had already saved this job.")
        return redirect("tracker-jobs")
    filters = JobFilterForm(request.GET)
    job_list = list(selectors.jobs_for(request.user, **filters.filters())[:200])
    return render(request, "tracker/jobs.html", _ctx(jobs=job_list, filters=filters.shown(), form=form,
                                                     threshold=rules_for(request.user).threshold))


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.get_job(request.user, job_id)
    analysis = job.analysis or {}
    submission = submission_selectors.latest_submission_for(request.user, job)
    answers_form = AnswersForm(submission.questions) if submission and submission.status == "needs_answer" else None
    return render(request, "tracker/job_detail.html", _ctx(
        job=job, analysis=analysis, requirements=analysis.get("requirements", {}),
        gap=analysis.get("skills_gap", {}), application=getattr(job, "application", None),
        submission=submission, answers_form=answers_form, tracker_channels=TRACKER_CHANNELS + ",submissions"))


@login_required
@require_POST
def track_job(request: HttpRequest, job_id: int) -> HttpResponse:
    with _refusals_as_messages(request):
        try:
            services.create_application(request.user, job_id, request.POST.get("status", Application.Status.SAVED))
            messages.success(request, "Application added to your board.")
        except Conflict:
            messages.info(request, "This job is already on your board.")
    return redirect("tracker-job", job_id=job_id)


@login_required
@require_POST
def analyze_job(request: HttpRequest, job_id: int) -> HttpResponse:
    with _refusals_as_messages(request):
        services.request_analysis(request.user, job_id)
        messages.success(request, "Analysis queued.")
    return redirect("tracker-job", job_id=job_id)


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    return render(request, "tracker/applications.html", _ctx(columns=selectors.kanban_for(request.user)))


@login_required
@require_POST
def change_status(request: HttpRequest, application_id: int) -> HttpResponse:
    with _refusals_as_messages(request):
        services.change_status(request.user, application_id, request.POST.get("status", ""))
    return redirect("tracker-applications")


def _per_application_page(request: HttpRequest, form_class, create, done: str, page: str, **listing) -> HttpResponse:
    """A list page whose form adds something to one of the user's applications (interviews, follow-ups)."""
    form = form_class(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        with _refusals_as_messages(request):
            create(request.user, form.cleaned_data["application_id"].id, **form.service_fields())
            messages.success(request, done)
        return redirect(f"tracker-{page}")
    return render(request, f"tracker/{page}.html", _ctx(form=form, **listing))


@login_required
def interviews(request: HttpRequest) -> HttpResponse:
    return _per_application_page(request, InterviewForm, services.schedule_interview, "Interview scheduled.",
                                 "interviews", upcoming=list(selectors.interviews_for(request.user, upcoming=True)))


@login_required
def followups(request: HttpRequest) -> HttpResponse:
    return _per_application_page(request, FollowUpForm, services.create_followup, "Follow-up planned.",
                                 "followups", followups=list(selectors.followups_for(request.user)))


@login_required
@require_POST
def followup_sent(request: HttpRequest, followup_id: int) -> HttpResponse:
    with _refusals_as_messages(request):
        services.mark_followup_sent(request.user, followup_id)
    return redirect("tracker-followups")


@login_required
def recommendations(request: HttpRequest) -> HttpResponse:
    return render(request, "tracker/recommendations.html", _ctx(
        recommendations=list(selectors.recommendations_for(request.user).select_related("job")[:50]),
        threshold=rules_for(request.user).threshold))


@login_required
def export_applications(request: HttpRequest) -> StreamingHttpResponse:
    """Your applications with their status history, as CSV (streamed: core.exports)."""
    return csv_response("applications.csv", exports.APPLICATION_EXPORT_HEADER, exports.application_rows(request.user))


@login_required
def application_screenshot(request: HttpRequest, application_id: int) -> FileResponse:
    """The sent form's screenshot, to the application's owner only (anyone else: 404)."""
    return screenshots.response_for(selectors.get_application(request.user, application_id).screenshot)
