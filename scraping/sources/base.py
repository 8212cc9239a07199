"""The normalized posting every source parses into, and the text helpers they share."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from core.linear_html import LinearHTMLParser
from core.urls import safe_http_url, strip_controls

_TEXT_FIELDS = ("external_id", "title", "location", "department", "description")

# Workplace types (JobPosting.WorkplaceType mirrors them).
REMOTE, HYBRID, ONSITE, UNKNOWN = "remote", "hybrid", "onsite", "unknown"
WORKPLACE_TYPES = (REMOTE, HYBRID, ONSITE, UNKNOWN)
# Normalised employment types; "" when the source does not say.
EMPLOYMENT_TYPES = ("full-time", "part-time", "contract", "internship", "temporary")
# Salary intervals; "" when the source does not say.
SALARY_INTERVALS = ("year", "month", "week", "day", "hour")


@dataclass(frozen=True)
class Location:
    """One place a posting is open in; `remote_scope` says where a remote hire may live ("US")."""

    name: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    remote_scope: str = ""
    workplace_type: str = UNKNOWN

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name, "city": self.city, "region": self.region, "country": self.country,
            "remote_scope": self.remote_scope, "workplace_type": self.workplace_type,
        }


@dataclass(frozen=True)
class Salary:
    """Pay as the source states it; `text` is the source's own wording."""

    min: Decimal | None = None
    max: Decimal | None = None
    currency: str = ""
    interval: str = ""
    text: str = ""


@dataclass(frozen=True)
class NormalizedJob:
    """One posting, whatever board it came from; `description` is plain text.

    Boards are content from strangers, so making one cleans it, whatever the
    source: control characters (NUL, ...) leave every text field, and `url` /
    `apply_url` keep only http(s) links (core.urls.safe_http_url). An unsafe
    `apply_url` falls back to `url`; a posting with no safe link is kept
    without one (docs/security.md).
    """

    external_id: str
    title: str
    location: str = ""
    remote: bool = False
    department: str = ""
    url: str = ""
    apply_url: str = ""
    description: str = ""
    posted_at: datetime | None = None
    # Where the posting lives: `posted_at` is first published, `updated_at` the source's last edit.
    updated_at: datetime | None = None
    valid_through: datetime | None = None
    description_html: str = ""  # allow-listed HTML (scraping.sources.richtext)
    workplace_type: str = UNKNOWN
    locations: tuple[Location, ...] = ()
    salary: Salary = field(default_factory=Salary)
    employment_type: str = ""
    employment_type_text: str = ""
    employer: str = ""

    def __post_init__(self) -> None:
        for name in _TEXT_FIELDS:
            object.__setattr__(self, name, strip_controls(getattr(self, name)))
        url = safe_http_url(self.url) or ""
        object.__setattr__(self, "url", url)
        object.__setattr__(self, "apply_url", safe_http_url(self.apply_url) or url)
        for name in ("description_html", "employment_type_text", "employer"):
            object.__setattr__(self, name, strip_controls(getattr(self, name)))
        if self.workplace_type not in WORKPLACE_TYPES:
            object.__setattr__(self, "workplace_type", UNKNOWN)


class SourceError(Exception):
    """The board answered, but not with something this source can read."""


# Tags whose start and end are paragraph breaks in the text version.
_BLOCK_TAGS = frozenset(
    ["address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul"]
)
# Tags whose content is never text a reader sees.
_HIDDEN_TAGS = frozenset(["script", "style", "noscript", "template", "head", "title", "svg"])


class _TextExtractor(LinearHTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN_TAGS:
            self.hidden_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
            if tag == "pre":
                self.pre_depth += 1
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag not in _HIDDEN_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _HIDDEN_TAGS:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data):
        if self.hidden_depth:
            return
        if not self.pre_depth:
            # Source newlines in HTML are just spaces; breaks come from tags.
            data = re.sub(r"\s+", " ", data)
        self.parts.append(data)


def html_to_text(value: str | None) -> str:
    """Turn an HTML description (possibly entity-escaped, as Greenhouse sends it) into clean text.

    Entity-escaped markup (`&lt;p&gt;...`) is unescaped first, then tags are
    stripped; paragraphs stay separated by a blank line, list items become
    "- " lines, scripts and styles disappear.
    """
    if not value:
        return ""
    if "<" not in value and re.search(r"&lt;\s*+/?\s*+[a-zA-Z]", value):
        value = html.unescape(value)
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ").replace("\r", "")
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def clean_inline(value) -> str:
    """A one-line text field (title, location, department): entities decoded, whitespace collapsed."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", html.unescape(str(value))).strip()


def parse_datetime(value) -> datetime | None:
    """Read the date forms boards use (ISO 8601, date only, epoch ms/s) as an aware UTC datetime."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            seconds = value / 1000 if value > 100_000_000_000 else value
            return datetime.fromtimestamp(seconds, tz=UTC)
        text = str(value).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def looks_remote(*texts: str) -> bool:
    """True when a location-ish text says the job is remote (boards without a flag)."""
    return any(text and re.search(r"\b(remote|anywhere|work from home|wfh)\b", text, re.I) for text in texts)


_EMPLOYMENT = {
    "fulltime": "full-time", "permanent": "full-time", "parttime": "part-time",
    "contract": "contract", "contractor": "contract", "freelance": "contract", "freelancer": "contract",
    "intern": "internship", "internship": "internship", "temporary": "temporary", "temp": "temporary",
    "seasonal": "temporary",
}


def employment_type(value) -> tuple[str, str]:
    """(normalised type or "", the source's own text) from "Full-time", "FULL_TIME", "FullTime", ..."""
    values = value if isinstance(value, list) else [value]
    texts = [clean_inline(v) for v in values if isinstance(v, str) and v.strip()]
    for text in texts:
        key = "".join(ch for ch in text.lower() if ch.isalpha())
        if key in _EMPLOYMENT:
            return _EMPLOYMENT[key], ", ".join(texts)
    return "", ", ".join(texts)


_WORKPLACE = {
    "remote": REMOTE, "telecommute": REMOTE, "hybrid": HYBRID,
    "onsite": ONSITE, "inoffice": ONSITE, "office": ONSITE,
}


def workplace_type(value) -> str:
    """A source's workplace value ("on-site", "onsite", "OnSite", "Hybrid", ...) as ours; unknown otherwise."""
    if not isinstance(value, str):
        return UNKNOWN
    return _WORKPLACE.get("".join(ch for ch in value.lower() if ch.isalpha()), UNKNOWN)


# Common ways boards write a country, to ISO 3166 alpha-2 so the country filter finds them.
_COUNTRIES = {
    "us": "US", "usa": "US", "unitedstates": "US", "unitedstatesofamerica": "US", "america": "US",
    "uk": "GB", "gb": "GB", "unitedkingdom": "GB", "greatbritain": "GB", "england": "GB",
    "ca": "CA", "canada": "CA", "de": "DE", "germany": "DE", "deutschland": "DE", "fr": "FR", "france": "FR",
    "es": "ES", "spain": "ES", "nl": "NL", "netherlands": "NL", "ie": "IE", "ireland": "IE",
    "in": "IN", "india": "IN", "au": "AU", "australia": "AU", "br": "BR", "brazil": "BR",
    "mx": "MX", "mexico": "MX", "pl": "PL", "poland": "PL", "pt": "PT", "portugal": "PT",
    "se": "SE", "sweden": "SE", "ch": "CH", "switzerland": "CH", "it": "IT", "italy": "IT",
    "jp": "JP", "japan": "JP", "sg": "SG", "singapore": "SG", "il": "IL", "israel": "IL",
    "eu": "EU", "europe": "EU", "emea": "EMEA",
}
# US states and Canadian provinces, so "Austin, TX" reads as a US city.
_US_STATES = frozenset(
    ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"]
)
_CA_PROVINCES = frozenset(["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"])


def country_code(value) -> str:
    """A country name or code as ISO alpha-2 where known, else the text itself."""
    text = clean_inline(value)
    return _COUNTRIES.get("".join(ch for ch in text.lower() if ch.isalpha()), text)


def location_from_text(text: str, workplace: str = UNKNOWN) -> Location:
    """Read "City, Region, Country", "Remote (US)", "Remote - Canada" into a Location."""
    name = clean_inline(text)
    lowered = name.lower()
    if looks_remote(name):
        scope = ""
        if lowered.startswith("anywhere in "):
            scope = name[len("anywhere in "):].strip()
        elif "(" in name and name.endswith(")"):
            scope = name[name.index("(") + 1:-1].strip()
        else:
            for sep in (" - ", " – ", ", ", ": "):
                if sep in name:
                    scope = name.split(sep, 1)[1].strip() if lowered.startswith("remote") else name.split(sep, 1)[0]
                    break
        scope = scope.removesuffix(" only").removesuffix(" Only").strip()
        country = country_code(scope) if scope else ""
        return Location(name=name, country=country if len(country) <= 4 else "", remote_scope=scope,
                        workplace_type=REMOTE)
    parts = [p.strip() for p in name.split(",") if p.strip()]
    city = region = country = ""
    if len(parts) >= 3:
        city, region, country = parts[0], parts[1], country_code(parts[-1])
    elif len(parts) == 2:
        city = parts[0]
        second = parts[1]
        if second.upper() in _US_STATES:
            region, country = second.upper(), "US"
        elif second.upper() in _CA_PROVINCES:
            region, country = second.upper(), "CA"
        else:
            country = country_code(second)
    elif len(parts) == 1:
        code = country_code(parts[0])
        if code != parts[0]:
            country = code
        else:
            city = parts[0]
    return Location(name=name, city=city, region=region, country=country, workplace_type=workplace)


def unique_locations(locations: list[Location]) -> tuple[Location, ...]:
    """Drop empties and repeats (same name, or same city and country), keeping the first's details."""
    seen: dict[str, Location] = {}
    cities: set[tuple[str, str]] = set()
    for loc in locations:
        key = loc.name.lower()
        city = (loc.city.lower(), loc.country)
        if loc.city and city in cities:
            continue
        if loc.city:
            cities.add(city)
        if loc.name and key not in seen:
            seen[key] = loc
    return tuple(seen.values())


def overall_workplace(explicit: str, locations: tuple[Location, ...]) -> str:
    """The posting's workplace type: the source's own value, else what its locations agree on."""
    if explicit != UNKNOWN:
        return explicit
    kinds = {loc.workplace_type for loc in locations}
    return kinds.pop() if len(kinds) == 1 else UNKNOWN


def money(value) -> Decimal | None:
    """A salary amount (number or numeric string) as a Decimal; None for junk or negatives."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        return None
    return amount.quantize(Decimal("0.01"))
