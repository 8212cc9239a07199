"""The scraping page (/scraping/): live panel, history, chart; controls for staff only."""
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.exports import csv_response
from realtime.selectors import recent_events
from scraping import selectors, services
from scraping.forms import WEEKDAYS, PostingFilterForm, ScheduleForm
from scraping.models import Company

DEBUG_EVENTS = 50


@login_required
def scraping_page(request):
    staff = request.user.is_staff
    history = selectors.run_history_page(_page_number(request.GET.get("page")), staff=staff)
    return render(
        request,
        "scraping/page.html",
        {
            "panel": selectors.panel_state(staff=staff),
            "runs": history["runs"],
            "history": history,
            "health": selectors.health(),
            "analytics": selectors.analytics(),
            "is_staff": staff,
            "companies": selectors.companies() if staff else [],
            "schedule": services.get_schedule() if staff else None,
            "schedules": services.list_schedules() if staff else [],
            "timezones": services.timezone_names() if staff else (),
            "weekdays": WEEKDAYS,
            "sources": Company.Source.choices,
            # The spec's debug panel: the last raw events of the `scraping` channel, up to what the page resumes after.
            "debug_events": recent_events(request.user.id, ["scraping"], limit=DEBUG_EVENTS,
                                          up_to=getattr(request, "realtime_last_event_id", None)) if staff else [],
        },
    )


def _page_number(raw: str | None) -> int:
    """?page=N of the history (an unreadable one shows the first page)."""
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) <= 1_000_000 else 1


def _back_to_schedules() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("scraping-page") + "#schedules")


@staff_member_required
@require_POST
def save_schedule(request):
    """The page's schedule form (staff): create or change the schedule of that name."""
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Schedule not saved: {form.error_text()}")
        return _back_to_schedules()
    data = form.cleaned_data
    try:
        services.save_schedule(data["name"], data["spec"], enabled=data["enabled"],
                               company_ids=data["company_ids"] or None)
    except ApplicationError as exc:  # a company deleted meanwhile: said on the page, as form errors are
        messages.error(request, f"Schedule not saved: {exc.message}")
    else:
        messages.success(request, "Schedule saved.")
    return _back_to_schedules()


@staff_member_required
@require_POST
def pause_schedule(request, schedule_id: int):
    schedule = services.set_schedule_enabled(schedule_id, False)
    messages.success(request, f"Schedule {schedule['name']} paused.")
    return _back_to_schedules()


@staff_member_required
@require_POST
def resume_schedule(request, schedule_id: int):
    schedule = services.set_schedule_enabled(schedule_id, True)
    messages.success(request, f"Schedule {schedule['name']} resumed.")
    return _back_to_schedules()


@staff_member_required
@require_POST
def delete_schedule(request, schedule_id: int):
    services.delete_schedule(schedule_id)
    messages.success(request, "Schedule deleted.")
    return _back_to_schedules()


# ---- CSV downloads (streamed: core.exports) --------------------------------------------------

@staff_member_required
def export_runs(request: HttpRequest) -> StreamingHttpResponse:
    """Every run, one row per company it scraped (staff)."""
    return csv_response(f"scrape-runs-{timezone.now():%Y%m%d-%H%M}.csv", selectors.RUN_EXPORT_HEADER,
                        selectors.export_run_rows())


@login_required
def export_postings(request: HttpRequest) -> StreamingHttpResponse:
    """Scraped postings by the filters in the query string: active ones for anyone signed in,
    inactive ones too for staff (as the admin shows them)."""
    found = selectors.postings(**PostingFilterForm(request.GET).filters(staff=request.user.is_staff))
    return csv_response(f"postings-{timezone.now():%Y%m%d-%H%M}.csv", selectors.POSTING_EXPORT_HEADER,
                        selectors.export_posting_rows(found))
