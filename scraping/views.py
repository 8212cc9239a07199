"""The scraping page (/scraping/): live panel, history, chart; controls for staff only."""
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from scraping import selectors, services


@login_required
def scraping_page(request):
    staff = request.user.is_staff
    return render(
        request,
        "scraping/page.html",
        {
            "panel": selectors.panel_state(),
            "runs": selectors.recent_runs(),
            "is_staff": staff,
            "companies": selectors.companies() if staff else [],
            "schedule": services.get_schedule() if staff else None,
        },
    )


@staff_member_required
@require_POST
def save_schedule(request):
    """The page's schedule form (staff): every N minutes, on or off, for all or chosen companies."""
    try:
        every = int(request.POST.get("every_minutes", ""))
        ids = [int(value) for value in request.POST.getlist("company_ids")]
    except ValueError:
        messages.error(request, "Schedule not saved: minutes and companies must be whole numbers.")
        return redirect("scraping-page")
    try:
        services.set_schedule(enabled=request.POST.get("enabled") == "on", every_minutes=every, company_ids=ids or None)
    except (ValueError, services.NothingToScrape) as exc:
        messages.error(request, f"Schedule not saved: {exc}")
    else:
        messages.success(request, "Schedule saved.")
    return redirect("scraping-page")
