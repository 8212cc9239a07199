"""The fan-out hub: one Redis subscription per process and group, a local loop writes the sockets.

Channels' usual shape gives every socket its own layer channel: one Redis message
per socket and group, a receive per socket, a thread hop per message, and each
consumer encoding the event again. Here each web process has ONE pub/sub connection
(realtime.live), subscribed once to every group one of its sockets follows; the
publisher's frame (encoded once, realtime.services.encode) arrives once per process
and group, and this loop writes that same text to the process's sockets in that
group, each socket skipping ids it already sent.

Every REALTIME_PING_INTERVAL seconds the hub (not each socket) sends one encoded
`system.ping` to all its sockets, leaves groups no socket follows any more,
refreshes presence in one pipeline per channel, and asks PostgreSQL ONE query for
events after its checkpoint that its sockets should have but did not get live (a
send lost while Redis was down, an outbox that was full). The same catch-up runs as
soon as a lost Redis connection is back. Liveness is not decided here: daphne's
WebSocket protocol pings drop dead peers.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from django.conf import settings

from realtime import db, live, presence
from realtime.channels import SCOPED, groups_to_publish
from realtime.models import envelope
from realtime.periodic import every_ping_interval

if TYPE_CHECKING:
    from realtime.consumers import RealtimeConsumer

CATCH_UP_SQL = """
    SELECT id, user_id, channel, type, data, created_at FROM realtime_event
    WHERE id > %(after)s AND NOT (id = ANY(%(seen)s))
      AND (user_id = ANY(%(users)s) OR user_id IS NULL OR channel = ANY(%(staff)s)
           OR EXISTS (SELECT 1 FROM unnest(%(scoped_channels)s::text[], %(scoped_keys)s::text[],
                                           %(scoped_ids)s::text[]) AS s(channel, key, id)
                      WHERE realtime_event.channel = s.channel AND realtime_event.data ->> s.key = s.id))
    ORDER BY id LIMIT %(limit)s
"""


# Daphne's transport (Twisted) sends a socket's frame when the loop next polls for writable
# sockets: writing a 1,000-socket group in one go left the first socket waiting for the last.
WRITE_BATCH = 16


class Hub:
    def __init__(self) -> None:
        self.groups: dict[str, set[RealtimeConsumer]] = {}
        self.joined: dict[str, asyncio.Future[None]] = {}
        self.sockets: set[RealtimeConsumer] = set()
        self.subscriber: live.Subscriber | None = None
        self.started: asyncio.Future[None] | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.checkpoint = 0
        self.seen_live: set[int] = set()

    async def start(self) -> None:
        if self.started is None:
            self.started = asyncio.get_running_loop().create_future()
            try:
                self.checkpoint = await newest_event_id()
                # Redis lost: sockets are told to reconnect (4503) and resume from the log.
                self.subscriber = live.Subscriber(self.deliver, self.close_all, self.catch_up, lambda: list(self.joined))
            except BaseException as exc:
                self.started.set_exception(exc)
                self.started.exception()  # retrieved: the next start() raises it again
                self.started = None
                raise
            self.tasks = [asyncio.ensure_future(self.subscriber.run()), asyncio.ensure_future(every_ping_interval(self.tick, "hub tick"))]
            self.started.set_result(None)
        await self.started

    # --- membership ------------------------------------------------------------------

    def add(self, socket: RealtimeConsumer) -> None:
        """A welcomed socket: it gets the hub's pings and catch-ups from now on."""
        self.sockets.add(socket)

    async def join(self, socket: RealtimeConsumer, group: str) -> None:
        """Add the socket to a group; the process subscribes to it with its first socket."""
        members = self.groups.setdefault(group, set())
        members.add(socket)
        joined = self.joined.get(group)
        if joined is None:
            joined = self.joined[group] = asyncio.get_running_loop().create_future()
            try:
                assert self.subscriber is not None
                await self.subscriber.join(group)
            except BaseException as exc:
                del self.joined[group]
                joined.set_exception(exc)
                joined.exception()  # retrieved here; other waiters get it too
                raise
            joined.set_result(None)
        await joined

    def leave(self, socket: RealtimeConsumer, group: str) -> None:
        """Local only: the process leaves empty groups at its next tick (no Redis call per socket)."""
        members = self.groups.get(group)
        if members is not None:
            members.discard(socket)

    def remove(self, socket: RealtimeConsumer) -> None:
        self.sockets.discard(socket)
        for group in socket.groups_joined():
            self.leave(socket, group)

    # --- live events -----------------------------------------------------------------

    async def deliver(self, group: Any, event_id: Any, frame: Any) -> None:
        if not isinstance(event_id, int) or not isinstance(frame, str):
            return
        self.seen_live.add(event_id)
        for n, socket in enumerate(tuple(self.groups.get(group, ())), 1):
            await socket.deliver(event_id, frame)
            if n % WRITE_BATCH == 0:
                await asyncio.sleep(0)  # let the reactor flush these sockets' writes before the next batch

    async def close_all(self) -> None:
        from realtime.consumers import CLOSE_UNAVAILABLE

        for socket in tuple(self.sockets):
            await socket.close_with(CLOSE_UNAVAILABLE)
        self.groups.clear()
        self.joined.clear()

    # --- every ping interval -----------------------------------------------------------

    async def tick(self) -> None:
        from realtime import events
        from realtime.services import encode

        ping = encode(envelope(None, events.SYSTEM_PING, "system", events.ping()))
        for socket in tuple(self.sockets):
            await socket.send_text(ping)
        assert self.subscriber is not None
        for group, members in list(self.groups.items()):
            if not members:
                del self.groups[group]
                self.joined.pop(group, None)
                await self.subscriber.leave(group)
        await self.subscriber.ping()
        await presence.refresh({socket.connection_id: list(socket.subscriptions) for socket in self.sockets})
        await self.catch_up()

    async def catch_up(self) -> None:
        """Send what the log has and the sockets did not get live: one query per process."""
        if not self.sockets:
            self.checkpoint = await newest_event_id()
            self.seen_live.clear()
            return
        users, staff, scopes = set(), set(), set()
        for group in self.groups:
            kind, _, rest = group.partition(".")
            if kind == "user":
                users.add(int(rest.split(".", 1)[0]))
            elif kind == "staff":
                staff.add(rest)
            elif kind == "scoped":  # scoped.<channel>.<id>: events of that channel naming that object
                channel, _, object_id = rest.partition(".")
                if channel in SCOPED:
                    scopes.add((channel, SCOPED[channel].key, object_id))
        scoped = sorted(scopes)
        seen = sorted(i for i in self.seen_live if i > self.checkpoint)
        limit = settings.REALTIME_RETENTION_EVENTS
        async with db.pool().connection() as conn:
            cursor = await conn.execute(CATCH_UP_SQL, {
                "after": self.checkpoint, "seen": seen, "users": sorted(users), "staff": sorted(staff),
                "scoped_channels": [c for c, _, _ in scoped], "scoped_keys": [k for _, k, _ in scoped],
                "scoped_ids": [i for _, _, i in scoped], "limit": limit})
            rows = await cursor.fetchall()
            newest = await newest_event_id(conn) if len(rows) < limit else rows[-1][0]
        from realtime.services import encode

        for event_id, user_id, channel, type_, data, created_at in rows:
            frame = None
            for group in groups_to_publish(user_id, channel, data):
                for socket in tuple(self.groups.get(group, ())):
                    if socket.floor < event_id and not socket.has_sent(event_id):
                        frame = frame or encode(envelope(event_id, type_, channel, data, created_at))
                        await socket.deliver(event_id, frame)
        self.checkpoint = max(self.checkpoint, newest)
        self.seen_live = {i for i in self.seen_live if i > self.checkpoint}


async def newest_event_id(conn: Any = None) -> int:
    """The newest event id (realtime.selectors.last_event_id, without the ORM's thread)."""
    sql = ("SELECT GREATEST(COALESCE((SELECT max(id) FROM realtime_event), 0), "
           "COALESCE((SELECT purged_up_to FROM realtime_purgemark WHERE id = 1), 0))")
    if conn is None:
        async with db.pool().connection() as own:
            row = await (await own.execute(sql)).fetchone()
    else:
        row = await (await conn.execute(sql)).fetchone()
    return int(row[0]) if row else 0


_hubs: dict[int, Hub] = {}


def hub() -> Hub:
    """The hub of the running loop (one per daphne process; tests run a loop per case)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(id(loop))
    if found is None:
        for old in _hubs.values():
            for task in old.tasks:
                task.cancel()
        _hubs.clear()
        found = _hubs[id(loop)] = Hub()
    return found
