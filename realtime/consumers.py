"""The WebSocket endpoint /api/v1/ws (protocol: docs/realtime.md).

One consumer per connection. It authenticates (4401 otherwise), joins the groups
of its channels through its process's hub (realtime.fanout), replays missed events
from the log on `?last_event_id=`, then the hub writes it live events, deduplicated
by id. Bad input gets `system.error` and the connection stays; sustained abuse
closes it with 4429.

The consumer has no channel-layer channel of its own (the hub has one per process)
and no timer (the hub pings and catches up for every socket). Liveness is the
WebSocket protocol's ping/pong (daphne --ping-interval/--ping-timeout: a dead peer
is dropped); answering `system.ping` is optional. A connection whose Redis link
fails is closed with 4503 so the client reconnects and resumes.
"""
import asyncio
import json
import logging
import secrets
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from redis.exceptions import RedisError

from accounts.permissions import realtime_viewer
from core.errors import ApplicationError
from realtime import channels as registry
from realtime import events, guards, presence
from realtime.fanout import hub
from realtime.models import envelope
from realtime.selectors import last_event_id, replay, watched_user_id
from realtime.services import encode

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_PING_TIMEOUT = 4408  # documented for clients; dead peers are dropped by daphne's protocol pings
CLOSE_ABUSE = 4429
CLOSE_UNAVAILABLE = 4503  # Redis failed under the connection: reconnect with backoff, resume
ABUSE_WINDOW_SECONDS = 10.0
FLOOD_FACTOR = 5  # this many times the per-second limit in one second closes at once
SENT_IDS_KEPT = 5000


class RealtimeConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = None  # no layer channel per socket: the hub has one per process

    async def __call__(self, scope, receive, send):
        """Run the connection; if Redis fails under it, close 4503 (the client resumes) instead of
        leaving an open socket that no longer receives anything."""
        self.hub = hub()
        self.scope, self.channel_layer, self.base_send = scope, None, send
        try:
            await self.receive_loop(receive)
        except (RedisError, OSError) as exc:
            logger.warning("realtime: closing a connection, Redis failed (%s: %s)", type(exc).__name__, exc)
            if not getattr(self, "closed", True):
                self.closed = True
                try:
                    await super().close(code=CLOSE_UNAVAILABLE)
                except Exception:
                    logger.exception("realtime: could not close %s", getattr(self, "connection_id", "?"))
        finally:
            self.closed = True
            self.hub.remove(self)
            await guards.release(self)  # hook: realtime.guards (socket cap, revocation)
            for name in list(getattr(self, "subscriptions", {})):
                await presence.remove(name, self.connection_id)

    async def receive_loop(self, receive) -> None:
        """Channels' loop (await_many_dispatch) waits on a set of tasks, one new task per frame; a
        socket with no layer channel has one source, so it is read directly (idle CPU per pong)."""
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message):
        """Channels awaits aclose_old_connections() (a thread hop) before every handler; nothing
        here uses Django's connection outside database_sync_to_async, which does it itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.connection_id = "conn_" + secrets.token_hex(8)
        self.subscriptions: dict[str, list[str]] = {}
        self.sent_ids: set[int] = set()
        self.sent_order: deque[int] = deque()
        self.closed = False
        self.floor = 0
        self.ready = False  # live events wait for the welcome and the replay
        self.early: list[tuple[int, str]] = []
        self.window_start, self.window_count, self.window_warned = time.monotonic(), 0, False
        self.strikes: deque[float] = deque()

        user = self.scope.get("user")
        subprotocol = "bearer" if self.scope.get("auth_via") == "subprotocol" else None
        if user is None or not user.is_authenticated:
            return await self.refuse(CLOSE_UNAUTHENTICATED, subprotocol)
        if self.scope.get("auth_method") == "session" and not self.origin_allowed():
            return await self.refuse(CLOSE_FORBIDDEN, subprotocol)
        query = parse_qs(self.scope.get("query_string", b"").decode(errors="replace"))
        # Staff powers (user_id=, C:all) need a staff session: a token's user is never staff here.
        self.user = realtime_viewer(user, via_token=self.scope.get("auth_method") == "token")
        self.watched_id = user.id
        wanted = (query.get("user_id") or [None])[0]
        if wanted not in (None, "", str(user.id)):
            try:  # a user_id never grants access by itself: staff only, and the user must exist
                self.watched_id = await database_sync_to_async(watched_user_id)(self.user, wanted)
            except ApplicationError as exc:
                return await self.refuse(CLOSE_FORBIDDEN if exc.status == 403 else CLOSE_NOT_FOUND, subprotocol)
        refusal = await guards.admit(self)  # hook: realtime.guards (per-user cap; revocation follows the socket)
        if refusal is not None:
            return await guards.refuse(self, refusal, subprotocol)

        await self.hub.start()
        await self.accept(subprotocol)
        errors = []
        requested = [c.strip() for c in ",".join(query.get("channels", [])).split(",") if c.strip()]
        for name in requested[: len(registry.CHANNELS) * 2]:
            try:
                await self.join(registry.validate(name, self.user))
            except registry.ChannelError as exc:
                errors.append(exc)
        # Groups are joined: anything newer than this reaches us live, or through the hub's catch-up.
        # Read before the welcome, so whatever a client publishes after the welcome is ours.
        self.floor = await database_sync_to_async(last_event_id)()
        await self.send_frame(
            events.SYSTEM_CONNECTED, events.connected(self.connection_id, self.watched_id, list(self.subscriptions))
        )
        for error in errors:
            await self.send_error(error.code, str(error))
        last = (query.get("last_event_id") or [None])[0]
        if last not in (None, ""):
            after = registry.parse_id(last)
            if after is not None:
                await self.replay_after(after)
            else:
                await self.send_error("invalid_last_event_id", "last_event_id must be a non-negative integer.")
        self.ready = True
        for event_id, frame in self.early:
            await self.deliver(event_id, frame)
        self.early = []
        self.hub.add(self)

    async def refuse(self, code, subprotocol=None):
        """Accept then close, so the client sees our close code (a bare reject is an HTTP 403)."""
        self.closed = True
        await self.accept(subprotocol)
        await self.close(code=code)

    def origin_allowed(self) -> bool:
        """Cookie-authenticated sockets must come from our own pages (no cross-site hijacking)."""
        return guards.origin_allowed(self.scope)  # hook: scheme, host and port

    # --- subscriptions ------------------------------------------------------

    async def join(self, name):
        if name in self.subscriptions:
            return
        await guards.check_join(self, name)  # hook: scoped channels (submissions:<job>) need owner or staff
        groups = registry.groups_for(name, self.watched_id)
        self.subscriptions[name] = groups
        for group in groups:
            await self.hub.join(self, group)
        await presence.add(name, self.connection_id)

    async def leave(self, name):
        groups = self.subscriptions.pop(name, [])
        still_needed = self.groups_joined()
        for group in groups:
            if group not in still_needed:
                self.hub.leave(self, group)
        await presence.remove(name, self.connection_id)

    def groups_joined(self) -> set[str]:
        return {group for groups in self.subscriptions.values() for group in groups}

    async def replay_after(self, after: int):
        result = await database_sync_to_async(replay)(self.watched_id, list(self.subscriptions), after)
        if result.resync_required and not self.closed:
            await self.send_frame(events.SYSTEM_RESYNC_REQUIRED, events.resync_required(result.last_event_id))
            return
        for event in result.events:
            await self.deliver(event.id, encode(event.envelope()), replayed=True)

    # --- messages from the client -------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closed:
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if not self.within_rate():
            return
        if size > settings.REALTIME_MAX_FRAME_BYTES:
            return await self.reject_input("frame_too_large", f"Frames are limited to {settings.REALTIME_MAX_FRAME_BYTES} bytes.")
        try:
            message = json.loads(text_data if text_data is not None else bytes_data.decode())
        except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting fits in 64 KiB
            return await self.reject_input("invalid_json", "Messages must be JSON objects.")
        if not isinstance(message, dict) or not isinstance(message.get("action"), str):
            return await self.reject_input("invalid_message", 'Messages look like {"action": "subscribe", "channel": "jobs"}.')
        handler = {
            "subscribe": self.action_subscribe,
            "unsubscribe": self.action_unsubscribe,
            "list_channels": self.action_list_channels,
            "pong": self.action_pong,
        }.get(message["action"])
        if handler is None:
            return await self.reject_input("unknown_action", f"Unknown action {message['action'][:50]!r}.")
        await handler(message)

    def within_rate(self) -> bool:
        now = time.monotonic()
        if now - self.window_start >= 1.0:
            self.window_start, self.window_count, self.window_warned = now, 0, False
        self.window_count += 1
        limit = settings.REALTIME_MAX_MESSAGES_PER_SECOND
        if self.window_count <= limit:
            return True
        if self.window_count > limit * FLOOD_FACTOR and not self.closed:
            self.closed = True  # a flood, not a burst: hang up now
            asyncio.ensure_future(self.close(code=CLOSE_ABUSE))
            return False
        if not self.window_warned:  # one error per window, not one per dropped frame
            self.window_warned = True
            asyncio.ensure_future(
                self.reject_input(
                    "rate_limited",
                    f"More than {settings.REALTIME_MAX_MESSAGES_PER_SECOND} messages per second; messages dropped.",
                )
            )
        return False

    async def reject_input(self, code, message):
        await self.send_error(code, message)
        now = time.monotonic()
        self.strikes.append(now)
        while self.strikes and now - self.strikes[0] > ABUSE_WINDOW_SECONDS:
            self.strikes.popleft()
        if len(self.strikes) >= settings.REALTIME_ABUSE_STRIKES and not self.closed:
            self.closed = True
            await self.close(code=CLOSE_ABUSE)

    async def action_subscribe(self, message):
        try:
            name = registry.validate(message.get("channel"), self.user)
            await self.join(name)
        except registry.ChannelError as exc:
            return await self.reject_input(exc.code, str(exc))
        await self.send_frame(events.SYSTEM_SUBSCRIBED, events.subscribed(name, await presence.count(name)))

    async def action_unsubscribe(self, message):
        name = message.get("channel")
        if not isinstance(name, str) or name not in self.subscriptions:  # a list is unhashable: not a 1011
            return await self.reject_input("not_subscribed", f"Not subscribed to {str(name)[:50]!r}.")
        await self.leave(name)
        await self.send_frame(events.SYSTEM_UNSUBSCRIBED, events.unsubscribed(name))

    async def action_list_channels(self, message):
        await self.send_frame(events.SYSTEM_CHANNELS, events.channel_list(list(self.subscriptions)))

    async def action_pong(self, message):
        """Optional: liveness is decided by WebSocket protocol pings."""

    # --- messages to the client ---------------------------------------------

    def has_sent(self, event_id: int) -> bool:
        return event_id in self.sent_ids

    async def deliver(self, event_id: int, frame: str, replayed: bool = False) -> None:
        """An event's frame (encoded once for every socket), unless this socket sent that id already
        (replayed, or arriving through two groups)."""
        if event_id in self.sent_ids or self.closed:
            return
        if not self.ready and not replayed:
            self.early.append((event_id, frame))
            return
        self.sent_ids.add(event_id)
        self.sent_order.append(event_id)
        if len(self.sent_order) > SENT_IDS_KEPT:
            self.sent_ids.discard(self.sent_order.popleft())
        await self.base_send({"type": "websocket.send", "text": frame})

    async def send_text(self, frame: str) -> None:
        if self.ready and not self.closed:
            await self.base_send({"type": "websocket.send", "text": frame})

    async def close_with(self, code: int) -> None:
        if not self.closed:
            self.closed = True
            await super().close(code=code)

    async def send_frame(self, type_: str, data: dict[str, Any]) -> None:
        """A protocol frame (events.py declares its type): `id` null, never logged."""
        if not self.closed:
            await self.send(text_data=json.dumps(envelope(None, type_, "system", data)))

    async def send_error(self, code: str, message: str) -> None:
        await self.send_frame(events.SYSTEM_ERROR, events.error(code, message))

    async def disconnect(self, code):
        self.closed = True
        for name in list(getattr(self, "subscriptions", {})):
            try:
                await self.leave(name)
            except Exception:  # Redis gone: groups expire on their own
                pass
