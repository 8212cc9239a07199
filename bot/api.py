"""Client for the Jobelix server's REST API (profile, what was applied, recording applications).

Never raises: every call returns None/False on trouble and keeps the reason in
`last_error`, so a dead or slow server cannot crash a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import requests

from .sites.base import JobDetails


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
    def __init__(self, server: str, token: str, timeout: float = 10, session: requests.Session | None = None):
        self.server = server.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = session or requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
        self.last_error = ""

    def _call(self, method: str, path: str, **kwargs) -> requests.Response | None:
        try:
            response = self.http.request(method, f"{self.server}{path}", timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            self.last_error = f"{method} {path}: server unreachable ({exc.__class__.__name__})"
            return None
        if response.status_code >= 400 and response.status_code != 409:
            self.last_error = f"{method} {path}: HTTP {response.status_code} {response.text[:200]}"
        return response

    @staticmethod
    def _json(response: requests.Response | None) -> dict | None:
        if response is None:
            return None
        try:
            data = response.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def get_profile(self) -> dict | None:
        """The user's profile dict, or None (see last_error)."""
        response = self._call("GET", "/api/v1/profile")
        if response is None or response.status_code != 200:
            return None
        return self._json(response)

    def get_applied(self) -> AppliedInfo | None:
        """Postings the user already applied to and how many applications today, or None."""
        response = self._call("GET", "/api/v1/applications/applied")
        data = self._json(response) if response is not None and response.status_code == 200 else None
        if data is None:
            return None
        urls = {normalize_url(u) for u in data.get("job_urls") or [] if isinstance(u, str) and u}
        try:
            today = int(data.get("applied_today") or 0)
        except (TypeError, ValueError):
            today = 0
        return AppliedInfo(urls, today)

    def record_application(self, job: JobDetails, source: str = "bot") -> bool:
        """Store the posting (idempotent by job_url) and an `applied` application for it."""
        response = self._call("POST", "/api/v1/jobs", json={
            "company": job.company, "job_title": job.title, "job_description": job.description,
            "job_url": job.url, "location": job.location, "source": source,
        })
        data = self._json(response)
        if response is None or response.status_code not in (200, 201) or not data or "id" not in data:
            return False
        response = self._call("POST", "/api/v1/applications", json={"job_id": data["id"], "status": "applied"})
        if response is None:
            return False
        if response.status_code in (200, 201):
            return True
        if response.status_code == 409:
            existing = (self._json(response) or {}).get("application_id")
            if existing is None:
                return False
            update = self._call("POST", f"/api/v1/applications/{existing}/status", json={"status": "applied"})
            # The application exists either way; a refused status change (already applied) is fine.
            return update is not None and update.status_code < 500
        return False
