"""Status reporting client for the auto-apply bot.

The bot runs on the user's machine, far from the server, so everything here is
built to never take the bot down: every HTTP call has a 10 s timeout, every error
is logged and turned into a ``False`` return, and nothing raises. The transport
(timeouts, retries, the Bearer header, the JSON error body) is
:class:`bot.http_client.JsonClient`; which call may be retried is said per method.

Wire format: docs/bot-sessions.md (``/api/autoapply/bot/{start,heartbeat,complete}``).
This module imports nothing from Django: the bot ships without the server.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from .http_client import JsonClient, Result, Retry

logger = logging.getLogger("bot.reporter")

DEFAULT_API_URL = "http://127.0.0.1:8000"
DEFAULT_HEARTBEAT_INTERVAL = 45.0
REQUEST_TIMEOUT = 10
STAT_KEYS = ("jobs_found", "jobs_applied", "jobs_failed", "credits_used")
# One quick retry: the bot loop waits for these calls, and the next heartbeat carries the same news anyway.
STATUS_RETRY = Retry(retries=1, backoff=0.5)
# The periodic heartbeat tries again next interval: no retry inside one.
NO_RETRY = Retry(retries=0)
# `complete` is the run's last word and nothing comes after it to carry the news: a few tries
# with backoff (0.5, 1, 2, 4 s: at most 7.5 s of waiting, plus each try's timeout), then give up.
COMPLETE_RETRY = Retry(retries=4, backoff=0.5, max_backoff=4.0)

START_PATH = "/api/autoapply/bot/start"
HEARTBEAT_PATH = "/api/autoapply/bot/heartbeat"
COMPLETE_PATH = "/api/autoapply/bot/complete"


def heartbeat_interval_from_env(default: float = DEFAULT_HEARTBEAT_INTERVAL) -> float:
    """``JOBELIX_HEARTBEAT_INTERVAL`` in seconds; a bad or non-positive value keeps the default."""
    raw = os.environ.get("JOBELIX_HEARTBEAT_INTERVAL")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        logger.warning("[Status] Ignoring JOBELIX_HEARTBEAT_INTERVAL=%r (not a number)", raw)
        return default
    return value if value > 0 else default


class StatusReporter:
    """Reports a bot run (start, heartbeats, completion) to the Jobelix server.

    Attributes:
        session_id: the server's id for this run, set by :meth:`start_session`.
        stats: the four counters sent with every heartbeat; they only go up.
        stopped: True once the server answered a heartbeat with 409 ``stopped``:
            the user pressed Stop and the bot should wind down.
        finished: True once the server said the session is over (completed,
            failed, stale or stopped); further heartbeats are pointless.
    """

    def __init__(self, api_token: str, base_url: str | None = None,
                 heartbeat_interval: float | None = None):
        self.token = api_token
        self.base_url = (base_url or os.environ.get("JOBELIX_API_URL") or DEFAULT_API_URL).rstrip("/")
        self.session_id: str | None = None
        self.stats: dict[str, int] = dict.fromkeys(STAT_KEYS, 0)
        self.stopped = False
        self.finished = False
        self.last_error: str | None = None
        self.heartbeat_interval = (
            float(heartbeat_interval) if heartbeat_interval else heartbeat_interval_from_env()
        )
        self.last_activity: str | None = None
        self.last_details: dict[str, Any] | None = None
        self.last_heartbeat_at: float | None = None  # time.monotonic() of the last success
        self._last_attempt_at: float | None = None  # of the last heartbeat sent, even if it failed
        # The token goes in the body (the spec) and as a Bearer header (JsonClient); the server takes either.
        self._http = JsonClient(self.base_url, api_token, timeout=REQUEST_TIMEOUT, retry=STATUS_RETRY, logger=logger)
        # One lock for counters and HTTP calls: heartbeats from the background
        # thread and the main loop go out one at a time, in order.
        self._lock = threading.RLock()
        self._pulse_thread: threading.Thread | None = None
        self._pulse_stop = threading.Event()

    # -- HTTP ---------------------------------------------------------------

    def _failed(self, what: str, result: Result) -> bool:
        """Keep and log why a call failed ("409: <error>", or the network error); always False."""
        self.last_error = f"{result.status}: {result.detail}" if result.answered else result.error
        logger.warning("[Status] %s failed: %s", what, self.last_error)
        return False

    # -- lifecycle ------------------------------------------------------------

    def start_session(self, bot_version: str, platform: str) -> bool:
        """Open a session on the server (status ``starting``); True on success.

        Never retried: if an answer got lost after the server opened the session,
        a second start would meet that session as "already running" (409).
        """
        try:
            with self._lock:
                result = self._http.call("POST", START_PATH, {
                    "token": self.token, "bot_version": bot_version, "platform": platform,
                }, idempotent=False)
                if not result.ok:
                    return self._failed("start", result)
                session_id = result.body.get("session_id")
                if not session_id:
                    self.last_error = "start: no session_id in the answer"
                    logger.warning("[Status] %s", self.last_error)
                    return False
                self.session_id = str(session_id)
                self.stopped = False
                self.finished = False
                logger.info("[Status] Session started: %s", self.session_id)
                return True
        except Exception as exc:
            self.last_error = str(exc)
            logger.warning("[Status] start failed: %s", exc)
            return False

    def send_heartbeat(self, activity: str, details: dict[str, Any] | None = None) -> bool:
        """Send the current activity and stats; True when the server accepted it.

        A 409 ``{"stopped": true}`` sets :attr:`stopped` (the user pressed Stop);
        any other 409 means the session is over and sets :attr:`finished`.
        Retried once on a blip: a heartbeat carries the whole state (activity,
        stats that never go down), so the server taking it twice changes nothing.
        """
        return self._heartbeat(activity, details, STATUS_RETRY)

    def _heartbeat(self, activity: str, details: dict[str, Any] | None, retry: Retry) -> bool:
        try:
            with self._lock:
                self.last_activity = activity
                self.last_details = details
                if not self.session_id:
                    logger.debug("[Status] No session_id, skipping heartbeat %s", activity)
                    return False
                if self.finished:
                    return False
                payload: dict[str, Any] = {
                    "token": self.token,
                    "session_id": self.session_id,
                    "activity": activity,
                    "stats": dict(self.stats),
                }
                if details is not None:
                    payload["details"] = details
                self._last_attempt_at = time.monotonic()
                result = self._http.call("POST", HEARTBEAT_PATH, payload, idempotent=True, retry=retry)
                if result.ok:
                    self.last_heartbeat_at = time.monotonic()
                    logger.info("[Status] Heartbeat sent: %s", activity)
                    return True
                if result.status == 409:
                    self.finished = True
                    if result.body.get("stopped"):
                        self.stopped = True
                        logger.info("[Status] Session stopped by user - the bot should terminate")
                return self._failed(f"heartbeat {activity}", result)
        except Exception as exc:
            self.last_error = str(exc)
            logger.warning("[Status] heartbeat failed: %s", exc)
            return False

    def complete_session(self, success: bool, error_message: str | None = None) -> bool:
        """Close the session as completed/failed (``stopped`` if the user stopped it).

        Also stops the periodic heartbeat thread. True when the server accepted it.
        Retried up to four times with backoff (COMPLETE_RETRY) on a blip (no answer,
        429, 5xx); never raises. The server refuses a second completion (409), so a
        retry can never finish a session twice; a 409 on a retry means an earlier
        attempt got through and only its answer was lost.
        """
        self.stop_periodic_heartbeat()
        try:
            with self._lock:
                if not self.session_id:
                    return False
                result = self._http.call("POST", COMPLETE_PATH, {
                    "token": self.token,
                    "session_id": self.session_id,
                    "success": bool(success),
                    "error_message": error_message,
                    "final_stats": dict(self.stats),
                }, idempotent=True, retry=COMPLETE_RETRY)
                if not result.ok and not (result.status == 409 and result.attempts > 1):
                    return self._failed("complete", result)
                self.finished = True
                logger.info("[Status] Session completed: %s", "success" if success else "failed")
                return True
        except Exception as exc:
            self.last_error = str(exc)
            logger.warning("[Status] complete failed: %s", exc)
            return False

    # -- counters -------------------------------------------------------------

    def _increment(self, key: str, count: int) -> None:
        try:
            count = int(count)
        except (TypeError, ValueError):
            return
        if count <= 0:
            return  # the server rejects stats that go down; never send one
        with self._lock:
            self.stats[key] += count

    def increment_jobs_found(self, count: int = 1) -> None:
        self._increment("jobs_found", count)

    def increment_jobs_applied(self, count: int = 1) -> None:
        self._increment("jobs_applied", count)

    def increment_jobs_failed(self, count: int = 1) -> None:
        self._increment("jobs_failed", count)

    def increment_credits_used(self, count: int = 1) -> None:
        self._increment("credits_used", count)

    # -- periodic heartbeat -----------------------------------------------------

    def start_periodic_heartbeat(self, interval: float | None = None) -> None:
        """Keep the session alive while the bot is busy in a long step.

        A daemon thread re-sends the last activity (with the current stats) when
        no heartbeat went out for ``interval`` seconds (default 45 s or
        ``JOBELIX_HEARTBEAT_INTERVAL``), so the server's stale reaper (5 min)
        never closes a live run. It ends on :meth:`stop_periodic_heartbeat`,
        :meth:`complete_session`, or when the server says the session is over.
        """
        if interval:
            self.heartbeat_interval = float(interval)
        if self._pulse_thread is not None and self._pulse_thread.is_alive():
            return
        self._pulse_stop.clear()
        self._pulse_thread = threading.Thread(
            target=self._pulse, name="jobelix-heartbeat", daemon=True)
        self._pulse_thread.start()

    def stop_periodic_heartbeat(self, timeout: float = REQUEST_TIMEOUT + 1) -> None:
        self._pulse_stop.set()
        thread = self._pulse_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._pulse_thread = None

    def _pulse(self) -> None:
        interval = self.heartbeat_interval
        started = time.monotonic()
        # Wake a few times per interval so a heartbeat sent by the main loop
        # pushes the next periodic one back: at most one heartbeat per interval.
        tick = max(0.05, min(1.0, interval / 4))
        while not self._pulse_stop.wait(tick):
            if self.finished or self.stopped:
                return
            if not self.session_id or not self.last_activity:
                continue
            last = self._last_attempt_at or started
            if time.monotonic() - last < interval:
                continue
            self._heartbeat(self.last_activity, self.last_details, NO_RETRY)

    # -- convenience --------------------------------------------------------------

    def __enter__(self) -> StatusReporter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.stop_periodic_heartbeat()
        self._http.close()
