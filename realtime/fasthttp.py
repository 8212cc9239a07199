"""What the async fast paths (bot heartbeat, worker progress) share: the ASGI plumbing.

A fast path answers only an ordinary, valid request; anything else goes to Django
unchanged (`Fallback`), so every refusal (bad host, plain HTTP where HTTPS is
required, a query string, a non-JSON or oversized body, a bad or revoked token, a
token of the wrong scope, invalid fields, a refused write) keeps Django's and DRF's
exact answer. What a fast path accepts is a subset of what the normal path accepts:

- the Host is in ALLOWED_HOSTS (Django's own check), the request is HTTPS when
  SECURE_SSL_REDIRECT asks for it (SECURE_PROXY_SSL_HEADER as Django reads it);
- no query string (ApiGuardMiddleware's NUL check has nothing to look at);
- `Content-Type: application/json` (DRF's JSONParser; UTF-8), a body within
  DATA_UPLOAD_MAX_MEMORY_SIZE (core.limits refuses a larger one with 413 before this runs), strict JSON (no NaN) holding an object;
- a token the normal path's authentication accepts (accounts.auth, the same
  cache), of a scope the view names (its `token_scopes`, accounts.permissions);
  the view's serializer or rules accept the body;
- the view's throttles allow it (core.throttles: the same windows DRF counts in, all of
  them in one Redis round trip on the loop): a spent budget goes to the view, which
  answers 429 with Retry-After. A request counted here and then handed to Django after
  all is given back its counts first, so DRF counts it once, as on the normal path.
The answer carries the headers Django's middleware adds to API responses.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from rest_framework.utils import json as drf_json
from rest_framework.views import APIView

from accounts.auth import averified_token, bearer_from_header
from accounts.models import ApiToken
from accounts.permissions import accepted_scopes
from core import throttles

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class Fallback(Exception):
    """Not an ordinary valid request: let Django and DRF answer it."""


class Request:
    def __init__(self, scope: Scope, body: bytes) -> None:
        self.scope, self.body = scope, body
        self.counted: throttles.Counted | None = None  # throttle counts to give back if Django answers after all
        self.headers: dict[bytes, bytes] = {}
        for name, value in scope.get("headers", []):
            self.headers.setdefault(name.lower(), value)

    def header(self, name: bytes) -> str | None:
        value = self.headers.get(name)
        return value.decode("latin-1") if value is not None else None

    def is_secure(self) -> bool:
        if self.scope.get("scheme") == "https":
            return True
        proxy = settings.SECURE_PROXY_SSL_HEADER
        if proxy:
            header, expected = proxy
            name = header.removeprefix("HTTP_").replace("_", "-").lower().encode()
            value = self.headers.get(name)
            return value is not None and value.decode("latin-1").split(",", 1)[0].strip() == expected
        return False

    def check_common(self) -> None:
        """Host, scheme, query string and body type: else Django answers."""
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        domain, _ = split_domain_port(self.header(b"host") or "")
        if not domain or not validate_host(domain, allowed):
            raise Fallback
        if settings.SECURE_SSL_REDIRECT and not self.is_secure():
            raise Fallback
        if self.scope.get("query_string"):
            raise Fallback
        content_type = (self.header(b"content-type") or "").split(";")
        if content_type[0].strip().lower() != "application/json":
            raise Fallback
        for param in content_type[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() != "charset" or value.strip().strip('"').lower() not in ("utf-8", "utf8"):
                raise Fallback

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body.decode("utf-8"), parse_constant=drf_json.strict_constant)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise Fallback from None
        if not isinstance(data, dict):
            raise Fallback
        return data

    async def token(self, view: type[APIView], body: dict[str, Any] | None) -> ApiToken:
        """The token as accounts.auth reads it (Bearer header first, else the body's `token`
        when `body` is given): it must be valid and of a scope `view` accepts for POST
        (accounts.permissions.TokenScopes' rule for a token)."""
        header = self.header(b"authorization")
        if header is not None:
            raw = bearer_from_header(header)
        elif body is not None and isinstance(body.get("token"), str):
            raw = body["token"]
        else:
            raise Fallback
        token = await averified_token(raw) if raw else None
        if token is None or token.scope not in accepted_scopes(view, "POST"):
            raise Fallback
        return token

    async def throttle(self, view: type[APIView], token: ApiToken) -> None:
        """Count this request in `view`'s throttle budgets (one Redis round trip), or hand it
        to the view, which answers 429 with Retry-After."""
        counted, _ = await throttles.acount(throttles.windows_of(view.throttle_classes, Caller(token)))
        if counted is None:
            raise Fallback
        self.counted = counted

    @asynccontextmanager
    async def budgeted(self, view: type[APIView], token: ApiToken) -> AsyncIterator[asyncio.Future[None]]:
        """Count this request in `view`'s budgets while the caller starts its transaction: the
        Redis round trip runs while PostgreSQL works. The caller awaits the yielded future before
        it commits, so nothing commits that a spent budget refused (the pool rolls it back).
        Any failure but a Fallback (the database restarting…) is handed to the view as well."""
        throttle = asyncio.ensure_future(self.throttle(view, token))
        try:
            yield throttle
        except Fallback:
            raise
        except Exception:
            logger.warning("fast path %s failed; the normal view answers", self.scope.get("path"), exc_info=True)
            raise Fallback from None
        finally:
            if not throttle.done():  # the database failed first: let the count finish, to be given back
                await asyncio.wait([throttle])
            if not throttle.cancelled():
                throttle.exception()  # retrieved (a Fallback already decided the answer)


class Caller:
    """What core.throttles reads of a DRF request: its method, its token (request.auth), its user."""

    method = "POST"

    def __init__(self, token: ApiToken) -> None:
        self.auth, self.user = token, token.user


async def read_body(receive: Receive) -> tuple[bytes, list[dict[str, Any]], bool]:
    """The request body (up to the upload limit), the messages read, and whether it is complete."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    messages, chunks, size = [], [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return b"", messages, False
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        if limit is not None and size > limit:
            return b"", messages, False
        if not message.get("more_body"):
            return b"".join(chunks), messages, True


def replaying(messages: list[dict[str, Any]], receive: Receive) -> Receive:
    """A receive() that gives Django the messages already read, then the rest."""
    pending = list(messages)

    async def again() -> dict[str, Any]:
        return pending.pop(0) if pending else await receive()

    return again


def _static_headers() -> list[tuple[bytes, bytes]]:
    headers = [(b"content-type", b"application/json"), (b"vary", b"Accept"), (b"allow", b"POST, OPTIONS")]
    if settings.X_FRAME_OPTIONS:
        headers.append((b"x-frame-options", settings.X_FRAME_OPTIONS.encode()))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append((b"referrer-policy", settings.SECURE_REFERRER_POLICY.encode()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append((b"cross-origin-opener-policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY.encode()))
    return headers


async def answer(request: Request, send: Send, data: dict[str, Any]) -> None:
    """200 with a JSON body, as DRF's JSONRenderer writes it, with the middleware's headers."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    headers = _static_headers() + [(b"content-length", str(len(body)).encode())]
    if settings.SECURE_HSTS_SECONDS and request.is_secure():
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append((b"strict-transport-security", hsts.encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


FastHandler = Callable[[Request], Awaitable[dict[str, Any]]]


def fast_path(handler: FastHandler) -> Callable[[Scope, Receive, Send, App], Awaitable[None]]:
    """An ASGI endpoint that runs `handler` and answers its dict, or hands the request to Django."""

    async def endpoint(scope: Scope, receive: Receive, send: Send, django_app: App) -> None:
        body, messages, complete = await read_body(receive)
        if complete:
            request = Request(scope, body)
            try:
                request.check_common()
                data = await handler(request)
            except Fallback:
                if request.counted is not None:
                    await throttles.agive_back(request.counted)
            else:
                logger.debug("fast path answered %s", scope["path"])
                return await answer(request, send, data)
        logger.debug("fast path handed %s to Django", scope["path"])
        await django_app(scope, replaying(messages, receive), send)

    endpoint.__name__ = endpoint.__qualname__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint
