"""Ashby posting API: GET {ASHBY_API_BASE}/posting-api/job-board/{name}?includeCompensation=true.

Answer: {"apiVersion": "1", "jobs": [...]}. A job has id (UUID), title,
location, department, team, isListed, isRemote, workplaceType
(OnSite | Remote | Hybrid), descriptionHtml / descriptionPlain, publishedAt,
jobUrl, applyUrl, employmentType (FullTime | PartTime | Intern | Contract |
Temporary), address.postalAddress, secondaryLocations [{location, address}] and
compensation {compensationTierSummary, summaryComponents [{compensationType,
interval, currencyCode, minValue, maxValue}]}. Unlisted jobs are dropped;
workplaceType wins over isRemote where they disagree (Hybrid + isRemote=true
is hybrid).
"""
from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from .base import (
    REMOTE,
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
    money,
    overall_workplace,
    parse_datetime,
    unique_locations,
    workplace_type,
)
from .richtext import description_html

_INTERVALS = {"1 YEAR": "year", "1 MONTH": "month", "1 WEEK": "week", "1 DAY": "day", "1 HOUR": "hour"}

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
    explicit = workplace_type(workplace) if workplace else (REMOTE if raw.get("isRemote") else UNKNOWN)
    description = html_to_text(raw.get("descriptionHtml")) or (raw.get("descriptionPlain") or "").strip()
    rich = description_html(raw.get("descriptionHtml")) or description_html(raw.get("descriptionPlain"))
    job_url = raw.get("jobUrl") or ""
    locations = _locations(raw, explicit)
    kind, kind_text = employment_type(raw.get("employmentType"))
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
        updated_at=parse_datetime(raw.get("updatedAt")),
        description_html=rich,
        workplace_type=overall_workplace(explicit, locations),
        locations=locations,
        salary=_salary(raw.get("compensation")),
        employment_type=kind,
        employment_type_text=kind_text,
    )


def _place(name, address, workplace: str) -> Location | None:
    """A location name with its postalAddress (the address's parts win over reading the name)."""
    text = clean_inline(name)
    postal = (address or {}).get("postalAddress") if isinstance(address, dict) else None
    loc = location_from_text(text, workplace) if text else None
    if isinstance(postal, dict):
        city = clean_inline(postal.get("addressLocality"))
        region = clean_inline(postal.get("addressRegion"))
        country = country_code(postal.get("addressCountry"))
        return Location(
            name=text or ", ".join(p for p in (city, region, country) if p),
            city=city, region=region, country=country or (loc.country if loc else ""),
            remote_scope=loc.remote_scope if loc else "",
            workplace_type=loc.workplace_type if loc else workplace,
        )
    return loc


def _locations(raw: dict, explicit: str) -> tuple[Location, ...]:
    # A location named "Remote ..." is remote whatever the job's type (per location, as Ashby lists it).
    primary = _place(raw.get("location"), raw.get("address"), explicit)
    found = [primary] if primary else []
    for extra in raw.get("secondaryLocations") or []:
        if isinstance(extra, dict):
            place = _place(extra.get("location"), extra.get("address"), explicit)
            if place:
                found.append(place)
    return unique_locations(found)


def _salary(compensation) -> Salary:
    """The salary component of the summary; the tier summary text is kept whatever it holds."""
    if not isinstance(compensation, dict):
        return Salary()
    text = clean_inline(compensation.get("compensationTierSummary") or compensation.get("scrapeableCompensationSalarySummary"))
    components = [c for c in compensation.get("summaryComponents") or [] if isinstance(c, dict)]
    for tier in compensation.get("compensationTiers") or []:
        if isinstance(tier, dict):
            components.extend(c for c in tier.get("components") or [] if isinstance(c, dict))
    salary = next((c for c in components if str(c.get("compensationType", "")).lower() == "salary"), None)
    if salary is None:
        return Salary(text=text)
    return Salary(
        min=money(salary.get("minValue")),
        max=money(salary.get("maxValue")),
        currency=clean_inline(salary.get("currencyCode")).upper()[:3],
        interval=_INTERVALS.get(clean_inline(salary.get("interval")).upper(), ""),
        text=text or clean_inline(salary.get("summary")),
    )


async def fetch(fetcher, name: str) -> list[NormalizedJob]:
    return parse(await fetcher.get_json(board_url(name), params={"includeCompensation": "true"}))
