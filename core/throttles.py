"""Rate limits on API writes (docs/security.md "Throttles"): per token, and per user.

A write past its rate answers 429 with Retry-After and `{"error": ...}` (DRF's Throttled,
turned into JSON by core.api). Reads are not throttled here. Rates are the setting
API_THROTTLE_RATES, read on every request (so tests and operators can change them).
Counters live in the default cache (Redis): when Redis is unreachable the request is let
through rather than refused, because losing Redis must not stop bots or workers.
"""
from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class WriteThrottle(SimpleRateThrottle):
    """Every write of one token (or, on a session, of one user) at the `write` rate."""

    scope = "write"

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

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("throttle %s: cache unreachable (%s), request let through", self.scope, exc)
            return True


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
