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
backoff; other 4xx answers (bad token, impossible transition) are final. A worker
is not a user's bot loop, and a lost "completed" would leave the job open, so
updates are retried even while the server looks down (``Retry.while_down``).
The transport is :class:`bot.http_client.JsonClient`.

This module imports nothing from Django: it runs on machines without the project.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

import requests

from .http_client import JsonClient, Retry

__all__ = ["ProgressReporter", "UPDATE_PROGRESS_PATH"]

UPDATE_PROGRESS_PATH = "/api/worker/update-progress"

logger = logging.getLogger(__name__)


class ProgressReporter:
    """Reports a submission job's progress to Jobelix; idempotent updates, safe retries."""

    def __init__(
        self,
        base_url: str | None = None,
        worker_token: str | None = None,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # A DirectoryBolt-style worker configures itself from its environment (the spec's names).
        base_url = base_url or os.environ.get("API_URL", "")
        worker_token = worker_token or os.environ.get("WORKER_AUTH_TOKEN", "")
        if not base_url or not worker_token:
            raise ValueError("ProgressReporter needs base_url and worker_token, or API_URL and "
                             "WORKER_AUTH_TOKEN in the environment.")
        self.url = base_url.rstrip("/") + UPDATE_PROGRESS_PATH
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._http = JsonClient(
            base_url, worker_token, timeout=timeout, session=session, sleep=sleep, logger=logger,
            retry=Retry(retries=self.max_retries, backoff=backoff, max_backoff=max_backoff, while_down=True),
        )
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

    # The spec's (TypeScript) name for report_progress, so its worker code ports line for line.
    reportDirectoryProgress = report_progress

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
        """POST one update; retry what may succeed later; never raise.

        Retried: the server takes a repeated update as a no-op (same status,
        counters that do not go down), so a retry after a lost answer is harmless.
        """
        try:
            body = {key: _wire_value(value) for key, value in payload.items()}
        except Exception as exc:  # a caller passed something unserialisable
            return self._give_up(f"bad payload: {exc}")
        result = self._http.call("POST", UPDATE_PROGRESS_PATH, body, idempotent=True)
        self.last_response = result.data if result.answered else None
        if result.ok:
            self.last_error = None
            return True
        return self._give_up(result.error or "unknown error")

    def _give_up(self, error: str) -> bool:
        self.last_error = error
        logger.warning("progress update not delivered: %s", error)
        return False

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _wire_value(value: Any) -> Any:
    """Ids may be UUIDs or ints; send them as JSON scalars."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
