"""schema.org JobPosting in JSON-LD (`<script type="application/ld+json">`) on any career page.

A page may hold one or several JobPostings, as a list, inside an `@graph`, or
nested (e.g. `mainEntity` of a WebPage). A listing page may instead hold an
`ItemList` whose items link to one page per job: those pages (same site only,
at most SCRAPING_JSONLD_MAX_PAGES) are fetched and read the same way. HTML
pages are fetched through `Fetcher.get_html`, so robots.txt is respected.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import re
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from core.linear_html import LinearHTMLParser
from core.urls import safe_http_url, strip_controls

from .base import (
    ONSITE,
    REMOTE,
    UNKNOWN,
    Location,
    NormalizedJob,
    Salary,
    clean_inline,
    country_code,
    employment_type,
    html_to_text,
    location_from_text,
    money,
    parse_datetime,
    unique_locations,
)
from .richtext import description_html

_UNITS = {"YEAR": "year", "ANNUAL": "year", "MONTH": "month", "WEEK": "week", "DAY": "day", "HOUR": "hour"}

SOURCE = "jsonld"
_MAX_DEPTH = 12


class _LdScripts(LinearHTMLParser):
    """Collects the text of every <script type="application/ld+json">."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blocks: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            kind = (dict(attrs).get("type") or "").split(";")[0].strip().lower()
            self._current = [] if kind == "application/ld+json" else None

    def handle_endtag(self, tag):
        if tag == "script" and self._current is not None:
            self.blocks.append("".join(self._current))
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self._current.append(data)


def _link(page_url: str, value) -> str | None:
    """`value` (absolute or relative to the page) as a safe http(s) URL, or None (javascript:, data:, junk)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return safe_http_url(urljoin(page_url, strip_controls(value, keep_line_breaks=False)))
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None


def _load_block(text: str):
    text = text.strip()
    text = re.sub(r"^\s*(<!--|//\s*<!\[CDATA\[)", "", text)
    text = re.sub(r"(-->|//\s*\]\]>)\s*$", "", text)
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


def _types(node: dict) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {re.split(r"[/:#]", v)[-1] for v in values if isinstance(v, str)}


def extract(html_text: str, page_url: str) -> tuple[list[dict], list[str]]:
    """The raw JobPosting objects on a page, and the job-page links of any ItemList."""
    scripts = _LdScripts()
    scripts.feed(html_text)
    scripts.close()
    postings: list[dict] = []
    links: list[str] = []

    def walk(node, depth=0):
        if depth > _MAX_DEPTH:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
            return
        if not isinstance(node, dict):
            return
        types = _types(node)
        if "JobPosting" in types:
            postings.append(node)
            return
        if "ItemList" in types:
            for element in node.get("itemListElement") or []:
                target = element.get("item", element) if isinstance(element, dict) else element
                if isinstance(target, dict) and "JobPosting" in _types(target):
                    postings.append(target)
                    continue
                link = _link(page_url, target.get("url") or target.get("@id") if isinstance(target, dict) else target)
                if link:
                    links.append(link)
            return
        for value in node.values():
            if isinstance(value, (dict, list)):
                walk(value, depth + 1)

    for block in scripts.blocks:
        walk(_load_block(block))
    return postings, list(dict.fromkeys(links))


def parse(html_text: str, page_url: str) -> list[NormalizedJob]:
    """Every JobPosting on one page, normalized (links to other pages are not followed)."""
    postings, _ = extract(html_text, page_url)
    return _dedupe([_posting(raw, page_url) for raw in postings])


def _dedupe(jobs: list[NormalizedJob]) -> list[NormalizedJob]:
    return list({job.external_id: job for job in jobs if job.title}.values())


def _text(value) -> str:
    if isinstance(value, dict):
        return clean_inline(value.get("name") or value.get("@value") or "")
    if isinstance(value, list):
        return ", ".join(t for t in (_text(v) for v in value) if t)
    return clean_inline(value)


def _place_name(place) -> str:
    if isinstance(place, str):
        return clean_inline(place)
    if not isinstance(place, dict):
        return ""
    address = place.get("address")
    if isinstance(address, str):
        return clean_inline(address)
    if isinstance(address, dict):
        parts = [_text(address.get(key)) for key in ("addressLocality", "addressRegion", "addressCountry")]
        parts = list(dict.fromkeys(p for p in parts if p))
        if parts:
            return ", ".join(parts)
    return _text(place.get("name"))


def _identifier(raw: dict) -> str:
    ident = raw.get("identifier")
    if isinstance(ident, list):
        ident = ident[0] if ident else None
    if isinstance(ident, dict):
        ident = ident.get("value") or ident.get("@value") or ident.get("name")
    if ident not in (None, ""):
        return clean_inline(ident)
    return ""


def _posting(raw: dict, page_url: str) -> NormalizedJob:
    title = clean_inline(raw.get("title") or raw.get("name"))
    places = raw.get("jobLocation")
    places = places if isinstance(places, list) else [places]
    location = "; ".join(dict.fromkeys(n for n in (_place_name(p) for p in places) if n))
    location_type = raw.get("jobLocationType")
    location_types = location_type if isinstance(location_type, list) else [location_type]
    remote = any(isinstance(t, str) and t.upper() == "TELECOMMUTE" for t in location_types)
    if remote and not location:
        required = _text(raw.get("applicantLocationRequirements"))
        location = f"Remote ({required})" if required else "Remote"
    # A posting's own link, if safe; else the page it is on (an unsafe link is never kept).
    own_url = _link(page_url, raw.get("url"))
    url = own_url or page_url
    action = raw.get("potentialAction")
    apply_target = action.get("target") if isinstance(action, dict) else None
    if isinstance(apply_target, dict):
        apply_target = apply_target.get("urlTemplate") or apply_target.get("url")
    apply_url = _link(page_url, apply_target) or url
    external_id = _identifier(raw) or (url if own_url else "")
    if not external_id:
        digest = hashlib.sha1(f"{title}|{location}|{raw.get('datePosted')}".encode()).hexdigest()[:20]
        external_id = f"ld-{digest}"
    department = raw.get("department")
    description = raw.get("description") if isinstance(raw.get("description"), str) else ""
    rich = description_html(description)
    kind, kind_text = employment_type(raw.get("employmentType"))
    locations = _locations(places, remote, raw.get("applicantLocationRequirements"))
    return NormalizedJob(
        external_id=external_id,
        title=title,
        location=location,
        remote=remote,
        department=_text(department) if isinstance(department, (str, dict)) else "",
        url=url,
        apply_url=apply_url,
        description=html_to_text(rich) if rich and rich != description else html_to_text(description),
        posted_at=parse_datetime(raw.get("datePosted")),
        updated_at=parse_datetime(raw.get("dateModified")),
        valid_through=parse_datetime(raw.get("validThrough")),
        description_html=rich,
        workplace_type=REMOTE if remote and not any(loc.workplace_type == ONSITE for loc in locations) else (
            ONSITE if locations and not remote else UNKNOWN),
        locations=locations,
        salary=_salary(raw.get("baseSalary")),
        employment_type=kind,
        employment_type_text=kind_text,
        employer=_text(raw.get("hiringOrganization")),
    )


def _place(place, workplace: str) -> Location | None:
    if isinstance(place, str):
        return location_from_text(place, workplace) if place.strip() else None
    if not isinstance(place, dict):
        return None
    address = place.get("address")
    if isinstance(address, dict):
        city, region = _text(address.get("addressLocality")), _text(address.get("addressRegion"))
        country = country_code(_text(address.get("addressCountry")))
        name = _place_name(place)
        if name:
            return Location(name=name, city=city, region=region, country=country, workplace_type=workplace)
        return None
    name = _place_name(place)
    return location_from_text(name, workplace) if name else None


def _locations(places: list, remote: bool, requirements) -> tuple[Location, ...]:
    """jobLocation places (on site), and for TELECOMMUTE the applicantLocationRequirements as remote scopes."""
    found = [p for p in (_place(place, ONSITE if not remote else UNKNOWN) for place in places) if p]
    if remote:
        required = requirements if isinstance(requirements, list) else [requirements]
        scopes = [_text(r) for r in required if r]
        for scope in [s for s in scopes if s] or [""]:
            code = country_code(scope) if scope else ""
            found.append(Location(name=f"Remote ({scope})" if scope else "Remote",
                                  country=code if len(code) <= 4 else "", remote_scope=scope, workplace_type=REMOTE))
    return unique_locations(found)


def _salary(value) -> Salary:
    """baseSalary: a MonetaryAmount whose value is a number or a QuantitativeValue (minValue/maxValue/unitText)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return Salary(min=money(value), max=money(value), text=clean_inline(value))
    if not isinstance(value, dict):
        return Salary()
    currency = clean_inline(value.get("currency")).upper()[:3]
    amount = value.get("value")
    unit = value.get("unitText")
    low = high = None
    if isinstance(amount, dict):
        unit = amount.get("unitText") or unit
        low = money(amount.get("minValue"))
        high = money(amount.get("maxValue"))
        if low is None and high is None:
            low = high = money(amount.get("value"))
    else:
        low = high = money(amount)
    if low is None and high is None:
        return Salary()
    interval = _UNITS.get(clean_inline(unit).upper(), "")
    shown = " – ".join(f"{v:,.0f}" for v in dict.fromkeys(x for x in (low, high) if x is not None))
    text = " ".join(p for p in (currency, shown, f"per {interval}" if interval else "") if p)
    return Salary(min=low, max=high, currency=currency, interval=interval, text=text)


async def fetch(fetcher, career_url: str) -> list[NormalizedJob]:
    """Read the career page and, if it lists job pages, those pages too."""
    page = await fetcher.get_html(career_url)
    postings, links = extract(page.text, page.url)
    jobs = [_posting(raw, page.url) for raw in postings]
    host = urlsplit(page.url).netloc
    links = [link for link in links if urlsplit(link).netloc == host and link != page.url]
    links = links[: int(settings.SCRAPING_JSONLD_MAX_PAGES)]
    if links:
        results = await asyncio.gather(*(_fetch_job_page(fetcher, link) for link in links), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        for result in results:
            if not isinstance(result, BaseException):
                jobs.extend(result)
        if errors and not jobs:
            raise errors[0]
    return _dedupe(jobs)


async def _fetch_job_page(fetcher, url: str) -> list[NormalizedJob]:
    page = await fetcher.get_html(url)
    postings, _ = extract(page.text, page.url)
    return [_posting(raw, page.url) for raw in postings]

