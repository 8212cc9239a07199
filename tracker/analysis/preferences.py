"""The match preferences a posting is weighed against: pay, workplace type and place.

A posting's facts are what it states (scraping.JobPosting's salary, workplace type and
structured locations; a saved job's location text), each read the way scraping reads
them (scraping.sources.base: "Remote (US only)" is a remote location scoped to the US).
Unknown facts neither reward nor punish much, and every part says why in a sentence a
job seeker understands. A failed hard-filtered preference is a `filtered` reason: the
posting is then never recommended.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from scraping.sources.base import REMOTE, Location, country_code, location_from_text

if TYPE_CHECKING:
    from .scoring import CandidateProfile

LOCATION_POINTS, SALARY_POINTS = 10, 10
SALARY_UNKNOWN_POINTS = 7  # not listed / not comparable: a little under "meets your minimum"
# Pay periods to a year: 40 hours a week, 5 days a week, 52 weeks.
YEARLY = {"year": 1, "month": 12, "week": 52, "day": 260, "hour": 2080}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
_ANYWHERE = {"", "WORLDWIDE", "ANYWHERE", "GLOBAL", "GLOBALLY", "INTERNATIONAL"}

# Regions a remote scope may name, as the countries they take in (codes, as country_code
# gives them; scraping reads both "EU" and "Europe" as EU, so EU is all of Europe here).
_EUROPE = frozenset(["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "GB", "CH", "NO", "IS", "LI", "UA", "RS", "AL", "BA", "ME", "MK", "MD"])
_REGIONS: dict[str, frozenset[str]] = {
    "EU": _EUROPE,
    "EMEA": _EUROPE | frozenset(["IL", "AE", "SA", "QA", "EG", "ZA", "NG", "KE", "MA", "TR"]),
    "NORTH AMERICA": frozenset({"US", "CA", "MX"}),
    "AMERICAS": frozenset(["US", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "UY", "CR"]),
    "LATAM": frozenset(["MX", "BR", "AR", "CL", "CO", "PE", "UY", "CR"]),
    "APAC": frozenset(["AU", "NZ", "JP", "SG", "IN", "CN", "HK", "KR", "TW", "ID", "MY", "PH", "TH", "VN"]),
}
# Country names scraping's table leaves as text, so region scopes still find them.
_MORE_COUNTRIES = {
    "austria": "AT", "belgium": "BE", "bulgaria": "BG", "croatia": "HR", "cyprus": "CY", "czechia": "CZ",
    "czech republic": "CZ", "denmark": "DK", "estonia": "EE", "finland": "FI", "greece": "GR", "hungary": "HU",
    "latvia": "LV", "lithuania": "LT", "luxembourg": "LU", "malta": "MT", "romania": "RO", "slovakia": "SK",
    "slovenia": "SI", "norway": "NO", "iceland": "IS", "ukraine": "UA", "serbia": "RS", "new zealand": "NZ",
    "argentina": "AR", "chile": "CL", "colombia": "CO", "peru": "PE", "uruguay": "UY", "costa rica": "CR",
    "latin america": "LATAM", "north america": "NORTH AMERICA", "americas": "AMERICAS", "asia pacific": "APAC",
}


@lru_cache(maxsize=4096)
def read_place(text: str) -> Location:
    """A place as scraping reads it ("Remote (US only)", "Berlin, Germany"), read once per text."""
    return location_from_text(text)


def area_code(text: str) -> str:
    """A country or region as one comparable code ("Germany" -> DE, "Europe" -> EU, "Latam" -> LATAM)."""
    cleaned = " ".join((text or "").replace(" only", "").split()).strip()
    code = country_code(cleaned)
    if code != cleaned:
        return code
    return _MORE_COUNTRIES.get(cleaned.lower(), cleaned.upper())


def areas_overlap(a: str, b: str) -> bool:
    """Same country, or a region that takes in the other (either way round)."""
    return a == b or a in _REGIONS.get(b, ()) or b in _REGIONS.get(a, ())


# ---------------------------------------------------------------- posting facts

_NUM = r"\b(\d|one|two|three|four|five)"
_DAYS = _NUM + r"(?:\s*(?:-|–|to|or)\s*" + _NUM + r")?\+?\s*days?\b"
_WEEK = r"(?:\s*(?:a|per|each|every|/)\s*week\b)?"
_OFFICE_DAYS = [
    re.compile(_DAYS + _WEEK + r"[^.\n]{0,40}?\b(?:in|at|from)\s+(?:the|our|an?)\b[^.\n]{0,30}?\b(?:office|hub|studio)",
               re.I),
    re.compile(_DAYS + _WEEK + r"\s*(?:in[- ]office|on[- ]?site|in[- ]person)", re.I),
    re.compile(r"\b(?:in|at)\s+(?:the|our)\s+(?:[\w-]+\s+){0,3}?office\s+" + _DAYS, re.I),
    re.compile(r"\b(?:in[- ]office|on[- ]?site|in[- ]person)\s+(?:for\s+)?" + _DAYS, re.I),
]
_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}


def office_days(text: str) -> str:
    """How many days a week a hybrid posting wants you in ("2", "2-3"), or "" when it does not say."""
    head = (text or "")[:100_000]
    for pattern in _OFFICE_DAYS:
        found = pattern.search(head)
        if found:
            low, high = (_WORDS.get(v.lower(), v) if v else "" for v in found.groups()[:2])
            return f"{low}-{high}" if high and high != low else low
    return ""


@dataclass(frozen=True)
class PostingFacts:
    """What a posting states about pay and place; empty values mean "not stated"."""

    workplace_type: str = "unknown"
    locations: tuple[Location, ...] = ()
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str = ""
    salary_interval: str = ""
    office_days: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PostingFacts:
        data = data or {}
        fields = ("name", "city", "region", "country", "remote_scope", "workplace_type")
        locations = tuple(Location(**{f: str(loc.get(f) or "") for f in fields})
                          for loc in data.get("locations") or () if isinstance(loc, dict))
        return cls(
            workplace_type=str(data.get("workplace_type") or "unknown"), locations=locations,
            salary_min=_number(data.get("salary_min")), salary_max=_number(data.get("salary_max")),
            salary_currency=str(data.get("salary_currency") or "").upper(),
            salary_interval=str(data.get("salary_interval") or ""), office_days=str(data.get("office_days") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"workplace_type": self.workplace_type, "locations": [loc.to_dict() for loc in self.locations],
                "salary_min": self.salary_min, "salary_max": self.salary_max,
                "salary_currency": self.salary_currency, "salary_interval": self.salary_interval,
                "office_days": self.office_days}


def _number(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


class Part(NamedTuple):
    """One preference's points with its sentence; strength/concern/filtered are reasons or None."""

    points: float
    detail: str
    strength: str | None = None
    concern: str | None = None
    filtered: str | None = None


# ---------------------------------------------------------------- workplace and place

_PLACE_ALIASES = {"nyc": "new york", "sf": "san francisco", "bay area": "san francisco", "la": "los angeles",
                  "münchen": "munich", "köln": "cologne", "uk": "united kingdom", "usa": "united states",
                  "us": "united states"}
_WORD = re.compile(r"[^a-z0-9äöüéèàç ]+")


def _norm_place(text: str) -> str:
    text = text.strip().lower()
    return _PLACE_ALIASES.get(text, text)


def location_matches(job_location: str, wanted: Sequence[str]) -> bool | None:
    """Whether the job's place is one the candidate lists (None: they list none)."""
    places = [w for w in wanted
              if read_place(w).workplace_type != REMOTE and w.strip().lower() not in ("worldwide", "global")]
    if not places:
        return None
    job = " " + _WORD.sub(" ", (job_location or "").lower()) + " "
    for key, value in _PLACE_ALIASES.items():
        if f" {key} " in job:
            job += f" {value} "
    for place in places:
        parts = [p for p in (_norm_place(x) for x in place.split(",")) if p]
        head = parts[0] if parts else ""
        if head and f" {_WORD.sub(' ', head)} " in job:
            return True
    return False


def _place_match(location: str, places: tuple[Location, ...], wanted: Sequence[str]) -> tuple[bool | None, str]:
    """(does one of the posting's places match one of yours, the place named in the reason)."""
    onsite = [p for p in places if p.workplace_type != REMOTE] or list(places)
    if not onsite:
        return location_matches(location, wanted), location
    countries = {area_code(p.country) for p in (read_place(w) for w in wanted)
                 if p.country and not p.city and p.workplace_type != REMOTE}
    result: bool | None = None
    for place in onsite:
        found = location_matches(place.name, wanted)
        if found is None:
            return None, "; ".join(p.name for p in onsite[:3])
        if found or (place.country and area_code(place.country) in countries):
            return True, place.name
        result = False
    return result, "; ".join(p.name for p in onsite[:3])


def normalize_preference(pref: str) -> str:
    p = (pref or "").strip().lower().replace("-", "").replace("_", "")
    if p in ("remote", "remoteonly", "fullyremote"):
        return "remote"
    if p == "hybrid":
        return "hybrid"
    if p in ("onsite", "office", "inoffice", "inperson"):
        return "onsite"
    return "any"


def _home_label(home: str) -> str:
    place = read_place(home)
    parts = [p.strip() for p in home.split(",") if p.strip()]
    return parts[-1] if len(parts) > 1 and not place.region else home.strip()


def _your_areas(profile: CandidateProfile) -> tuple[set[str], str]:
    """The countries/regions you can be hired remotely from, and how to name them in a reason."""
    areas: set[str] = set()
    label = ""
    if profile.home_location:
        home = read_place(profile.home_location)
        if home.country:
            areas.add(area_code(home.country))
            label = f"you're in {_home_label(profile.home_location)}"
    scoped = [p.remote_scope for p in (read_place(w) for w in profile.locations) if p.remote_scope]
    areas.update(area_code(s) for s in scoped)
    if not label and scoped:
        label = f"your remote places are {', '.join(scoped)}"
    return areas, label


def _workplace_filter(pref: str, mode: str, label: str) -> str | None:
    if pref == "remote" and mode in ("hybrid", "onsite"):
        return f"{label} role; you only want remote work"
    if pref == "hybrid" and mode == "onsite":
        return "On-site role; you want hybrid or remote work"
    if pref == "onsite" and mode == "remote":
        return "Remote role; you want to work on-site"
    return None


def location_part(location: str, mode: str, profile: CandidateProfile, facts: PostingFacts | None) -> Part:
    """Workplace type against your remote preference, and the posting's places (and remote scope)
    against your locations and where you live."""
    pref = normalize_preference(profile.remote_preference)
    if facts is not None and facts.workplace_type in ("remote", "hybrid", "onsite"):
        mode = facts.workplace_type
    places = facts.locations if facts is not None and facts.locations else ()
    if not places and (location or "").strip():
        places = (read_place(location),)
    hard = set(profile.hard_filters)
    if mode == "remote":
        return _remote_part(pref, places, profile, hard)
    if mode == "unknown" and not (location or "").strip() and not places:
        return Part(5, "Work mode and location not stated (neutral)")
    match, where = _place_match(location, places, profile.locations)
    where = (where or location or "").strip() or "an unspecified location"
    mode_label = "Hybrid" if mode == "hybrid" else "On-site"
    days = facts.office_days if facts is not None and mode == "hybrid" else ""
    label = f"Hybrid, {days} days a week in {where}" if days else f"{mode_label} in {where}"
    workplace_out = _workplace_filter(pref, mode, mode_label) if "workplace" in hard else None
    if match is False:
        concern = f"{label}, outside your preferred locations"
        return Part(0, f"{label}, not one of your locations", None, concern,
                    workplace_out or (concern if "location" in hard else None))
    if pref == "remote":
        points = (6 if mode == "hybrid" else 4) - (1 if match is None else 0)
        return Part(points, f"{label}; you prefer remote", None, f"{mode_label} role, you prefer remote",
                    workplace_out)
    if match is None:
        return Part(7, f"{label}; no locations in your profile", None, None, workplace_out)
    if pref == "hybrid" and mode != "hybrid":
        return Part(8, f"{label}, one of your locations; you prefer hybrid", "Location preference aligns",
                    "On-site role, you prefer hybrid" if mode == "onsite" else None, workplace_out)
    strength = f"{label}: one of your locations" if days else "Location preference aligns"
    return Part(10, f"{label}, one of your locations", strength, None, workplace_out)


def _remote_part(pref: str, places: tuple[Location, ...], profile: CandidateProfile, hard: set[str]) -> Part:
    points = {"remote": 10, "any": 10, "hybrid": 9, "onsite": 6}[pref]
    strength = "Remote role matches your preference" if pref in ("remote", "hybrid") else "Remote role"
    concern = "Remote role, you prefer on-site" if pref == "onsite" else None
    filtered = _workplace_filter(pref, "remote", "Remote") if "workplace" in hard else None
    detail = f"Remote role; your preference: {pref}"
    remote_places = [p for p in places if p.workplace_type == REMOTE]
    scopes = [p.remote_scope for p in remote_places if p.remote_scope]
    if not remote_places or len(scopes) < len(remote_places) or any(area_code(s) in _ANYWHERE for s in scopes):
        return Part(points, detail, strength, concern, filtered)  # open to anyone, as far as it says
    label = f"Remote ({', '.join(dict.fromkeys(scopes))} only)"
    areas, yours = _your_areas(profile)
    if not areas:
        return Part(points, f"{label}; set where you live on your profile to check it", strength, concern, filtered)
    if any(areas_overlap(area_code(s), a) for s in scopes for a in areas):
        return Part(points, f"{label}; {yours}", f"{label}: {yours}", concern, filtered)
    reason = f"{label}: {yours}"
    return Part(0, reason, None, reason, filtered or (reason if "location" in hard else None))


# ---------------------------------------------------------------- pay

def money(amount: float, currency: str) -> str:
    """$120k, €45k, CHF 90k, $45 (small amounts as they are)."""
    symbol = _SYMBOLS.get(currency, f"{currency} " if currency else "")
    if amount >= 10_000:
        return f"{symbol}{amount / 1000:.0f}k"
    if amount >= 1000:
        return f"{symbol}{amount / 1000:.1f}k".replace(".0k", "k")
    return f"{symbol}{amount:g}"


def _pay(amount: float, currency: str, interval: str) -> str:
    if interval == "year":
        return money(amount, currency)
    return f"{money(amount, currency)}/{interval} ≈ {money(amount * YEARLY[interval], currency)}/year"


def salary_part(profile: CandidateProfile, facts: PostingFacts | None) -> Part:
    """The posting's pay (top of its range, per year) against your minimum (per year)."""
    currency = (profile.salary_currency or "USD").upper()
    interval = profile.salary_interval if profile.salary_interval in YEARLY else "year"
    minimum = float(profile.salary_minimum or 0)
    wanted = minimum * YEARLY[interval]
    yours = _pay(minimum, currency, interval)
    neutral = SALARY_UNKNOWN_POINTS
    if facts is None or (facts.salary_min is None and facts.salary_max is None):
        return Part(neutral, f"Salary not listed (neutral); your minimum is {yours}")
    if not facts.salary_currency:
        return Part(neutral, "Salary listed without a currency: not compared with your minimum (neutral)")
    if facts.salary_currency != currency:
        return Part(neutral, f"Salary in {facts.salary_currency}, your minimum in {currency}: "
                             "not compared, there is no currency conversion (neutral)")
    if facts.salary_interval not in YEARLY:
        return Part(neutral, "Salary listed without a pay period: not compared with your minimum (neutral)")
    per_year = YEARLY[facts.salary_interval]
    top = facts.salary_max if facts.salary_max is not None else facts.salary_min
    bottom = facts.salary_min if facts.salary_min is not None else facts.salary_max
    assert top is not None and bottom is not None
    shown = (_pay(bottom, currency, facts.salary_interval) if bottom == top else
             f"{money(bottom, currency)}–{_pay(top, currency, facts.salary_interval)}")
    if bottom * per_year >= wanted:
        reason = f"Salary meets your minimum ({shown} ≥ {yours})"
        return Part(SALARY_POINTS, reason, reason)
    if top * per_year >= wanted:
        reason = f"Salary range reaches your minimum ({shown}; yours {yours})"
        return Part(8, reason, reason)
    reason = f"Salary below your minimum ({_pay(top, currency, facts.salary_interval)} < {yours})"
    points = 3 if top * per_year >= 0.9 * wanted else 0
    return Part(points, reason, None, reason, reason if "salary" in profile.hard_filters else None)
