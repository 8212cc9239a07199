"""Liveness of the three parts Jobelix needs: PostgreSQL, Redis, a Celery worker."""
import time

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest

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
