"""Request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are refused (413) before Django reads them.

Where each layer stands (docs/security.md "Request body limits"):
- daphne has no body-size option: it receives the whole body (in memory below
  ~100 kB, in a temporary file above) before the application sees a byte, so the
  reverse proxy in front of it must cap bodies (nginx `client_max_body_size`);
- Django's ASGI handler would then copy the body again (memory, then disk), and DRF's
  JSON parser reads it whole without looking at DATA_UPLOAD_MAX_MEMORY_SIZE;
- this wrapper sits between the two: a declared Content-Length over the limit is
  answered at once, and a chunked body is counted as it arrives and cut off there.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]  # Django's handler types its arguments as Mapping


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    message = f"The request body is larger than the limit of {limit} bytes."
    if scope.get("path", "").startswith("/api/"):
        body, content_type = json.dumps({"error": message, "limit_bytes": limit}).encode(), b"application/json"
    else:
        body, content_type = message.encode(), b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", content_type), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class RequestBodyLimit:
    """ASGI wrapper for the HTTP application (jobelix/asgi.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if scope["type"] != "http" or limit is None:
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        over = started = False

        async def counting_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}  # Django stops reading and answers nothing
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, tracking_send)
        if over and not started:
            await _refuse(scope, send, limit)
