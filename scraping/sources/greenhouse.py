"""Greenhouse job board API: GET {GREENHOUSE_API_BASE}/v1/boards/{token}/jobs?content=true.

Answer: {"jobs": [...], "meta": {"total": N}}. A job has id, title, updated_at,
first_published, location {name}, absolute_url and, with content=true, an
entity-escaped HTML `content`, departments [{id, name, ...}] and offices
[{id, name, location}]; with pay_transparency=true, pay_input_ranges
[{min_cents, max_cents, currency_type, title, blurb}]. The posted date is
first_published only (updated_at moves on every edit and is kept apart).
"""
from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from .base import (
    UNKNOWN,
    Location,
    NormalizedJob,
    Salary,
    SourceError,
    clean_inline,
    html_to_text,
    location_from_text,
    looks_remote,
    money,
    overall_workplace,
    parse_datetime,
    unique_locations,
)
from .richtext import description_html

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
    locations = _locations(location, raw.get("offices"))
    return NormalizedJob(
        external_id=str(raw["id"]),
        title=clean_inline(raw.get("title")),
        location=location,
        remote=looks_remote(location, *offices),
        department=next((d for d in departments if d), ""),
        url=url,
        apply_url=url,
        description=html_to_text(raw.get("content")),
        posted_at=parse_datetime(raw.get("first_published")),
        updated_at=parse_datetime(raw.get("updated_at")),
        valid_through=parse_datetime(raw.get("application_deadline")),
        description_html=description_html(raw.get("content")),
        workplace_type=overall_workplace(UNKNOWN, locations),
        locations=locations,
        salary=_salary(raw.get("pay_input_ranges")),
    )


def _locations(location: str, offices) -> tuple[Location, ...]:
    """The location string, then every office (an office's own `location` text is the richer one)."""
    found = [location_from_text(location)] if location else []
    for office in offices or []:
        if not isinstance(office, dict):
            continue
        name = clean_inline(office.get("name"))
        detail = clean_inline(office.get("location"))
        if name and looks_remote(name):
            found.append(location_from_text(name))
        elif detail or name:
            loc = location_from_text(detail or name)
            found.append(Location(name=name or loc.name, city=loc.city, region=loc.region, country=loc.country,
                                  workplace_type=loc.workplace_type))
    return unique_locations(found)


def _salary(ranges) -> Salary:
    """The first pay range (Greenhouse gives no interval: its pay ranges are yearly by convention)."""
    for pay in ranges or []:
        if not isinstance(pay, dict):
            continue
        low, high = money(pay.get("min_cents")), money(pay.get("max_cents"))
        if low is None and high is None:
            continue
        text = " ".join(clean_inline(html_to_text(str(pay[k]))) for k in ("title", "blurb") if pay.get(k))
        return Salary(
            min=low / 100 if low is not None else None,
            max=high / 100 if high is not None else None,
            currency=clean_inline(pay.get("currency_type")).upper()[:3],
            interval="year",
            text=text.strip(),
        )
    return Salary()


async def fetch(fetcher, token: str) -> list[NormalizedJob]:
    return parse(await fetcher.get_json(board_url(token), params={"content": "true", "pay_transparency": "true"}))
