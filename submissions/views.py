"""Submission pages (thin): list, new job from postings, a job's live progress, the staff monitor; and the
apply pipeline's buttons (Apply, Auto-apply, and the owner's answer to an application waiting for them)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from submissions import screenshots, selectors, services
from submissions.forms import AnswersForm, NewJobForm
from submissions.models import Submission
from submissions.services import pipeline


@login_required
def job_list(request):
    jobs = list(selectors.own_jobs(request.user)[:100])
    return render(request, "submissions/list.html", {"jobs": jobs})


@login_required
def new_job(request):
    """GET: active postings with checkboxes. POST: a job applying to the checked ones, started at once."""
    if request.method == "POST":
        form = NewJobForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.error_message())
            return redirect("submissions-new")
        job = services.create_job(request.user, form.cleaned_data["job_posting_ids"])
        messages.success(request, f"Submission job started: {job.total} posting(s).")
        return redirect("submissions-detail", job_id=job.pk)
    query = request.GET.get("q", "").strip()[:100]
    postings = selectors.postings_to_choose(query)
    return render(request, "submissions/new.html", {"postings": postings, "query": query})


@login_required
def job_detail(request, job_id):
    job = selectors.get_job_for(request.user, job_id)
    if job is None:
        raise Http404("No such submission job.")
    return render(
        request,
        "submissions/detail.html",
        {
            "job": job,
            "recent": selectors.recent_submissions(job),
            # This job's events only (its owner and staff may follow it): not every job of the user.
            "channel": f"submissions:{job.pk}",
        },
    )


@login_required
def staff_monitor(request):
    if not request.user.is_staff:
        raise PermissionDenied("The monitor is for staff.")
    return render(request, "submissions/monitor.html", {"jobs": list(selectors.active_jobs_for_monitor()[:500])})


# -- the apply pipeline ---------------------------------------------------------------------------------


@contextmanager
def _refusals_as_messages(request: HttpRequest) -> Iterator[None]:
    """A button the service refuses comes back as a message on the page it redirects to."""
    try:
        yield
    except ApplicationError as exc:
        messages.error(request, exc.message)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """To the page the button was on (a same-site ``next``), else ``default``."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = default
    return redirect(target)


@login_required
@require_POST
def apply_posting(request: HttpRequest, posting_id: int) -> HttpResponse:
    """"Apply" on a job or a recommendation: a submission job for that one posting."""
    with _refusals_as_messages(request):
        job = pipeline.apply_to_posting(request.user, posting_id)
        messages.success(request, "Applying: follow it here." if job.total else "Nothing to apply to.")
        return redirect("submissions-detail", job_id=job.pk)
    return _back(request, reverse("tracker-recommendations"))


@login_required
@require_POST
def auto_apply(request: HttpRequest) -> HttpResponse:
    """"Auto-apply to matches >= X%": a submission job over every new match at or above the threshold."""
    with _refusals_as_messages(request):
        job = pipeline.auto_apply(request.user)
        messages.success(request, f"Auto-applying to {job.total} match(es): follow it here.")
        return redirect("submissions-detail", job_id=job.pk)
    return _back(request, reverse("tracker-recommendations"))


def _submission_page(submission: Submission) -> str:
    if submission.tracker_job_id:
        return reverse("tracker-job", args=[submission.tracker_job_id])
    return reverse("submissions-detail", args=[submission.job_id])


def _owned(request: HttpRequest, submission_id: object) -> Submission:
    submission = selectors.owned_submission(request.user, submission_id)
    if submission is None:
        raise Http404("No such application.")
    return submission


@login_required
@require_POST
def answer_submission(request: HttpRequest, submission_id) -> HttpResponse:
    """The owner answers the questions an application stopped at; it runs again with them."""
    submission = _owned(request, submission_id)
    form = AnswersForm(submission.questions, request.POST)
    if not form.is_valid():
        messages.error(request, "Answer every question: " + "; ".join(
            f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()))
    else:
        with _refusals_as_messages(request):
            pipeline.answer_questions(request.user, submission.pk, form.answers())
            messages.success(request, "Thanks: your answers are saved on your profile and the application resumes.")
    return _back(request, _submission_page(submission))


def _action(request: HttpRequest, submission_id, act, done: str) -> HttpResponse:
    submission = _owned(request, submission_id)
    with _refusals_as_messages(request):
        act(request.user, submission.pk)
        messages.success(request, done)
    return _back(request, _submission_page(submission))


@login_required
@require_POST
def submit_reviewed(request: HttpRequest, submission_id) -> HttpResponse:
    return _action(request, submission_id, pipeline.confirm_review, "Sending it: the form is filled again and submitted.")


@login_required
@require_POST
def skip_submission(request: HttpRequest, submission_id) -> HttpResponse:
    return _action(request, submission_id, pipeline.skip_submission, "Skipped: nothing was sent.")


@login_required
@require_POST
def retry_submission(request: HttpRequest, submission_id) -> HttpResponse:
    return _action(request, submission_id, pipeline.retry_submission, "Trying again.")


@login_required
@require_GET
def submission_screenshot(request: HttpRequest, submission_id: object) -> FileResponse:
    """The filled form's screenshot, to its owner only (anyone else: 404)."""
    return screenshots.response_for(_owned(request, submission_id).screenshot)
