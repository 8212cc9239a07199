"""Login brute-force limits (django-axes, configured in settings): the client's address and
the lockout page (docs/security.md "Login brute force")."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: REMOTE_ADDR, or behind LOGIN_PROXY_COUNT reverse proxies the
    address the outermost of them saw (X-Forwarded-For, counted from the right: a client can
    prepend anything, but not what our proxies append)."""
    count = settings.LOGIN_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a clear page, 429 and Retry-After. Each failed attempt during the
    lockout starts the cool-off again."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    wait = f"{seconds // 60} minutes" if seconds >= 120 else f"{seconds} seconds"
    message = (f"Too many failed logins for this username from your address. Logging in is blocked "
               f"for {wait} after the last attempt: try again then.")
    response = render(request, "error.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
