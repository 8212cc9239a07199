"""JSON error bodies for every API failure (DRF exception handler)."""
from rest_framework import exceptions
from rest_framework.views import exception_handler


def json_error_handler(exc, context):
    """Every API error is JSON `{"error": "...", ...}` (never HTML, never a bare DRF detail)."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        body = {"error": "Invalid input.", "fields": data}
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
