"""API authentication: Bearer tokens (hashed ApiToken), the bot protocol's body token,
session auth with CSRF (scope checks: accounts.permissions; JSON error bodies: core.api).

A verified token is remembered for API_TOKEN_CACHE_SECONDS (a bot sends a heartbeat
every few seconds; asking PostgreSQL each time was one of its statements), so a
revoked token or a deactivated user stops working within that many seconds.
"""
import asyncio
import json
import time
from collections.abc import Callable
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication

from accounts.models import ApiToken, hash_token
from accounts.services import active_tokens, authenticate_token

T = TypeVar("T")
R = TypeVar("R")
CACHE_MAX_ENTRIES = 10_000
# hash -> (trusted until, checked at, token)
_verified: dict[str, tuple[float, float, ApiToken]] = {}


def _cached(raw: str) -> tuple[str, ApiToken | None, bool]:
    """(key, the token if still trusted, whether it is due for a check in the background)."""
    key = hash_token(raw) if isinstance(raw, str) else ""
    hit = _verified.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return key, hit[2], now - hit[1] > settings.API_TOKEN_CACHE_SECONDS / 2
    return key, None, False


def _remember(key: str, token: ApiToken | None) -> ApiToken | None:
    if token is None:
        _verified.pop(key, None)
        return None
    if len(_verified) >= CACHE_MAX_ENTRIES:
        _verified.clear()
    now = time.monotonic()
    _verified[key] = (now + settings.API_TOKEN_CACHE_SECONDS, now, token)
    return token


def forget(token_ids: list[int] | None = None, user_id: int | None = None) -> None:
    """Stop trusting these tokens (or all of a user's) in this process now, not at the window's end:
    called when they are revoked or their user is deactivated (accounts.services, realtime.guards)."""
    for key, (_, _, token) in list(_verified.items()):
        if token.pk in (token_ids or ()) or (user_id is not None and token.user_id == user_id):
            _verified.pop(key, None)


def verified_token(raw: str) -> ApiToken | None:
    """accounts.services.authenticate_token, trusted for API_TOKEN_CACHE_SECONDS."""
    key, token, _ = _cached(raw)
    return token if token is not None else _remember(key, authenticate_token(raw))


async def averified_token(raw: str) -> ApiToken | None:
    """The same from async code. A token in use is checked again once half its trust has
    passed, in the background and together with every other token due in this process (one
    query), so a bot that sends faster than the window never waits for the database, and a
    revoked token still fails within API_TOKEN_CACHE_SECONDS."""
    key, token, due = _cached(raw)
    if token is None:
        return _remember(key, await sync_to_async(_with_fresh_connection)(authenticate_token, raw))
    if due:
        _due.add(key)
        _schedule_recheck()
    return token


_due: set[str] = set()  # keys whose trust is half spent, for the next re-check
_recheck: asyncio.Task[None] | None = None


def _schedule_recheck() -> None:
    global _recheck
    loop = asyncio.get_running_loop()
    if _recheck is None or _recheck.done() or _recheck.get_loop() is not loop:
        _recheck = loop.create_task(_recheck_due())


async def _recheck_due() -> None:
    """A quarter of the window after the first token came due (the others due by then join it),
    look them all up at once; a token no longer active is forgotten. Its trust, half spent when
    it came due, has a quarter left when the answer is back."""
    await asyncio.sleep(settings.API_TOKEN_CACHE_SECONDS / 4)
    keys = list(_due)
    _due.clear()
    try:
        found = await sync_to_async(_with_fresh_connection)(active_tokens, keys)
    except Exception:  # the database is away: the entries expire on their own
        return
    for key in keys:
        _remember(key, found.get(key))


def _with_fresh_connection(function: Callable[[T], R], argument: T) -> R:
    """What a request would do around its queries: drop a connection that broke or aged out."""
    close_old_connections()
    try:
        return function(argument)
    finally:
        close_old_connections()


def bearer_from_header(value: str | None):
    """The token of an `Authorization: Bearer <token>` header; '' when malformed."""
    if not value:
        return None
    parts = value.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return ""
    return parts[1]


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; request.auth becomes the ApiToken."""

    def raw_token(self, request):
        return bearer_from_header(request.META.get("HTTP_AUTHORIZATION"))

    def authenticate(self, request):
        raw = self.raw_token(request)
        if raw is None:
            return None  # not attempted: let session auth try
        token = verified_token(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class BodyTokenAuthentication(BearerTokenAuthentication):
    """The bot protocol also sends `{"token": ...}` in the JSON body (spec: bot-status-integration)."""

    def raw_token(self, request):
        raw = super().raw_token(request)
        if raw is not None:
            return raw
        if request.content_type and request.content_type.startswith("application/json"):
            try:
                body = json.loads(request.body or b"{}")
            except (ValueError, UnicodeDecodeError):
                return None  # the view reports the bad JSON
            if isinstance(body, dict) and "token" in body:
                value = body["token"]
                return value if isinstance(value, str) else ""
        return None


class CsrfSessionAuthentication(SessionAuthentication):
    """Browser requests: the Django session, with CSRF enforced."""

