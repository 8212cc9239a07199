"""A lean Redis connection for the commands every heartbeat sends: the throttle's script
(core.throttles) and the live PUBLISH (realtime.live).

redis-py's asyncio client spent ~0.15 ms of CPU on each of those (pool checkout, retry
wrapper, a task per timeout, its parser), a quarter of a fast-path heartbeat's own
time (docs/performance.md). Here one connection per event loop and URL writes each
command the moment it is called and matches replies to callers in order (RESP2), so
concurrent requests share round trips without a lock. Everything else keeps redis-py.

Errors are redis-py's: `ConnectionError` when the connection cannot be made, breaks or
a reply is later than `timeout` (the connection is then dropped, and the next call
makes a new one), `ResponseError` for an error reply.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import ssl
from collections import deque
from typing import Any

from redis.asyncio.connection import SSLConnection, parse_url
from redis.exceptions import ConnectionError, NoScriptError, ResponseError

INCOMPLETE = object()
Command = tuple[Any, ...]


def encode(command: Command) -> bytes:
    parts = [b"*%d\r\n" % len(command)]
    for arg in command:
        value = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(value), value))
    return b"".join(parts)


def parse(buffer: bytearray, pos: int) -> tuple[Any, int]:
    """One RESP2 reply at `buffer[pos:]` and the position after it; INCOMPLETE, pos if not all there."""
    end = buffer.find(b"\r\n", pos)
    if end < 0:
        return INCOMPLETE, pos
    kind, line = buffer[pos], bytes(buffer[pos + 1:end])
    after = end + 2
    if kind == 43:  # +simple string
        return line.decode(), after
    if kind == 45:  # -error
        message = line.decode(errors="replace")
        return (NoScriptError if message.startswith("NOSCRIPT") else ResponseError)(message), after
    if kind == 58:  # :integer
        return int(line), after
    if kind == 36:  # $bulk string
        size = int(line)
        if size < 0:
            return None, after
        if len(buffer) < after + size + 2:
            return INCOMPLETE, pos
        return bytes(buffer[after:after + size]), after + size + 2
    if kind == 42:  # *array
        count = int(line)
        if count < 0:
            return None, after
        items = []
        for _ in range(count):
            item, after = parse(buffer, after)
            if item is INCOMPLETE:
                return INCOMPLETE, pos
            items.append(item)
        return items, after
    raise ConnectionError(f"unexpected reply from Redis: {bytes(buffer[pos:pos + 20])!r}")


class Connection(asyncio.Protocol):
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiting: deque[tuple[asyncio.Future[Any], float]] = deque()
        self.watchdog: asyncio.TimerHandle | None = None
        self.lost: Exception | None = None

    # --- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        pos = 0
        while self.waiting:
            reply, after = parse(self.buffer, pos)
            if reply is INCOMPLETE:
                break
            pos = after
            future, _ = self.waiting.popleft()
            if not future.done():
                if isinstance(reply, ResponseError):
                    future.set_exception(reply)
                else:
                    future.set_result(reply)
        del self.buffer[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(ConnectionError(f"Redis connection lost: {exc or 'closed by the server'}"))

    # --- calls --------------------------------------------------------------------------

    @property
    def usable(self) -> bool:
        return self.lost is None and self.transport is not None and not self.transport.is_closing()

    def send(self, commands: list[Command]) -> list[asyncio.Future[Any]]:
        """Write `commands` now (one write); their replies, in order."""
        if not self.usable:
            raise self.lost or ConnectionError("Redis connection closed")
        assert self.transport is not None
        self.transport.write(b"".join(encode(command) for command in commands))
        now = self.loop.time()
        futures = []
        for _ in commands:
            future = self.loop.create_future()
            self.waiting.append((future, now))
            futures.append(future)
        if self.watchdog is None:
            self.watchdog = self.loop.call_later(self.timeout, self.check)
        return futures

    def check(self) -> None:
        """Drop the connection if its oldest reply is overdue (one timer per connection)."""
        self.watchdog = None
        if not self.waiting:
            return
        if self.loop.time() - self.waiting[0][1] >= self.timeout:
            self.fail(ConnectionError(f"Redis did not answer within {self.timeout} s"))
        else:
            self.watchdog = self.loop.call_later(self.timeout, self.check)

    def fail(self, exc: Exception) -> None:
        self.lost = self.lost or exc
        if self.transport is not None:
            self.transport.abort()
        while self.waiting:
            future, _ = self.waiting.popleft()
            if not future.done():
                future.set_exception(exc)
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None


async def _open(url: str, connect_timeout: float, timeout: float) -> Connection:
    options = parse_url(url)
    loop = asyncio.get_running_loop()
    try:
        if "path" in options:
            connecting = loop.create_unix_connection(lambda: Connection(timeout), options["path"])
        else:
            context = None
            if options.get("connection_class") is SSLConnection:
                context = ssl.create_default_context()
                if str(options.get("ssl_cert_reqs", "required")).lower() in ("none", "cert_none"):
                    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            connecting = loop.create_connection(lambda: Connection(timeout), options.get("host", "localhost"),
                                                options.get("port", 6379), ssl=context)
        _, conn = await asyncio.wait_for(connecting, connect_timeout)
    except (TimeoutError, OSError) as exc:
        raise ConnectionError(f"cannot connect to Redis: {exc!r}") from exc
    setup: list[Command] = []
    if options.get("password"):
        setup.append(("AUTH", options["username"], options["password"]) if options.get("username")
                     else ("AUTH", options["password"]))
    if options.get("db"):
        setup.append(("SELECT", options["db"]))
    if setup:
        try:
            await asyncio.gather(*conn.send(setup))
        except ResponseError as exc:
            conn.fail(ConnectionError(f"Redis refused the connection: {exc}"))
            raise conn.lost from exc  # type: ignore[misc]
    return conn


_connections: dict[tuple[int, str, float, float], asyncio.Future[Connection]] = {}


async def connection(url: str, connect_timeout: float = 2.0, timeout: float = 5.0) -> Connection:
    """The running loop's connection to `url` with these timeouts (made on first use, and again
    once it broke)."""
    key = (id(asyncio.get_running_loop()), url, connect_timeout, timeout)
    opening = _connections.get(key)
    if opening is not None and opening.done():
        if not opening.cancelled() and opening.exception() is None and opening.result().usable:
            return opening.result()
        opening = None
    if opening is None:
        for stale in [k for k in _connections if k[0] != key[0]]:
            del _connections[stale]  # connections of finished loops (tests) are unusable
        opening = _connections[key] = asyncio.ensure_future(_open(url, connect_timeout, timeout))
    return await asyncio.shield(opening)


async def execute(url: str, commands: list[Command], **options: float) -> list[Any]:
    """`commands` in one round trip: their replies in order (the first error reply raises)."""
    conn = await connection(url, **options)
    replies = conn.send(commands)
    if len(replies) == 1:
        return [await replies[0]]
    return list(await asyncio.gather(*replies))


async def run_script(url: str, script: str, keys: list[str], args: list[Any], **options: float) -> Any:
    """EVALSHA, or EVAL when Redis does not have the script yet (it keeps it for the next call)."""
    sha = _sha(script)
    try:
        return (await execute(url, [("EVALSHA", sha, len(keys), *keys, *args)], **options))[0]
    except NoScriptError:
        return (await execute(url, [("EVAL", script, len(keys), *keys, *args)], **options))[0]


@functools.cache
def _sha(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()
