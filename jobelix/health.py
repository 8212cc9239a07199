"""Liveness of the three parts Jobelix needs: PostgreSQL, Redis, a Celery worker."""
import time

import redis
from django.conf import settings
from django.db import connection


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
