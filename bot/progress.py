"""Progress reporter for submission workers (the wire client of /api/worker/update-progress).

A worker (the Celery apply worker's external twin, a browser bot, a script) calls these
methods as it works through a submission job. Every call is one POST to the endpoint:

    POST {base_url}/api/worker/update-progress
    Authorization: Bearer <worker token>
    {"job_id": ..., "submission_id": ..., "status": ..., "completed": ..., "failed": ...,
     "current_target": ..., "error_message": ...}

Reporting must never break the work it reports on, so no method raises: each returns
True when the server accepted the update and False otherwise (the reason is kept in
``last_error``). The server treats a repeated update as a no-op, which makes retrying
safe: network errors, timeouts, 429 and 5xx answers are retried with exponential
backoff; other 4xx answers (bad token, impossible transition) are final.

This module imports nothing from Django: it runs on machines without the project.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import requests

__all__ = ["ProgressReporter", "UPDATE_PROGRESS_PATH"]

UPDATE_PROGRESS_PATH = "/api/worker/update-progress"

logger = logging.getLogger(__name__)

_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class ProgressReporter:
    """Reports a submission job's progress to Jobelix; idempotent updates, safe retries."""

    def __init__(
        self,
        base_url: str,
        worker_token: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = base_url.rstrip("/") + UPDATE_PROGRESS_PATH
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._session = session or requests.Session()
        self._headers = {
            "Authorization": f"Bearer {worker_token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._sleep = sleep
        self.last_error: str | None = None
        self.last_response: dict | None = None

    # -- the reporting vocabulary (mirrors the spec's ProgressReporter) ---------------

    def report_job_started(self, job_id: Any) -> bool:
        return self.send({"job_id": job_id, "status": "in_progress"})

    def report_submission_started(self, job_id: Any, submission_id: Any, target_name: str) -> bool:
        return self.send(
            {
                "job_id": job_id,
                "submission_id": submission_id,
                "status": "submitting",
                "current_target": target_name,
            }
        )

    def report_submission_success(
        self, job_id: Any, submission_id: Any, completed: int, failed: int
    ) -> bool:
        return self.send(
            {
                "job_id": job_id,
                "submission_id": submission_id,
                "status": "submitted",
                "completed": completed,
                "failed": failed,
            }
        )

    def report_submission_failed(
        self, job_id: Any, submission_id: Any, error_message: str, completed: int, failed: int
    ) -> bool:
        return self.send(
            {
                "job_id": job_id,
                "submission_id": submission_id,
                "status": "failed",
                "error_message": error_message,
                "completed": completed,
                "failed": failed,
            }
        )

    def report_progress(
        self, job_id: Any, completed: int, failed: int, current_target: str | None = None
    ) -> bool:
        payload = {"job_id": job_id, "status": "in_progress", "completed": completed, "failed": failed}
        if current_target is not None:
            payload["current_target"] = current_target
        return self.send(payload)

    def report_job_completed(self, job_id: Any, completed: int, failed: int) -> bool:
        return self.send({"job_id": job_id, "status": "completed", "completed": completed, "failed": failed})

    def report_job_failed(
        self,
        job_id: Any,
        error_message: str,
        completed: int | None = None,
        failed: int | None = None,
    ) -> bool:
        payload = {"job_id": job_id, "status": "failed", "error_message": error_message}
        if completed is not None:
            payload["completed"] = completed
        if failed is not None:
            payload["failed"] = failed
        return self.send(payload)

    # -- transport -------------------------------------------------------------------

    def send(self, payload: dict) -> bool:
        """POST one update; retry what may succeed later; never raise."""
        try:
            body = {key: _wire_value(value) for key, value in payload.items()}
        except Exception as exc:  # a caller passed something unserialisable
            return self._give_up(f"bad payload: {exc}")
        attempt = 0
        while True:
            retryable, error = self._post_once(body)
            if error is None:
                self.last_error = None
                return True
            if not retryable or attempt >= self.max_retries:
                return self._give_up(error)
            delay = min(self.max_backoff, self.backoff * (2**attempt))
            logger.info("progress update failed (%s); retry %d in %.2fs", error, attempt + 1, delay)
            attempt += 1
            self._sleep(delay)

    def _post_once(self, body: dict) -> tuple[bool, str | None]:
        """Return (retryable, error); error None means accepted."""
        try:
            response = self._session.post(self.url, json=body, headers=self._headers, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            return True, f"network error: {exc.__class__.__name__}: {exc}"
        except Exception as exc:  # invalid URL, TLS setup and the like: retrying won't help
            return False, f"request error: {exc.__class__.__name__}: {exc}"
        try:
            self.last_response = response.json()
        except ValueError:
            self.last_response = None
        if 200 <= response.status_code < 300:
            return False, None
        detail = (self.last_response or {}).get("error") if isinstance(self.last_response, dict) else None
        error = f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
        return response.status_code in _RETRYABLE_STATUS, error

    def _give_up(self, error: str) -> bool:
        self.last_error = error
        logger.warning("progress update not delivered: %s", error)
        return False

    def close(self) -> None:
        try:
            self._session.close()
        except Exception:
            pass

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _wire_value(value: Any) -> Any:
    """Ids may be UUIDs or ints; send them as JSON scalars."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
