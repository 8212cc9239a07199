"""The normalized posting every source parses into, and the text helpers they share."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.linear_html import LinearHTMLParser


@dataclass(frozen=True)
class NormalizedJob:
    """One posting, whatever board it came from; `description` is plain text."""

    external_id: str
    title: str
    location: str = ""
    remote: bool = False
    department: str = ""
    url: str = ""
    apply_url: str = ""
    description: str = ""
    posted_at: datetime | None = None


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
