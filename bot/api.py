"""Client for the Jobelix server's REST API (profile, what was applied, recording applications).

Never raises: every call returns None/False on trouble and keeps the reason in
`last_error`, so a dead or slow server cannot crash a run. The transport
(timeouts, retries, the Bearer header, the JSON error body) is
:class:`bot.http_client.JsonClient`; every call here is safe to retry (see each method).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from .http_client import JsonClient, Result, Retry
from .sites.base import JobDetails

logger = logging.getLogger("bot.api")
# Two retries (0.5 s, then 1 s): a run asks this client a handful of times, not on every step.
API_RETRY = Retry(retries=2, backoff=0.5)


def normalize_url(url: str) -> str:
    """One spelling per posting: lower-case scheme and host, no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


@dataclass
class AppliedInfo:
    job_urls: set[str] = field(default_factory=set)
    applied_today: int = 0


class JobelixAPI:
    """The bot's REST calls with its `bot` token; `retry` replaces API_RETRY (tests pass a faster one)."""

    def __init__(self, server: str, token: str, timeout: float = 10, session: requests.Session | None = None,
                 *, retry: Retry | None = None):
        self.server = server.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._http = JsonClient(self.server, token, timeout=timeout, retry=retry or API_RETRY, session=session,
                                logger=logger)
        self.last_error = ""

    def _call(self, method: str, path: str, payload: Any = None) -> Result:
        """Every call of this client is idempotent (see each method), so each may be retried."""
        result = self._http.call(method, path, payload, idempotent=True)
        if not result.answered:
            self.last_error = f"{method} {path}: server unreachable ({result.error})"
        elif not result.ok and result.status != 409:
            self.last_error = f"{method} {path}: {result.error}"
        return result

    def get_profile(self) -> dict | None:
        """The user's profile dict, or None (see last_error). A GET: safe to retry."""
        result = self._call("GET", "/api/v1/profile")
        return result.data if result.status == 200 and isinstance(result.data, dict) else None

    def get_applied(self) -> AppliedInfo | None:
        """Postings the user already applied to and how many applications today, or None. A GET."""
        result = self._call("GET", "/api/v1/applications/applied")
        data = result.data if result.status == 200 and isinstance(result.data, dict) else None
        if data is None:
            return None
        urls = {normalize_url(u) for u in data.get("job_urls") or [] if isinstance(u, str) and u}
        try:
            today = int(data.get("applied_today") or 0)
        except (TypeError, ValueError):
            today = 0
        return AppliedInfo(urls, today)

    def record_application(self, job: JobDetails, source: str = "bot") -> bool:
        """Store the posting and an `applied` application for it.

        Each step is safe to retry: `POST /jobs` is idempotent by job_url; a second
        `POST /applications` answers 409 with the existing id, which is then moved
        to `applied`, and moving it to `applied` twice changes nothing.
        """
        result = self._call("POST", "/api/v1/jobs", {
            "company": job.company, "job_title": job.title, "job_description": job.description,
            "job_url": job.url, "location": job.location, "source": source,
        })
        if result.status not in (200, 201) or "id" not in result.body:
            return False
        result = self._call("POST", "/api/v1/applications", {"job_id": result.body["id"], "status": "applied"})
        if result.status in (200, 201):
            return True
        if result.status == 409:
            existing = result.body.get("application_id")
            if existing is None:
                return False
            update = self._call("POST", f"/api/v1/applications/{existing}/status", {"status": "applied"})
            # The application exists either way; a refused status change (already applied) is fine.
            return update.status is not None and update.status < 500
        return False
