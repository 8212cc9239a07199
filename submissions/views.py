"""Submission pages (thin): list, new job from postings, a job's live progress, the staff monitor."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from submissions import selectors, services
from submissions.forms import NewJobForm


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
