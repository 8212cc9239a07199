"""What the running system uses: this web process (CPU, memory), Celery's queues, Redis and
PostgreSQL. Read from /proc and the resource module (no psutil), Redis (LLEN of the queue
keys under the project's prefix, INFO memory) and PostgreSQL's statistics views.

Each part is measured on its own: one that cannot be read says why ({"error": ...}) and
the others still answer, so a health panel shows what it can while something is down.
"""
from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.db import connection

from core.wire import now_iso

# kombu's Redis transport: priority queues are extra lists named <queue>\x06\x16<step>.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)
BINDING_PREFIX = "_kombu.binding."
MAX_QUEUES = 50
# CPU percent is measured between two readings at least this far apart (else: the average since start).
MIN_SAMPLE_SECONDS = 0.5

_sample_lock = threading.Lock()
_last_sample: tuple[float, float] | None = None  # (monotonic time, CPU seconds) of this process


def system_resources() -> dict[str, Any]:
    """The `system_resources` of GET /api/v1/scraping/health."""
    return {
        "collected_at": now_iso(),
        "process": _part(process_usage),
        "celery": _part(celery_queues),
        "redis": _part(redis_memory),
        "database": _part(database_usage),
    }


def _part(read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return read()
    except Exception as exc:  # a part that cannot be read is a finding, not a crash
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def _proc_status() -> dict[str, str]:
    with open("/proc/self/status", encoding="ascii", errors="replace") as status:
        return dict(line.rstrip("\n").split(":\t", 1) for line in status if ":\t" in line)


def _uptime_seconds() -> float | None:
    """Seconds since this process started (/proc/self/stat field 22 against /proc/uptime)."""
    try:
        with open("/proc/self/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            booted_for = float(uptime.read().split()[0])
    except OSError:
        return None
    return max(0.0, booted_for - int(fields[19]) / os.sysconf("SC_CLK_TCK"))


def process_usage() -> dict[str, Any]:
    """This process: CPU percent since the previous reading (of one core), resident and peak memory."""
    global _last_sample
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    now = time.monotonic()
    uptime = _uptime_seconds()
    with _sample_lock:
        previous = _last_sample
        if previous is None or now - previous[0] >= MIN_SAMPLE_SECONDS:
            _last_sample = (now, cpu)
    if previous is not None and now - previous[0] >= MIN_SAMPLE_SECONDS:
        percent = 100.0 * (cpu - previous[1]) / (now - previous[0])
    else:
        percent = 100.0 * cpu / uptime if uptime else 0.0
    peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    try:
        status = _proc_status()
        rss = int(status["VmRSS"].split()[0]) * 1024
        threads = int(status["Threads"])
    except (OSError, KeyError, ValueError):
        rss, threads = peak, threading.active_count()
    return {
        "pid": os.getpid(),
        "cpu_percent": round(max(percent, 0.0), 1),
        "cpu_seconds": round(cpu, 2),
        "memory_rss_bytes": rss,
        "memory_peak_bytes": peak,
        "threads": threads,
        "uptime_seconds": round(uptime, 1) if uptime is not None else None,
    }


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def celery_queues() -> dict[str, Any]:
    """Messages waiting per Celery queue (LLEN of its lists, priorities included) and messages
    taken by workers but not acknowledged yet. Queues: the configured ones and every queue a
    worker declared (kombu's bindings) under the project's key prefix."""
    from jobelix.celery import app

    prefix = app.conf.broker_transport_options.get("global_keyprefix", "")
    names = {app.conf.task_default_queue, settings.SCRAPING_QUEUE, settings.NOTIFICATIONS_QUEUE} - {""}
    client = _redis()
    try:
        for key in client.scan_iter(match=f"{prefix}{BINDING_PREFIX}*", count=500):
            names.add(key.decode(errors="replace")[len(prefix) + len(BINDING_PREFIX):])
            if len(names) >= MAX_QUEUES:
                break
        ordered = sorted(names)
        with client.pipeline(transaction=False) as pipe:
            for name in ordered:
                for step in PRIORITY_STEPS:
                    pipe.llen(f"{prefix}{name}{PRIORITY_SEPARATOR}{step}" if step else f"{prefix}{name}")
            pipe.hlen(f"{prefix}unacked")
            sizes = pipe.execute()
    finally:
        client.close()
    steps = len(PRIORITY_STEPS)
    queues = [{"name": name, "depth": sum(sizes[i * steps:(i + 1) * steps])} for i, name in enumerate(ordered)]
    return {"queues": queues, "total": sum(q["depth"] for q in queues), "unacked": sizes[-1]}


def redis_memory() -> dict[str, Any]:
    """Redis INFO memory (and clients): what the broker and the channel layer hold."""
    client = _redis()
    try:
        memory = client.info("memory")
        clients = client.info("clients")
    finally:
        client.close()
    return {
        "used_memory_bytes": memory.get("used_memory"),
        "used_memory_human": memory.get("used_memory_human"),
        "peak_memory_bytes": memory.get("used_memory_peak"),
        "maxmemory_bytes": memory.get("maxmemory") or None,
        "connected_clients": clients.get("connected_clients"),
    }


def database_usage() -> dict[str, Any]:
    """PostgreSQL: this database's size on disk and its open connections (pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_database_size(current_database()), "
            "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()), "
            "current_setting('max_connections')::int"
        )
        size, connections, max_connections = cursor.fetchone()
    return {"size_bytes": size, "connections": connections, "max_connections": max_connections}
