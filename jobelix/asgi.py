"""ASGI entry point: HTTP through Django, WebSockets through the realtime consumer.

Two things differ from Django's defaults (docs/performance.md):
- Django's handler gives every request its own thread context, so each request's
  sync code ran on a new thread with a new PostgreSQL connection that was never
  reused (Django ticket #33497): bursts ended in "too many clients". Here sync code
  runs on the process's one shared sync thread, whose connection is kept
  (CONN_MAX_AGE): one Django connection per process.
- The two hot endpoints (bot heartbeat, worker progress) are answered by async fast
  paths on the server's loop (sessions_app.fastpath, submissions.fastpath); anything
  they do not accept as an ordinary, valid request goes to Django unchanged.
"""
import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobelix.settings")
get_asgi_application()  # django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402

from core.limits import RequestBodyLimit  # noqa: E402
from realtime import outbox  # noqa: E402
from realtime.auth import WebSocketAuthMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402


class SharedThreadASGIHandler(ASGIHandler):
    """Django's ASGI handler without the per-request ThreadSensitiveContext."""

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)


django_asgi_app = SharedThreadASGIHandler()


def fast_paths() -> dict[str, object]:
    from sessions_app.fastpath import heartbeat
    from submissions.fastpath import update_progress

    return {"/api/autoapply/bot/heartbeat": heartbeat, "/api/worker/update-progress": update_progress}


FAST_PATHS = fast_paths()


async def http(scope, receive, send):
    outbox.bind(asyncio.get_running_loop())
    handler = FAST_PATHS.get(scope["path"]) if scope["method"] == "POST" else None
    if handler is not None:
        return await handler(scope, receive, send, django_asgi_app)
    return await django_asgi_app(scope, receive, send)


async def websocket(scope, receive, send):
    outbox.bind(asyncio.get_running_loop())
    return await _websocket(scope, receive, send)


_websocket = WebSocketAuthMiddleware(URLRouter(websocket_urlpatterns))

# Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE get 413 before anyone reads them, fast paths included.
application = ProtocolTypeRouter({"http": RequestBodyLimit(http), "websocket": websocket})
