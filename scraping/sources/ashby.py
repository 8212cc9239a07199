"""Ashby posting API: GET {ASHBY_API_BASE}/posting-api/job-board/{name}.

Answer: {"apiVersion": "1", "jobs": [...]}. A job has id (UUID), title,
location, department, team, isListed, isRemote, workplaceType
(OnSite | Remote | Hybrid), descriptionHtml / descriptionPlain, publishedAt,
jobUrl and applyUrl. Unlisted jobs are dropped; workplaceType wins over
isRemote where they disagree.
"""
from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from .base import NormalizedJob, SourceError, clean_inline, html_to_text, parse_datetime

SOURCE = "ashby"


def board_url(name: str) -> str:
    base = str(settings.ASHBY_API_BASE).rstrip("/")
    return f"{base}/posting-api/job-board/{quote(name.strip(), safe='')}"


def parse(payload) -> list[NormalizedJob]:
    if not isinstance(payload, dict) or not isinstance(payload.get("jobs"), list):
        raise SourceError("Ashby answer has no 'jobs' list")
    return [
        _job(raw)
        for raw in payload["jobs"]
        if isinstance(raw, dict) and raw.get("id") and raw.get("isListed", True) is not False
    ]


def _job(raw: dict) -> NormalizedJob:
    workplace = raw.get("workplaceType")
    remote = workplace == "Remote" if workplace else bool(raw.get("isRemote"))
    description = html_to_text(raw.get("descriptionHtml")) or (raw.get("descriptionPlain") or "").strip()
    job_url = raw.get("jobUrl") or ""
    return NormalizedJob(
        external_id=str(raw["id"]),
        title=clean_inline(raw.get("title")),
        location=clean_inline(raw.get("location")),
        remote=remote,
        department=clean_inline(raw.get("department") or raw.get("team")),
        url=job_url,
        apply_url=raw.get("applyUrl") or job_url,
        description=description,
        posted_at=parse_datetime(raw.get("publishedAt")),
    )


async def fetch(fetcher, name: str) -> list[NormalizedJob]:
    return parse(await fetcher.get_json(board_url(name)))
