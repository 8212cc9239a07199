"""Lever postings API: GET {LEVER_API_BASE}/v0/postings/{site}?mode=json.

Answer: a bare JSON array of postings with id, text (the title), categories
{location, commitment, team, department, allLocations}, workplaceType,
description (HTML) / descriptionPlain, lists [{text, content}], additional,
hostedUrl, applyUrl, createdAt (epoch ms), country, salaryRange {currency,
interval, min, max} and salaryDescription(Plain). workplaceType is
unspecified | on-site | onsite | remote | hybrid and holds for every location.
"""
from __future__ import annotations

import html
from urllib.parse import quote

from django.conf import settings

from .base import (
    UNKNOWN,
    Location,
    NormalizedJob,
    Salary,
    SourceError,
    clean_inline,
    country_code,
    employment_type,
    html_to_text,
    location_from_text,
    looks_remote,
    money,
    overall_workplace,
    parse_datetime,
    unique_locations,
    workplace_type,
)
from .richtext import description_html

# Lever's salaryRange.interval values.
_INTERVALS = {
    "per-year-salary": "year", "per-month-salary": "month", "per-week-salary": "week",
    "per-day-wage": "day", "per-hour-wage": "hour",
}

SOURCE = "lever"


def board_url(site: str) -> str:
    base = str(settings.LEVER_API_BASE).rstrip("/")
    return f"{base}/v0/postings/{quote(site.strip(), safe='')}"


def parse(payload) -> list[NormalizedJob]:
    if not isinstance(payload, list):
        raise SourceError("Lever answer is not a list of postings")
    return [_posting(raw) for raw in payload if isinstance(raw, dict) and raw.get("id")]


def _description_html(raw: dict) -> str:
    """The whole posting body: description, each titled list, then the closing text."""
    parts = [raw.get("description") or ""]
    if not parts[0] and raw.get("descriptionPlain"):
        parts[0] = "<p>" + html.escape(raw["descriptionPlain"]) + "</p>"
    for item in raw.get("lists") or []:
        if not isinstance(item, dict):
            continue
        if item.get("text"):
            parts.append(f"<h3>{html.escape(item['text'])}</h3>")
        content = item.get("content") or ""
        parts.append(f"<ul>{content}</ul>" if "<li" in content and "<ul" not in content else content)
    parts.append(raw.get("additional") or "")
    return "\n".join(p for p in parts if p)


def _posting(raw: dict) -> NormalizedJob:
    categories = raw.get("categories") or {}
    location = clean_inline(categories.get("location"))
    explicit = workplace_type(raw.get("workplaceType"))
    remote = explicit == "remote" if explicit != UNKNOWN else looks_remote(location)
    hosted = raw.get("hostedUrl") or ""
    locations = _locations(location, categories.get("allLocations"), explicit, raw.get("country"))
    kind, kind_text = employment_type(categories.get("commitment"))
    body = _description_html(raw)
    return NormalizedJob(
        external_id=str(raw["id"]),
        title=clean_inline(raw.get("text")),
        location=location,
        remote=remote,
        department=clean_inline(categories.get("department") or categories.get("team")),
        url=hosted,
        apply_url=raw.get("applyUrl") or hosted,
        description=html_to_text(body),
        posted_at=parse_datetime(raw.get("createdAt")),
        updated_at=parse_datetime(raw.get("updatedAt")),
        description_html=description_html(body),
        workplace_type=overall_workplace(explicit, locations),
        locations=locations,
        salary=_salary(raw),
        employment_type=kind,
        employment_type_text=kind_text,
    )


def _locations(location: str, all_locations, workplace: str, country) -> tuple[Location, ...]:
    """categories.location then categories.allLocations; the posting's `country` fills a gap."""
    names = [location] + [clean_inline(n) for n in all_locations or [] if isinstance(n, str)]
    found = [location_from_text(name, workplace) for name in names if name]
    code = country_code(country) if isinstance(country, str) and country.strip() else ""
    if code and found and not found[0].country:  # `country` is the primary location's
        loc = found[0]
        found[0] = Location(name=loc.name, city=loc.city, region=loc.region, country=code,
                            remote_scope=loc.remote_scope, workplace_type=loc.workplace_type)
    return unique_locations(found)


def _salary(raw: dict) -> Salary:
    pay = raw.get("salaryRange")
    if not isinstance(pay, dict):
        pay = {}
    text = clean_inline(raw.get("salaryDescriptionPlain")) or html_to_text(raw.get("salaryDescription") or "")
    return Salary(
        min=money(pay.get("min")),
        max=money(pay.get("max")),
        currency=clean_inline(pay.get("currency")).upper()[:3],
        interval=_INTERVALS.get(str(pay.get("interval") or ""), ""),
        text=clean_inline(text),
    )


async def fetch(fetcher, site: str) -> list[NormalizedJob]:
    return parse(await fetcher.get_json(board_url(site), params={"mode": "json"}))
