"""Live events between processes: Redis pub/sub, one Redis channel per group.

The outbox PUBLISHes each committed event once per group (everything a shard has
queued, in order, in one pipelined round trip); each web process's hub holds ONE
pub/sub connection, subscribed to the groups its sockets follow. The channel layer
did the same job with a sorted set per group, a Lua script per receiving channel and
a blocking pop per receive: about 1 ms from group_send to receive where PUBLISH to
SUBSCRIBE takes 0.15 ms on the same machine (bench/latency.py's floors,
docs/performance.md), and several Redis commands per event instead of one.

Pub/sub delivers at most once: an event published while a process is not
subscribed (its connection dropped) is not delivered live. That was already so
with the channel layer (it dropped past capacity and forgot groups on a Redis
restart); the event log covers it: the hub catches its sockets up from PostgreSQL
when its connection comes back and at every ping interval (realtime.fanout).
"""
from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import redis.asyncio as aioredis
from django.conf import settings
from redis.exceptions import RedisError

from core import resp

logger = logging.getLogger(__name__)

SUBSCRIBE_TIMEOUT = 5.0


def redis_channel(group: str) -> str:
    return f"{settings.REDIS_PREFIX}:live:{group}"


# --- publishing (the outbox) -------------------------------------------------------------

async def publish(events: Iterable[tuple[list[str], int, str]]) -> None:
    """Events (groups, id, frame) to their groups, in this order, in one round trip (core.resp)."""
    commands = []
    for groups, event_id, frame in events:
        payload = f"{event_id} {frame}"
        commands += [("PUBLISH", redis_channel(group), payload) for group in groups]
    if commands:
        await resp.execute(settings.REDIS_URL, commands, connect_timeout=2, timeout=5)


# --- receiving (the hub) -------------------------------------------------------------------

Deliver = Callable[[str, int, str], Awaitable[None]]
Notice = Callable[[], Awaitable[None]]


class Subscriber:
    """One process's pub/sub connection: the groups its sockets follow (`followed()`, the
    hub's own list, so a new connection subscribes to exactly those).

    `join` returns once Redis has confirmed the subscription, so an event committed
    after it reaches the process live (the consumer relies on this before it reads its
    resume point). `run` reads the connection; when it breaks, `on_lost` is told (the hub
    closes its sockets 4503 so clients resume), and once a new connection has every group
    again, `on_resumed` (the hub catches its sockets up from the log).
    """

    def __init__(self, deliver: Deliver, on_lost: Notice, on_resumed: Notice,
                 followed: Callable[[], Iterable[str]]) -> None:
        self.deliver, self.on_lost, self.on_resumed, self.followed = deliver, on_lost, on_resumed, followed
        self.conn: Any = None
        self.waiting: dict[bytes, list[asyncio.Future[None]]] = {}
        self.connected: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def join(self, group: str) -> None:
        """Subscribe to `group` and wait for Redis to confirm it (the hub joins each group once)."""
        await asyncio.wait_for(asyncio.shield(self.connected), SUBSCRIBE_TIMEOUT)
        channel = redis_channel(group)
        confirmed = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(channel.encode(), []).append(confirmed)
        await self.conn.send_command("SUBSCRIBE", channel)
        await asyncio.wait_for(confirmed, SUBSCRIBE_TIMEOUT)

    async def leave(self, group: str) -> None:
        if self.conn is not None:
            await self.conn.send_command("UNSUBSCRIBE", redis_channel(group))

    async def ping(self) -> None:
        """A write on the connection now and then, so a dead one is found (the read then fails)."""
        if self.conn is not None:
            await self.conn.send_command("PING")

    async def run(self) -> None:
        prefix = redis_channel("").encode()
        while True:
            try:
                await self._open()
                while True:
                    reply = await self.conn.read_response(timeout=math.inf)
                    kind = reply[0] if isinstance(reply, list) and reply else None
                    if kind == b"message":
                        head, _, frame = reply[2].decode().partition(" ")
                        await self.deliver(reply[1][len(prefix):].decode(), int(head), frame)
                    elif kind == b"subscribe":
                        for confirmed in self.waiting.pop(reply[1], []):
                            if not confirmed.done():
                                confirmed.set_result(None)
            except asyncio.CancelledError:
                await self._close()
                raise
            except (RedisError, OSError) as exc:
                logger.warning("realtime: live events lost Redis (%s); closing sockets with 4503", exc)
                await self._close(exc)
                await self.on_lost()
                await asyncio.sleep(1)

    async def _open(self) -> None:
        # RESP2: pub/sub replies come back as plain arrays (RESP3 sends them as pushes that
        # read_response hands to a push handler instead of returning them).
        pool = aioredis.ConnectionPool.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5,
                                                protocol=2)
        conn = pool.make_connection()
        await conn.connect()
        waits = []
        groups = list(self.followed())
        if groups:  # a new connection after a lost one: every group again, then catch up
            for group in groups:
                confirmed = asyncio.get_running_loop().create_future()
                self.waiting.setdefault(redis_channel(group).encode(), []).append(confirmed)
                waits.append(confirmed)
            await conn.send_command("SUBSCRIBE", *(redis_channel(group) for group in groups))
        self.conn = conn
        if not self.connected.done():
            self.connected.set_result(None)
        if waits:
            asyncio.ensure_future(self._resume(waits))

    async def _resume(self, waits: list[asyncio.Future[None]]) -> None:
        """Once every group is subscribed again, catch the sockets up from the log."""
        try:
            await asyncio.wait_for(asyncio.gather(*waits), SUBSCRIBE_TIMEOUT)
        except (TimeoutError, RedisError, OSError):
            return  # lost again: the next connection resumes
        await self.on_resumed()

    async def _close(self, error: BaseException | None = None) -> None:
        conn, self.conn = self.conn, None
        if self.connected.done():
            self.connected = asyncio.get_running_loop().create_future()
        for waiters in self.waiting.values():
            for confirmed in waiters:
                if not confirmed.done():
                    confirmed.set_exception(error or RedisError("connection closed"))
                    confirmed.exception()
        self.waiting.clear()
        if conn is not None:
            try:
                await conn.disconnect()
            except Exception:  # already broken
                pass
