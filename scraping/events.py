"""The events scraping publishes (all global: user None), their schemas and payload builders.

`scraping.run_updated` and `scraping.company_updated` move the live panel on /scraping/;
`posting.created` announces each newly scraped posting (`posting_id` is a JobPosting:
`job.created` / `job_id` belong to the tracker's Job). The API returns runs and company
scrapes in the same shapes (scraping.selectors).

What everyone receives (every event, and the API and page for non-staff) names no staff
member and quotes no address: `started_by` is "staff" for a run a staff member started,
and URLs and IP addresses in errors are hidden. The full values (`staff=True`) are only
for the staff's API answers and page (docs/security.md "Scraping events").
"""
from __future__ import annotations

import re
from typing import Any, NotRequired, TypedDict

from core.wire import iso
from realtime.catalogue import (
    BOOL,
    INT,
    NULLABLE_NUMBER,
    NULLABLE_STR,
    NULLABLE_WIRE_TIME,
    NUMBER,
    STR,
    WIRE_TIME,
    event_type,
    obj,
)
from scraping.models import Company, CompanyScrape, JobPosting, ScrapeRun


class CompanyCounts(TypedDict):
    """A run's company scrapes counted by outcome (selectors.company_counts)."""

    total: int
    done: int
    failed: int
    completed: NotRequired[int]


def _enum(choices: type[Any]) -> dict[str, Any]:
    return {"type": "string", "enum": list(choices.values)}


RUN_SCHEMA = obj({
    "run_id": INT,
    "status": _enum(ScrapeRun.Status),
    "active": BOOL,
    "progress": NUMBER,
    "current_stage": STR,
    "started_at": NULLABLE_WIRE_TIME,
    "ended_at": NULLABLE_WIRE_TIME,
    "created_at": WIRE_TIME,
    "duration_seconds": NULLABLE_NUMBER,
    "jobs_found": INT,
    "jobs_new": INT,
    "error": STR,
    "companies_total": INT,
    "companies_done": INT,
    "companies_failed": INT,
    "error_rate": NUMBER,
    "started_by": NULLABLE_STR,
    "stop_requested": BOOL,
    "cleared": BOOL,
})

COMPANY_SCHEMA = obj({
    "run_id": INT,
    "company_id": INT,
    "company": STR,
    "source": _enum(Company.Source),
    "status": _enum(CompanyScrape.Status),
    "jobs_found": INT,
    "error": STR,
    "duration_seconds": NULLABLE_NUMBER,
})

POSTING_SCHEMA = obj({
    "posting_id": INT,
    "company": STR,
    "job_title": STR,
    "location": STR,
    "source": _enum(Company.Source),
})

RUN_UPDATED = event_type(
    "scraping.run_updated", "scraping", RUN_SCHEMA,
    "A scrape run changed (queued, progress, stage, finished, reset); the whole run.",
)
COMPANY_UPDATED = event_type(
    "scraping.company_updated", "scraping", COMPANY_SCHEMA,
    "One company of a run changed (running, completed, failed, skipped).",
)
POSTING_CREATED = event_type(
    "posting.created", "jobs", POSTING_SCHEMA,
    "A scrape found a new job posting (global; `posting_id` is a scraped JobPosting).",
)


STARTED_BY_STAFF = "staff"
HIDDEN_ADDRESS = "[address hidden]"
# Linear: a literal scheme or a bounded dotted quad, then a run up to the next space.
_ADDRESS = re.compile(r"(?:https?|wss?|ftp)://\S+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b", re.IGNORECASE)


def without_addresses(text: str) -> str:
    """Scraping errors quote what was fetched (career pages, internal hosts): hide it from non-staff."""
    return _ADDRESS.sub(HIDDEN_ADDRESS, text)


def _started_by(run: ScrapeRun, staff: bool) -> str | None:
    if not run.started_by_id:
        return None  # the schedule started it
    return run.started_by.get_username() if staff and run.started_by else STARTED_BY_STAFF


def run_payload(run: ScrapeRun, counts: CompanyCounts, *, staff: bool = False) -> dict[str, Any]:
    """A run as `scraping.run_updated` carries it and the API returns it (`staff`: the full values)."""
    total, failed, done = counts["total"] or 0, counts["failed"] or 0, counts["done"] or 0
    return {
        "run_id": run.pk,
        "status": run.status,
        "active": run.status in ScrapeRun.ACTIVE_STATUSES,
        "progress": round(run.progress, 1),
        "current_stage": run.current_stage,
        "started_at": iso(run.started_at),
        "ended_at": iso(run.ended_at),
        "created_at": iso(run.created_at),
        "duration_seconds": run.duration_seconds(),
        "jobs_found": run.jobs_found,
        "jobs_new": run.jobs_new,
        "error": run.error if staff else without_addresses(run.error),
        "companies_total": total,
        "companies_done": done,
        "companies_failed": failed,
        "error_rate": round(failed / done, 3) if done else 0.0,
        "started_by": _started_by(run, staff),
        "stop_requested": run.stop_requested_at is not None,
        "cleared": run.cleared_at is not None,
    }


def company_payload(cs: CompanyScrape, *, staff: bool = False) -> dict[str, Any]:
    """A company's part of a run, as `scraping.company_updated` carries it (`staff`: the full error)."""
    return {
        "run_id": cs.run_id,
        "company_id": cs.company_id,
        "company": cs.company.name,
        "source": cs.company.source,
        "status": cs.status,
        "jobs_found": cs.jobs_found,
        "error": cs.error if staff else without_addresses(cs.error),
        "duration_seconds": round(cs.duration_seconds, 2) if cs.duration_seconds is not None else None,
    }


def posting_payload(posting: JobPosting, company: Company) -> dict[str, Any]:
    """A new posting, as `posting.created` carries it."""
    return {
        "posting_id": posting.pk,
        "company": company.name,
        "job_title": posting.title,
        "location": posting.location,
        "source": company.source,
    }
