"""Content-Security-Policy on every response, with a fresh nonce per request.

No script runs unless it comes from our origin or carries this request's nonce
(`<script nonce="{{ csp_nonce }}">`), so markup smuggled into a page (a
`javascript:` link, an `onclick` attribute, an injected `<script>`) does not run.
`<style>` elements need the nonce too; `style` attributes stay allowed
(style-src-attr): the pages render progress-bar widths server-side, and an
attribute can only style its own element. The template variable is named
`csp_nonce` like Django 6's, so templates keep working when that takes over.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def policy(nonce: str, host: str | None) -> str:
    """The policy for one response; `host` (already checked against ALLOWED_HOSTS) adds its WebSocket origins."""
    connect = "'self'" + (f" ws://{host} wss://{host}" if host else "")
    directives = [
        ("default-src", "'self'"),
        ("script-src", f"'self' 'nonce-{nonce}'"),
        ("style-src", f"'self' 'nonce-{nonce}'"),
        ("style-src-attr", "'unsafe-inline'"),
        ("img-src", "'self' data:"),
        ("connect-src", connect),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("frame-ancestors", "'none'"),
        ("form-action", "'self'"),
    ]
    return "; ".join(f"{name} {value}" for name, value in directives)


def _host(request: HttpRequest) -> str | None:
    try:
        return request.get_host()
    except DisallowedHost:
        return None


class ContentSecurityPolicyMiddleware:
    """Gives each request a nonce (`request.csp_nonce`) and each response the policy, unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]  # read by templates (context processor)
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy(nonce, _host(request))
        return response


def csp(request: HttpRequest) -> dict[str, str]:
    """Template context processor: `csp_nonce` for the few inline `<script>`/`<style>` tags."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
