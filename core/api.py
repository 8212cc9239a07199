"""API plumbing shared by every app: the JSON error handler and the wire datetime field."""
from __future__ import annotations

from typing import Any

from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import ApplicationError
from core.wire import iso


def json_error_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is JSON `{"error": "...", ...}` (never HTML, never a bare DRF detail)."""
    if isinstance(exc, ApplicationError):
        return Response(exc.body(), status=exc.status)
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        body: Any = {"error": "Invalid input.", "fields": data}
        if isinstance(data, list):
            body = {"error": " ".join(str(item) for item in data) or "Invalid input."}
        elif isinstance(data, dict) and set(data) == {"non_field_errors"}:
            body = {"error": " ".join(str(item) for item in data["non_field_errors"])}
    elif isinstance(data, dict) and "detail" in data:
        body = {"error": str(data["detail"])}
        body.update({k: v for k, v in data.items() if k != "detail"})
    elif isinstance(data, dict) and "error" in data:
        body = data
    else:
        body = {"error": str(data)}
    response.data = body
    return response


class WireDateTimeField(serializers.DateTimeField):
    """DRF datetimes in the wire format (`core.wire.iso`)."""

    def to_representation(self, value: Any) -> str:
        if not value:
            return None  # type: ignore[return-value]  # DRF renders a missing datetime as null
        if isinstance(value, str):
            return value
        return iso(value) or ""
