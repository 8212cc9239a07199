"""Greenhouse job board API: GET {GREENHOUSE_API_BASE}/v1/boards/{token}/jobs?content=true.

Answer: {"jobs": [...], "meta": {"total": N}}. A job has id, title, updated_at,
first_published, location {name}, absolute_url and, with content=true, an
entity-escaped HTML `content`, departments [{id, name, ...}] and offices.
"""
from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from .base import NormalizedJob, SourceError, clean_inline, html_to_text, looks_remote, parse_datetime

SOURCE = "greenhouse"


def board_url(token: str) -> str:
    base = str(settings.GREENHOUSE_API_BASE).rstrip("/")
    return f"{base}/v1/boards/{quote(token.strip(), safe='')}/jobs"


def parse(payload) -> list[NormalizedJob]:
    if not isinstance(payload, dict) or not isinstance(payload.get("jobs"), list):
        raise SourceError("Greenhouse answer has no 'jobs' list")
    return [_job(raw) for raw in payload["jobs"] if isinstance(raw, dict) and raw.get("id") is not None]


def _job(raw: dict) -> NormalizedJob:
    location = clean_inline((raw.get("location") or {}).get("name"))
    offices = [clean_inline(o.get("name")) for o in raw.get("offices") or [] if isinstance(o, dict)]
    departments = [clean_inline(d.get("name")) for d in raw.get("departments") or [] if isinstance(d, dict)]
    url = raw.get("absolute_url") or ""
    return NormalizedJob(
        external_id=str(raw["id"]),
        title=clean_inline(raw.get("title")),
        location=location,
        remote=looks_remote(location, *offices),
        department=next((d for d in departments if d), ""),
        url=url,
        apply_url=url,
        description=html_to_text(raw.get("content")),
        posted_at=parse_datetime(raw.get("first_published") or raw.get("updated_at")),
    )


async def fetch(fetcher, token: str) -> list[NormalizedJob]:
    return parse(await fetcher.get_json(board_url(token), params={"content": "true"}))
