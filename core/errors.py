"""ApplicationError: the one way a service refuses a request.

Services raise it; the DRF exception handler (`core.api.json_error_handler`) and the
page middleware (`core.middleware.ApplicationErrorMiddleware`) turn it into the
answer, in one place each. The JSON body is `{"error": message, **extra}`, so spec
bodies such as `{"error": ..., "stopped": true}` stay byte-compatible.
"""
from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A request the service refuses: HTTP status, a machine code, a human message, extra body fields."""

    status: int = 400
    code: str = "invalid"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON error body (the code is not on the wire: the specs fix the body's keys)."""
        return {"error": self.message, **self.extra}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.code!r}, {self.message!r})"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class PermissionDenied(ApplicationError):
    status = 403
    code = "forbidden"
