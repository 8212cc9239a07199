"""The one HTTP client base of the bot side (StatusReporter, ProgressReporter, JobelixAPI).

Everything the bot says to the server goes through :class:`JsonClient`, so the
rules live in one place:

- every call has a timeout and comes back as a :class:`Result`; nothing raises,
  because a dead or slow server must never take the bot (or a worker) down;
- the ``Authorization: Bearer`` header and the JSON error body
  (``{"error": ...}``) are built and parsed here only;
- a call is retried with exponential backoff only when the caller says it is
  idempotent (the server can take it twice with the same outcome) and the
  failure may heal: no answer at all, 429, or a 5xx. Other 4xx answers are final.
- a call that starts while the server is known to be down (the previous call got
  no answer, or a gateway error) is tried once unless the client's
  :class:`Retry` says ``while_down``: retries are for blips, and a bot loop must
  not crawl through an outage paying every backoff on every heartbeat.

This module imports nothing from Django (nor from ``core``): the bot ships
without the server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

__all__ = ["JsonClient", "Result", "Retry", "bearer_headers", "iso"]

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# A proxy's answer that the server behind it did not give: the server counts as down.
GATEWAY_STATUS = frozenset({502, 503, 504})
_DETAIL_CHARS = 200


def iso(value: datetime) -> str:
    """The wire time format (ISO 8601, UTC, ``Z``, milliseconds), as ``core.wire.iso``.

    Re-stated here (five lines) rather than imported, because the bot runs
    without the server's packages.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def bearer_headers(token: str | None) -> dict[str, str]:
    """The headers every bot-side call sends: JSON in, and the token as a Bearer credential."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


@dataclass(frozen=True)
class Retry:
    """How many times, and how patiently, a client retries a call that may succeed later."""

    retries: int = 2
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    max_backoff: float = 8.0
    while_down: bool = False  # also retry calls that start while the server is known to be down

    def delay(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * (2**attempt))


@dataclass
class Result:
    """What one call came to: an answer (``status``, parsed ``data``) or no answer (``status`` None).

    ``error`` is None for a 2xx answer, else one line: ``HTTP 409: <the body's
    "error">``, ``network error: ...`` (nothing came back) or ``request error: ...``
    (the call could not be made: bad URL, unserialisable payload).
    """

    status: int | None = None
    data: Any = None  # the JSON body, None when the body is not JSON
    text: str = ""  # the start of the body, for messages
    error: str | None = None
    retryable: bool = False
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body when it is an object, else ``{}``."""
        return self.data if isinstance(self.data, dict) else {}

    @property
    def detail(self) -> str:
        """Why the server said no: the JSON body's ``error``, else the start of the body."""
        message = self.body.get("error")
        return str(message) if message else self.text.strip()


class JsonClient:
    """JSON over HTTP to one server, with one token; see the module docstring for the rules."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float,
        retry: Retry | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        logger: logging.Logger | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or Retry()
        self.session = session or requests.Session()
        self.headers = bearer_headers(token)
        self.down = False  # the last call got no answer from the server
        self._sleep = sleep
        self._log = logger or logging.getLogger(__name__)

    def call(self, method: str, path: str, payload: Any = None, *, idempotent: bool,
             retry: Retry | None = None) -> Result:
        """One call, retried as the rules say (``retry`` overrides the client's policy); never raises.

        ``idempotent``: the server may get this call twice with the same outcome,
        so a retry after a lost answer is harmless. Only such calls are retried.
        """
        policy = retry or self.retry
        may_retry = idempotent and (policy.while_down or not self.down)
        attempt = 0
        while True:
            result = self._once(method, path, payload)
            result.attempts = attempt + 1
            self.down = not result.answered or result.status in GATEWAY_STATUS
            if result.ok or not (may_retry and result.retryable) or attempt >= policy.retries:
                return result
            delay = policy.delay(attempt)
            self._log.info("%s %s failed (%s); retry %d in %.2fs", method, path, result.error, attempt + 1, delay)
            attempt += 1
            try:
                self._sleep(delay)
            except Exception:  # an injected sleep must not break the never-raise promise
                pass

    def _once(self, method: str, path: str, payload: Any) -> Result:
        try:
            response = self.session.request(method, self.base_url + path, json=payload, headers=self.headers,
                                            timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            return Result(error=f"network error: {_describe(exc)}", retryable=True)
        except Exception as exc:  # invalid URL, unserialisable payload, TLS setup: retrying won't help
            return Result(error=f"request error: {_describe(exc)}")
        try:
            data = response.json()
        except ValueError:
            data = None
        result = Result(status=response.status_code, data=data, text=response.text[:_DETAIL_CHARS])
        if not 200 <= response.status_code < 300:
            detail = result.detail
            result.error = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
            result.retryable = response.status_code in RETRYABLE_STATUS
        return result

    def close(self) -> None:
        try:
            self.session.close()
        except Exception:
            pass


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
