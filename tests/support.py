"""Small helpers shared by tests (fixtures live in conftest.py)."""
import asyncio
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

CLEANUP_SECONDS = 10


def _run_in_fresh_loop(coro):
    """Like asyncio.run, but leftover tasks (an ASGI app still blocked in a Redis read)
    get a bounded time to cancel instead of holding the test forever."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        leftovers = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.wait(leftovers, timeout=CLEANUP_SECONDS))
        loop.close()


def run_async(coro):
    """Run a coroutine in a thread of its own: once a browser test ran, the session's
    Playwright keeps an event loop in the main thread, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_run_in_fresh_loop, coro).result()


# --- the wire time format --------------------------------------------------------------

TIME_KEY = re.compile(r"(_at|_date|timestamp)$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def time_strings(value: Any, key: str = "", path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every string in a JSON value that looks like a time: shaped like an ISO
    datetime, or under a key ending in _at/_date/timestamp (a plain date there is a date, not a time)."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from time_strings(item, str(name), f"{path}/{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from time_strings(item, key, f"{path}/{index}")
    elif isinstance(value, str) and (
        ISO_DATETIME.match(value) or (TIME_KEY.search(key) and not PLAIN_DATE.match(value))
    ):
        yield path or "<root>", value


def wire_time_problems(value: Any, where: str = "") -> list[str]:
    """Every time-looking string of a JSON value that is not in the wire format (core.wire)."""
    from core.wire import is_wire_time

    return [f"{where}{path}: {text!r} is not a wire time" for path, text in time_strings(value)
            if not is_wire_time(text)]


def wait_until(predicate, timeout=15.0, interval=0.1, message="condition"):
    """Poll until predicate() is truthy and return its value; fail the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


# Celery workers on this run's broker (conftest.start_celery_worker registers them).
live_workers: list = []


def live_workers_idle(timeout: float = 60, quiet_seconds: float = 0.3) -> None:
    """Let every live worker on this run's broker go quiet: background work a test's writes
    queued (an analysis after create_job, a refresh after a profile save) has then ended."""
    for worker in [w for w in live_workers if w.proc.poll() is None]:
        try:
            wait_until_idle(worker, timeout=timeout, quiet_seconds=quiet_seconds, silent_is_idle=True)
        except AssertionError:  # still busy after `timeout`: go on, as before this wait
            pass


def wait_until_idle(worker, timeout=30, quiet_seconds=1.0, silent_is_idle=False):
    """Wait until the Celery worker has no task running or reserved (results are not kept)
    for `quiet_seconds`. Tests whose requests queue work call it before they end: flushing
    the test database beside a task that is still writing deadlocks. `silent_is_idle`: a
    worker that does not answer (paused or stopped by its test) counts as idle at once."""
    from jobelix.celery import app as celery_app

    deadline = time.monotonic() + timeout
    inspector = celery_app.control.inspect(destination=[worker.node], timeout=1)
    quiet_since = None
    while time.monotonic() < deadline:
        active = inspector.active() or {}
        if not active and silent_is_idle:
            return
        busy = not active or any(active.values()) or any((inspector.reserved() or {}).values())
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > quiet_seconds:
            return
        time.sleep(0.2)
    raise AssertionError("worker still busy")


# --- a WebSocket peer that never answers -------------------------------------------------

def silent_websocket(port: int, path: str, headers: str = ""):
    """A WebSocket handshake by hand, then silence: a peer that never answers a protocol ping
    (a dead TCP peer). `headers`: extra header lines, each ending in CRLF."""
    import socket
    from base64 import b64encode
    from os import urandom

    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = b64encode(urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Upgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    assert b" 101 " in sock.recv(4096).split(b"\r\n", 1)[0] + b" "
    return sock


def read_until_dropped(sock, seconds: float) -> tuple[bytes, float]:
    """Everything the server sends until it drops the connection (or `seconds` pass), and how long
    that took."""
    sock.settimeout(seconds)
    started, received = time.monotonic(), b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return received, time.monotonic() - started
