"""The scraping page (/scraping/): live panel, history, chart; controls for staff only."""
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from scraping import selectors, services
from scraping.forms import ScheduleForm


@login_required
def scraping_page(request):
    staff = request.user.is_staff
    return render(
        request,
        "scraping/page.html",
        {
            "panel": selectors.panel_state(staff=staff),
            "runs": selectors.recent_runs(staff=staff),
            "is_staff": staff,
            "companies": selectors.companies() if staff else [],
            "schedule": services.get_schedule() if staff else None,
        },
    )


@staff_member_required
@require_POST
def save_schedule(request):
    """The page's schedule form (staff): every N minutes, on or off, for all or chosen companies."""
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Schedule not saved: {form.error_text()}")
        return redirect("scraping-page")
    data = form.cleaned_data
    try:
        services.set_schedule(enabled=data["enabled"], every_minutes=data["every_minutes"],
                              company_ids=data["company_ids"] or None)
    except services.NothingToScrape as exc:  # a company deleted meanwhile: said on the page, as form errors are
        messages.error(request, f"Schedule not saved: {exc.message}")
    else:
        messages.success(request, "Schedule saved.")
    return redirect("scraping-page")
