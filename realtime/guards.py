"""Open sockets follow their credentials, and each user has a bounded number of them.

A socket is authenticated once, at connect; without this module it would keep
receiving a user's events after their token was revoked, they logged out, or
they lost the staff flag. Here each web process keeps a `Ticket` per socket (who,
which token, which session, which staff powers in use) and closes the affected
ones:

- at once, on a message from the code that took the credential away
  (`notify`, sent by accounts.services / accounts.signals after the commit) to
  the group every process's guard has joined (no database read: the message says
  what was lost);
- as a safety net, every REALTIME_PING_INTERVAL seconds, with ONE query per
  process for all its sockets (tokens still active, sessions still valid for
  their user, users still active / staff), for what no signal reports
  (`QuerySet.update`, an expired session, a password change).

Lost credentials close with 4401; a lost staff flag closes the sockets that use a
staff power (another user's stream, a `C:all` view, someone else's
`submissions:<job>`) with 4403.

The per-user cap (WS_MAX_SOCKETS_PER_USER) is a Redis sorted set per user,
member = connection id, score = when the entry expires: processes refresh their
sockets' entries every interval, so the sockets of a crashed process stop
counting after SOCKET_TTL seconds. One more socket gets a `system.error`
`too_many_sockets` and close 4429.

The consumer only calls `admit`, `check_join` and `release` (small hooks).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

import redis
import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.http.request import validate_host
from django.utils.crypto import constant_time_compare
from django.utils.http import is_same_domain

from accounts.auth import forget
from realtime import presence
from realtime.channels import SCOPED, ChannelError, is_staff_view, scoped
from realtime.periodic import every_ping_interval

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY_SOCKETS = 4429
NOTIFY_TIMEOUT_SECONDS = 5.0

# Admit one more socket if the user has fewer than `cap` unexpired entries (atomic across processes).
ADMIT_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def revocations_channel() -> str:
    """The Redis pub/sub channel every process's guard listens on (not the channel layer: its
    receive lock is per process, and a lost message is caught by the periodic check anyway)."""
    return f"{settings.REDIS_PREFIX}:ws:revocations"


def socket_ttl() -> int:
    """How long a socket's cap entry lives without a refresh (a crashed process's sockets age out)."""
    return settings.REALTIME_PING_INTERVAL * 3 + 10


def _cap_key(user_id: int) -> str:
    return f"{settings.REDIS_PREFIX}:ws:sockets:{user_id}"


def session_fingerprint(session_key: str | None) -> str | None:
    """What crosses Redis instead of the session key itself (a credential)."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32] if session_key else None


@dataclass(eq=False)
class Ticket:
    """What one socket was let in with."""

    consumer: Any
    user_id: int
    connection_id: str
    token_id: int | None
    session_key: str | None
    staff_scoped: set[str] = field(default_factory=set)  # scoped channels of other users' objects

    def uses_staff_powers(self) -> bool:
        names = set(getattr(self.consumer, "subscriptions", {}))
        return (
            getattr(self.consumer, "watched_id", self.user_id) != self.user_id
            or any(is_staff_view(name) for name in names)
            or bool(self.staff_scoped & names)
        )

    def drop_staff(self) -> None:
        """The socket's user object must not grant staff powers on later subscribes either."""
        user = getattr(self.consumer, "user", None)
        if user is not None:
            user.is_staff = False


class Guard:
    """The sockets of one process (one event loop), their revocation listener and timer."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.tickets: dict[Any, Ticket] = {}
        self.pubsub: Any = None
        self.tasks: list[asyncio.Future[None]] = []
        self.starting: asyncio.Lock = asyncio.Lock()

    async def start(self) -> None:
        async with self.starting:
            if self.pubsub is not None:
                return
            pubsub = aioredis.from_url(settings.REDIS_URL, socket_connect_timeout=2).pubsub()
            await pubsub.subscribe(revocations_channel())
            self.pubsub = pubsub
            self.tasks = [asyncio.ensure_future(self.receive_loop()), asyncio.ensure_future(every_ping_interval(self.tick, "guard check"))]

    # --- the event-driven path -------------------------------------------------------

    async def receive_loop(self) -> None:
        while True:
            try:
                raw = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                if raw is None or raw.get("type") != "message":
                    continue
                message = json.loads(raw["data"])
                if not isinstance(message, dict):
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down: the periodic check still runs
                if _loop_ending():
                    return  # the loop is ending (a test's loop): nothing to listen for
                logger.info("realtime guard: receive failed (%s: %s)", type(exc).__name__, exc)
                await asyncio.sleep(1)
                await self.resubscribe()
                continue
            try:
                await self.apply(message)
            except Exception:
                logger.exception("realtime guard: could not apply %r", message.get("type"))

    async def resubscribe(self) -> None:
        try:
            await self.pubsub.subscribe(revocations_channel())
        except Exception:  # still down: next time
            pass

    async def apply(self, message: dict[str, Any]) -> None:
        """A credential was taken away: close this process's sockets that relied on it."""
        user_id = message.get("user_id")
        token_ids = set(message.get("token_ids") or ())
        if token_ids or message.get("inactive"):  # this process's token cache (accounts.auth) too
            forget(sorted(token_ids), user_id if message.get("inactive") and isinstance(user_id, int) else None)
        fingerprint = message.get("session")
        for ticket in [t for t in self.tickets.values() if t.user_id == user_id]:
            if message.get("staff_lost"):
                code = CLOSE_FORBIDDEN if ticket.uses_staff_powers() else None
                ticket.drop_staff()
            else:
                code = None
            if (
                message.get("inactive")
                or (ticket.token_id is not None and ticket.token_id in token_ids)
                or (fingerprint and session_fingerprint(ticket.session_key) == fingerprint)
            ):
                code = CLOSE_UNAUTHENTICATED
            if code is not None:
                await self.close(ticket, code)

    # --- the periodic safety net -----------------------------------------------------

    async def tick(self) -> None:
        tickets = list(self.tickets.values())
        if not tickets:
            return
        await refresh_cap_entries([t for t in tickets if not getattr(t.consumer, "closed", False)])
        released = [t for t in tickets if t.consumer not in self.tickets]
        for ticket in released:  # released while the refresh was on its way: it must not count again
            await presence._client().zrem(_cap_key(ticket.user_id), ticket.connection_id)
        verdicts = await database_sync_to_async(check_tickets)(tickets)
        for ticket, code in verdicts:
            await self.close(ticket, code)

    async def close(self, ticket: Ticket, code: int) -> None:
        """Close the socket; its ticket (and cap entry) go when the consumer ends (`release`)."""
        consumer = ticket.consumer
        if getattr(consumer, "closed", False):
            return
        consumer.closed = True
        logger.info("realtime guard: closing %s of user %s with %s", ticket.connection_id, ticket.user_id, code)
        try:
            await consumer.close(code=code)
        except Exception:
            logger.exception("realtime guard: could not close %s", ticket.connection_id)


def check_tickets(tickets: list[Ticket]) -> list[tuple[Ticket, int]]:
    """ONE query for every socket of the process: which still hold their credentials and powers."""
    from accounts.models import ApiToken

    User = get_user_model()
    sql = f"""
        SELECT 't', t.id::text, NULL, NULL
            FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id
            WHERE t.id = ANY(%(tokens)s) AND t.revoked_at IS NULL AND u.is_active
        UNION ALL
        SELECT 's', s.session_key, s.session_data, NULL FROM {Session._meta.db_table} s
            WHERE s.session_key = ANY(%(sessions)s) AND s.expire_date > now()
        UNION ALL
        SELECT 'u', u.id::text, u.password, u.is_staff::text FROM {User._meta.db_table} u
            WHERE u.id = ANY(%(users)s) AND u.is_active
    """
    params: dict[str, list[int] | list[str]] = {
        "tokens": sorted({t.token_id for t in tickets if t.token_id is not None}),
        "sessions": sorted({t.session_key for t in tickets if t.session_key}),
        "users": sorted({t.user_id for t in tickets}),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    tokens = {int(key) for kind, key, _, _ in rows if kind == "t"}
    sessions = {key: data for kind, key, data, _ in rows if kind == "s"}
    users = {int(key): (password, flag == "true") for kind, key, password, flag in rows if kind == "u"}
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    verdicts = []
    for ticket in tickets:
        user = users.get(ticket.user_id)  # None: deleted or inactive
        if user is None:
            holds = False
        elif ticket.token_id is not None:
            holds = ticket.token_id in tokens
        else:
            holds = not ticket.session_key or session_valid(
                store, sessions.get(ticket.session_key), ticket.user_id, user[0]
            )
        if not holds:
            verdicts.append((ticket, CLOSE_UNAUTHENTICATED))
        elif user is not None and not user[1]:
            ticket.drop_staff()
            if ticket.uses_staff_powers():
                verdicts.append((ticket, CLOSE_FORBIDDEN))
    return verdicts


def session_valid(store: Any, data: str | None, user_id: int, password: str) -> bool:
    """The session still exists, is still this user's, and their password did not change since."""
    if data is None:
        return False
    decoded = store.decode(data)
    if str(decoded.get(SESSION_KEY)) != str(user_id):
        return False
    expected = get_user_model()(pk=user_id, password=password).get_session_auth_hash()
    return constant_time_compare(decoded.get(HASH_SESSION_KEY, ""), expected)


async def refresh_cap_entries(tickets: list[Ticket]) -> None:
    expires = time.time() + socket_ttl()
    pipe = presence._client().pipeline(transaction=False)
    for ticket in tickets:
        pipe.zadd(_cap_key(ticket.user_id), {ticket.connection_id: expires})
        pipe.expire(_cap_key(ticket.user_id), socket_ttl())
    await pipe.execute()


def _loop_ending() -> bool:
    try:
        task = asyncio.current_task()
        return asyncio.get_running_loop().is_closed() or task is None or task.cancelling() > 0
    except RuntimeError:
        return True


_guards: dict[int, Guard] = {}


def guard() -> Guard:
    """The guard of the running loop (one per daphne process; tests run a loop per case)."""
    loop = asyncio.get_running_loop()
    found = _guards.get(id(loop))
    if found is None or found.loop is not loop:  # an id is reused once its loop is gone
        for old in _guards.values():
            for task in old.tasks:
                try:
                    task.cancel()
                except RuntimeError:  # its loop is closed already
                    pass
        _guards.clear()
        found = _guards[id(loop)] = Guard()
    return found


# --- hooks for the consumer ----------------------------------------------------------

async def admit(consumer: Any) -> int | None:
    """Register an authenticated socket before it is accepted; a close code when over the cap."""
    scope = consumer.scope
    user = scope["user"]
    session = scope.get("session") if scope.get("auth_method") == "session" else None
    ticket = Ticket(
        consumer=consumer,
        user_id=user.id,
        connection_id=consumer.connection_id,
        token_id=scope.get("auth_token_id"),
        session_key=getattr(session, "session_key", None),
    )
    process = guard()
    await process.start()
    now = time.time()
    admitted = await presence._client().eval(
        ADMIT_SCRIPT, 1, _cap_key(user.id), now, now + socket_ttl(), settings.WS_MAX_SOCKETS_PER_USER,
        consumer.connection_id, socket_ttl(),
    )
    if not admitted:
        return CLOSE_TOO_MANY_SOCKETS
    process.tickets[consumer] = ticket
    return None


async def refuse(consumer: Any, code: int, subprotocol: str | None) -> None:
    """Accept, say why in a system.error frame, close with the code."""
    await consumer.accept(subprotocol)
    if code == CLOSE_TOO_MANY_SOCKETS:
        await consumer.send_error(
            "too_many_sockets", f"At most {settings.WS_MAX_SOCKETS_PER_USER} open sockets per user; close one first."
        )
    consumer.closed = True
    await consumer.close(code=code)


async def release(consumer: Any) -> None:
    """The socket is gone: forget its ticket and free its place under the cap."""
    try:
        ticket = guard().tickets.pop(consumer, None)
    except RuntimeError:  # no loop any more (a coroutine closed by the garbage collector)
        return
    if ticket is None:
        return
    try:
        await presence._client().zrem(_cap_key(ticket.user_id), ticket.connection_id)
    except Exception:  # Redis down: the entry expires
        pass


async def check_join(consumer: Any, name: str) -> None:
    """A scoped channel (`submissions:<job id>`) is for the object's owner and staff only."""
    if scoped(name) is None:
        return
    staff_power = await database_sync_to_async(scoped_access)(consumer.user, name)
    ticket = guard().tickets.get(consumer)
    if staff_power and ticket is not None:
        ticket.staff_scoped.add(name)


def scoped_access(user: Any, name: str) -> bool:
    """Raise ChannelError unless `user` may follow scoped channel `name`; True when that takes staff powers."""
    channel, _, value = scoped(name) or ("", "", "")
    owner = SCOPED[channel].owner_of(value) if channel else None
    if owner is None or (owner != user.id and not user.is_staff):
        raise ChannelError("forbidden_channel", f"{name[:80]} is followed by its owner and staff only.")
    return owner != user.id


# --- the senders: code that takes a credential away ----------------------------------

def notify(
    user_id: int,
    *,
    token_ids: list[int] | None = None,
    session_key: str | None = None,
    staff_lost: bool = False,
    inactive: bool = False,
) -> None:
    """Tell every process's guard (call after the commit). Never raises: the periodic check is the net."""
    message = {
        "user_id": user_id,
        "token_ids": list(token_ids or ()),
        "session": session_fingerprint(session_key),
        "staff_lost": staff_lost,
        "inactive": inactive,
    }
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=NOTIFY_TIMEOUT_SECONDS, socket_timeout=NOTIFY_TIMEOUT_SECONDS
        )
        with client:
            client.publish(revocations_channel(), json.dumps(message))
    except Exception as exc:
        logger.warning("realtime guard: revocation of user %s not sent (%r); the periodic check closes it", user_id, exc)


# --- the Origin of a cookie-authenticated socket -------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin such as `https://example.com:8443`, else None."""
    try:
        parsed = urlsplit(value)
        port = parsed.port
    except ValueError:
        return None
    scheme, host = parsed.scheme.lower(), (parsed.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def _request_scheme(scope: dict[str, Any], headers: dict[bytes, bytes]) -> str:
    """http(s) of the page that may open this socket: wss is https, and so is a trusted proxy's word."""
    if scope.get("scheme") == "wss":
        return "https"
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if proxy:
        name = proxy[0].removeprefix("HTTP_").lower().replace("_", "-").encode()
        if headers.get(name, b"").decode(errors="replace").split(",")[0].strip() == proxy[1]:
            return "https"
    return "http"


def origin_allowed(scope: dict[str, Any]) -> bool:
    """Cookie-authenticated sockets come from our own pages: the Origin's scheme, host AND port
    are the request's own (its Host, itself in ALLOWED_HOSTS), or a CSRF_TRUSTED_ORIGINS entry."""
    headers = dict(scope.get("headers", []))
    raw = headers.get(b"origin")
    if raw is None:
        return True  # not a browser: browsers always send Origin on WebSockets
    text = raw.decode(errors="replace")
    origin = _origin_tuple(text)
    if origin is None:
        return False
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" in trusted:
            scheme, _, netloc = trusted.partition("://")
            if origin[0] == scheme.lower() and is_same_domain(urlsplit(text).netloc.lower(), netloc.lstrip("*")):
                return True
        elif _origin_tuple(trusted) == origin:
            return True
    allowed = settings.ALLOWED_HOSTS or ([".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    scheme = _request_scheme(scope, headers)
    host = headers.get(b"x-forwarded-host") if settings.USE_X_FORWARDED_HOST else None
    host = host or headers.get(b"host")
    if host is None:  # an in-process test client: no Host to compare with; the default port only
        return origin[0] == scheme and origin[2] == DEFAULT_PORTS[scheme] and validate_host(_bracket(origin[1]), allowed)
    own = _origin_tuple(f"{scheme}://{host.decode(errors='replace').split(',')[0].strip()}")
    return own is not None and own == origin and validate_host(_bracket(own[1]), allowed)


def _bracket(host: str) -> str:
    """ALLOWED_HOSTS spells IPv6 addresses in brackets, as the Host header does."""
    return f"[{host}]" if ":" in host else host
