"""Liveness of the three parts Jobelix needs: PostgreSQL, Redis, a Celery worker; and the event rate."""
import time
from datetime import timedelta

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest
from django.utils import timezone

from core.loopback import is_loopback_host


def _timed(fn):
    start = time.perf_counter()
    try:
        detail = fn()
        return {"status": "ok", "latency_ms": round((time.perf_counter() - start) * 1000, 1), **(detail or {})}
    except Exception as exc:  # any failure is a health finding, not a crash
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}


def check_postgres():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis():
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def check_celery():
    from jobelix.celery import app

    replies = app.control.ping(timeout=1.0, limit=1)
    if not replies:
        raise RuntimeError("no Celery worker answered the ping")
    return {"workers": sorted(name for reply in replies for name in reply)}


def check_all() -> dict:
    checks = {"postgres": _timed(check_postgres), "redis": _timed(check_redis)}
    if checks["redis"]["status"] == "ok":
        checks["celery"] = _timed(check_celery)
    else:  # the broker is down: no worker can be reached
        checks["celery"] = {"status": "error", "error": "broker (Redis) unreachable"}
    return checks


def shows_details(request: HttpRequest) -> bool:
    """The checks' details (latencies, worker names, error texts) are for staff on a session or
    a caller on this machine; a request relayed by a proxy is not "on this machine"."""
    meta = request.META
    if not (meta.get("HTTP_X_FORWARDED_FOR") or meta.get("HTTP_FORWARDED")) and is_loopback_host(
            meta.get("REMOTE_ADDR") or ""):
        return True
    try:
        user = request.user  # AuthenticationMiddleware
        return bool(user.is_authenticated and user.is_staff)
    except DatabaseError:  # PostgreSQL down: the session cannot be read, so no details
        return False
def event_rate() -> dict:
    """Events stored in the last minute, and a warning above HEALTH_EVENTS_PER_MINUTE_WARN.

    A flood (heartbeats, scrapes, a bug publishing in a loop) shows here before the event
    log and every socket feel it. Two index lookups whatever the volume: the first id
    stored in the window and the newest id (ids come from one sequence, so their span
    is the count; a rolled-back insert may add one). A warning never makes /health fail.
    """
    from realtime.models import Event

    try:
        since = timezone.now() - timedelta(minutes=1)
        first = (Event.objects.filter(created_at__gte=since).order_by("created_at", "id")
                 .values_list("id", flat=True).first())
        newest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    except Exception as exc:  # the database is down: the postgres check says so
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
    per_minute = newest - first + 1 if first is not None and newest is not None else 0
    limit = settings.HEALTH_EVENTS_PER_MINUTE_WARN
    return {"status": "warning" if per_minute > limit else "ok", "per_minute": per_minute, "warn_above": limit}
