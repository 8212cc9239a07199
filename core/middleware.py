"""Pages: an ApplicationError raised outside DRF becomes the same JSON body (API paths)
or a plain page with its message and status."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from core.errors import ApplicationError


class ApplicationErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")
        if wants_json:
            return JsonResponse(exception.body(), status=exception.status)
        response = TemplateResponse(request, "error.html", {"message": exception.message}, status=exception.status)
        return response.render()
