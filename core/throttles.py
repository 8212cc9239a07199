"""Rate limits on API writes (docs/security.md "Throttles"): per token, and per user.

A write past its rate answers 429 with Retry-After and `{"error": ...}` (DRF's Throttled,
turned into JSON by core.api). Reads are not throttled here. Rates are the setting
API_THROTTLE_RATES, read on every request (so tests and operators can change them).

Counting: each budget is a sliding window in the default cache's Redis (a sorted set of
request times), checked and counted by one Lua script (`WINDOW_SCRIPT`) in one round
trip. It is atomic, so concurrent requests cannot undercount (DRF's stock
SimpleRateThrottle reads the history and writes it back: two round trips and a race).
The fast paths (realtime.fasthttp) run the same script on an async client, with all of
a view's budgets in one call. When Redis is unreachable the request is let through
rather than refused, because losing Redis must not stop bots or workers.
"""
from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from core import resp

logger = logging.getLogger(__name__)

# KEYS: the windows. ARGV[1]: now (ms); ARGV[2]: this request's member; then for each key
# its limit and its length (ms). Counts the request in every window, or in none when one is
# full. Returns, per window, -1 (room) or the ms until its oldest request leaves it.
WINDOW_SCRIPT = """
local now = tonumber(ARGV[1])
local waits, full = {}, false
for i, key in ipairs(KEYS) do
  local limit, length = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - length)
  waits[i] = -1
  if redis.call('ZCARD', key) >= limit then
    full = true
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
    waits[i] = oldest and (tonumber(oldest) + length - now) or length
  end
end
if not full then
  for i, key in ipairs(KEYS) do
    redis.call('ZADD', key, now, ARGV[2])
    redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]))
  end
end
return waits
"""


@dataclass(frozen=True)
class Window:
    """One budget for one caller: its Redis key, how many requests, over how many seconds."""

    key: str
    limit: int
    seconds: int


@dataclass(frozen=True)
class Counted:
    """A request counted in some windows, so it can be given back (realtime.fasthttp)."""

    keys: tuple[str, ...]
    member: str


def _script_args(windows: list[Window]) -> tuple[list[str], list[Any], str]:
    member = f"{time.time_ns()}-{secrets.token_hex(4)}"
    args: list[Any] = [int(time.time() * 1000), member]
    for window in windows:
        args += [window.limit, window.seconds * 1000]
    return [window.key for window in windows], args, member


def _sync_client() -> Any:
    return caches["default"]._cache.get_client(write=True)  # type: ignore[attr-defined]  # RedisCache's redis-py client


def count(windows: list[Window]) -> tuple[Counted | None, list[float]]:
    """Count a request in `windows` (all or none). Returns what was counted and, per window,
    the seconds to wait (0 when it had room); nothing counted and no wait when Redis is away."""
    if not windows:
        return Counted((), ""), []
    keys, args, member = _script_args(windows)
    try:
        client = _sync_client()
        waits = client.register_script(WINDOW_SCRIPT)(keys=keys, args=args, client=client)
    except (RedisError, OSError) as exc:
        logger.warning("throttles: cache unreachable (%s), request let through", exc)
        return Counted((), ""), []
    return _result(keys, member, waits)


def give_back(counted: Counted) -> None:
    """Undo `count`, for a request Django answers after all (and counts itself)."""
    if not counted.keys:
        return
    try:
        client = _sync_client()
        with client.pipeline(transaction=False) as pipe:
            for key in counted.keys:
                pipe.zrem(key, counted.member)
            pipe.execute()
    except (RedisError, OSError):
        pass  # the cache is away: the count leaves with its window


def _redis() -> tuple[str, dict[str, float]]:
    """The default cache's Redis and its timeouts, for core.resp on the running loop."""
    cache = settings.CACHES["default"]
    options = cache.get("OPTIONS", {})
    return cache["LOCATION"], {"connect_timeout": options.get("socket_connect_timeout", 2),
                               "timeout": options.get("socket_timeout", 5)}


async def acount(windows: list[Window]) -> tuple[Counted | None, list[float]]:
    """`count` on the event loop, in one round trip."""
    if not windows:
        return Counted((), ""), []
    keys, args, member = _script_args(windows)
    url, options = _redis()
    try:
        waits = await resp.run_script(url, WINDOW_SCRIPT, keys, args, **options)
    except (RedisError, OSError) as exc:
        logger.warning("throttles: cache unreachable (%s), request let through", exc)
        return Counted((), ""), []
    return _result(keys, member, waits)


async def agive_back(counted: Counted) -> None:
    """`give_back` on the event loop."""
    if not counted.keys:
        return
    url, options = _redis()
    try:
        await resp.execute(url, [("ZREM", key, counted.member) for key in counted.keys], **options)
    except (RedisError, OSError):
        pass


def _result(keys: list[str], member: str, waits: list[int]) -> tuple[Counted | None, list[float]]:
    seconds = [max(int(wait), 0) / 1000 for wait in waits]
    if any(wait >= 0 for wait in waits):
        return None, seconds
    return Counted(tuple(keys), member), seconds


class WriteThrottle(SimpleRateThrottle):
    """Every write of one token (or, on a session, of one user) at the `write` rate."""

    scope = "write"
    cache_format = "throttle-window:%(scope)s:%(ident)s"  # a sorted set (not DRF's pickled list)

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES[self.scope]

    def ident_of(self, request: Request) -> str | None:
        token = getattr(request, "auth", None)  # the ApiToken of a token request (accounts.auth)
        if token is not None:
            return f"token:{token.pk}"
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return None  # anonymous writes are refused before throttling (TokenScopes)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.method in SAFE_METHODS:
            return None
        ident = self.ident_of(request)
        return None if ident is None else self.cache_format % {"scope": self.scope, "ident": ident}

    def window(self, request: Request) -> Window | None:
        """This budget for this request, or None when it is not counted (a read, no rate)."""
        self.rate = self.get_rate()
        if self.rate is None:
            return None
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, None)
        if key is None or self.num_requests is None or self.duration is None:
            return None
        return Window(caches["default"].make_key(key), self.num_requests, self.duration)

    def allow_request(self, request: Request, view: Any) -> bool:
        window = self.window(request)
        if window is None:
            return True
        counted, waits = count([window])
        self.seconds_to_wait = waits[0] if counted is None else 0.0
        return counted is not None

    def wait(self) -> float | None:
        return math.ceil(self.seconds_to_wait) or 1


def windows_of(throttle_classes: Iterable[type[BaseThrottle]], request: Any) -> list[Window]:
    """The budgets a view's throttles would count `request` in (for the fast paths, which
    know only these windows: a view with another kind of throttle is a programming error)."""
    windows = []
    for throttle_class in throttle_classes:
        if not issubclass(throttle_class, WriteThrottle):
            raise TypeError(f"{throttle_class.__name__}: the fast paths count WriteThrottle windows only")
        window = throttle_class().window(request)
        if window is not None:
            windows.append(window)
    return windows


class UserWriteThrottle(WriteThrottle):
    """Every write of one user, over all their tokens and sessions, at the `write_user` rate."""

    scope = "write_user"

    def ident_of(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return None


class HeartbeatThrottle(WriteThrottle):
    """Bot heartbeats, per token, at the `heartbeat` rate (bots heartbeat every few seconds)."""

    scope = "heartbeat"


class ProgressThrottle(WriteThrottle):
    """Worker progress reports, per token, at the `progress` rate (one per submission step)."""

    scope = "progress"
