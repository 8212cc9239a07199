"""The outbox: committed events go to Redis after the request, never during it.

`send()` is called by `transaction.on_commit` (realtime.services.publish) or by the
fast paths after their COMMIT. It only queues: a bounded queue per shard, the shard
chosen by the event's stream (its user), and one sender task per shard, so one
user's events leave in the order they were queued (the core channel layer reorders
concurrent senders and drops past capacity: one sender per ordering key avoids
both). Each sender publishes everything its queue holds in one round trip
(realtime.live: Redis pub/sub). A full queue drops the live send, never the write:
the event is in the log, and open sockets catch it up at the next ping
(realtime.fanout), others on resume.

The queues live on one event loop per process: daphne's own loop once the ASGI
application has bound it (jobelix.asgi), else a daemon thread's loop (Celery
workers, management commands, tests).
"""
from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from typing import Any

from django.conf import settings

from realtime import live
from realtime.channels import groups_to_publish

logger = logging.getLogger(__name__)

Item = tuple[int, list[str], int, str]  # stream, groups, event id, frame
BATCH = 256  # events per round trip at most


class Outbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None
        self._shards: list[asyncio.Queue[Item]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.dropped = 0
        self.failed = 0
        self._last_warning = 0.0

    # --- the loop ------------------------------------------------------------------

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Send from this (the server's) loop: no thread of our own, no hop for async callers."""
        with self._lock:
            if self._loop is not loop or self._pid != os.getpid():
                self._start(loop)

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid() or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="realtime-outbox", daemon=True).start()
                self._start(loop)
            assert self._loop is not None
            return self._loop

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._pid = loop, os.getpid()
        self._shards, self._tasks = [], []

        def create() -> None:
            self._shards = [asyncio.Queue(settings.REALTIME_OUTBOX_CAPACITY)
                            for _ in range(settings.REALTIME_OUTBOX_SHARDS)]
            self._tasks = [loop.create_task(self._run(queue)) for queue in self._shards]

        if _running_loop() is loop:
            create()
        else:
            loop.call_soon_threadsafe(create)

    # --- queueing ------------------------------------------------------------------

    def send(self, stream: int, event_id: int, user_id: int | None, channel: str, frame: str,
             data: dict[str, Any] | None = None) -> None:
        """Queue a committed event for its Redis groups (its `data` picks scoped groups such as
        `scoped.submissions.<job id>`); never raises, never blocks."""
        item: Item = (stream, groups_to_publish(user_id, channel, data), event_id, frame)
        try:
            loop = self._loop
            if loop is None or self._pid != os.getpid() or loop.is_closed():
                loop = self._ensure_loop()
            if _running_loop() is loop:
                self._enqueue(item)
            else:
                loop.call_soon_threadsafe(self._enqueue, item)
        except Exception:  # a closed loop (tests, shutdown): the log has the event
            logger.exception("realtime: event %s stored but not queued for live delivery", event_id)

    def _enqueue(self, item: Item) -> None:
        if not self._shards:  # the loop has not run create() yet: keep the order, queue after it
            asyncio.get_running_loop().call_soon(self._enqueue, item)
            return
        try:
            self._shards[item[0] % len(self._shards)].put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1
            self._warn(f"outbox full: {self.dropped} live sends dropped so far (the log has the events)")

    async def _run(self, queue: asyncio.Queue[Item]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await live.publish((groups, event_id, frame) for _, groups, event_id, frame in batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failed += len(batch)
                self._warn(f"events {batch[0][2]}..{batch[-1][2]} stored but not sent live ({exc!r}); "
                           "clients will resume them")

    def _warn(self, text: str) -> None:
        now = time.monotonic()
        if now - self._last_warning > 5:
            self._last_warning = now
            logger.warning("realtime: %s", text)

    # --- tests and short-lived processes -------------------------------------------

    def drain(self, timeout: float = 2.0) -> bool:
        """Wait (from a thread other than the outbox's loop) until the queues are empty."""
        if self._loop is None or self._pid != os.getpid() or _running_loop() is self._loop:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(queue.empty() for queue in self._shards):
                return True
            time.sleep(0.01)
        return False


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_outbox = Outbox()
send = _outbox.send
bind = _outbox.bind
drain = _outbox.drain
atexit.register(lambda: _outbox.drain(1.0))


def stats() -> dict[str, int]:
    return {"dropped": _outbox.dropped, "failed": _outbox.failed}
