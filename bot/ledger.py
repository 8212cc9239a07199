"""A local record of submitted applications, next to the tailored resumes.

The server's list is the main "never twice" guard; this file keeps the guard
when the server cannot be reached, and remembers applications the server has
not heard of yet so the next run can record them.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from .api import normalize_url


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.entries: list[dict] = []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = [e for e in data.get("applied", []) if isinstance(e, dict) and e.get("job_url")]
        except (OSError, ValueError, AttributeError):
            self.entries = []

    def has(self, job_url: str) -> bool:
        url = normalize_url(job_url)
        return any(normalize_url(e["job_url"]) == url for e in self.entries)

    def applied_today(self) -> int:
        today = date.today().isoformat()
        return sum(1 for e in self.entries if str(e.get("applied_at", "")).startswith(today))

    def add(self, job, synced: bool, confirmation: str = "") -> None:
        self.entries.append({
            "job_url": job.url, "job_title": job.title, "company": job.company, "location": job.location,
            "description": job.description[:4000], "confirmation": confirmation, "synced": synced,
            "applied_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "applied_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        })
        self.save()

    def pending(self) -> list[dict]:
        return [e for e in self.entries if not e.get("synced")]

    def mark_synced(self, job_url: str) -> None:
        for entry in self.entries:
            if entry["job_url"] == job_url:
                entry["synced"] = True
        self.save()

    def save(self) -> None:
        """Atomic write, so a killed bot never leaves a half-written ledger."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ledger-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"applied": self.entries}, fh, indent=1)
        os.replace(tmp, self.path)
