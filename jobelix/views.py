"""Project-level views: the landing redirect and the health check."""
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from jobelix.health import check_all, event_rate, shows_details


def home(request):
    return redirect("dashboard" if request.user.is_authenticated else "login")


@never_cache
@require_GET
def health(request):
    """200 when PostgreSQL, Redis and a Celery worker all answer, else 503 naming the failures;
    the checks' details only for staff or loopback callers (jobelix.health.shows_details)."""
    from django.http import JsonResponse

    checks = check_all()
    failing = [name for name, check in checks.items() if check["status"] != "ok"]
    body = {"status": "ok" if not failing else "degraded", "checks": checks, "failing": failing}
    if shows_details(request):
        body["events"] = event_rate()  # a warning of its own: it never fails the check
    else:
        del body["checks"]
    return JsonResponse(body, status=200 if not failing else 503)


def _wants_json(request):
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def not_found(request, exception=None):
    """API clients get JSON errors, never an HTML page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if _wants_json(request):
        return JsonResponse({"error": "Not found."}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    from django.http import JsonResponse
    from django.views.defaults import server_error as html_server_error

    if _wants_json(request):
        return JsonResponse({"error": "Internal server error."}, status=500)
    return html_server_error(request)
