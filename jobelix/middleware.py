"""Guards that turn failures outside any one view into clear JSON answers for API clients."""
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _has_nul(params) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in params.lists())


class ApiGuardMiddleware:
    """NUL characters in query strings (PostgreSQL rejects them) are a 400, not a 500;
    a database that is unreachable (restarting, failing over) is a 503 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_api(request) and _has_nul(request.GET):
            return JsonResponse({"error": "Query parameters must not contain NUL characters."}, status=400)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
            message = "The database is unavailable; try again shortly."
            response = JsonResponse({"error": message}, status=503) if _is_api(request) else HttpResponse(
                message, status=503, content_type="text/plain")
            response["Retry-After"] = "5"
            return response
        return None
