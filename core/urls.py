"""Safe links and clean text from content we did not write (scraped boards, career pages).

`safe_http_url` is the one test every stored outside link passes: only absolute
`http://` or `https://` URLs survive, so a `javascript:`, `data:` or `vbscript:`
link can never be stored and later rendered as a clickable link. The check is a
literal prefix test on the text a browser would see, so no encoding (entities,
percent-escapes, mixed case, tabs or NULs inside the scheme) can smuggle another
scheme through: what does not literally start with `http(s)://` once control
characters are gone is refused. Every step is a single pass (no regex that can
backtrack), so hostile input costs linear time.

`strip_controls` removes the characters PostgreSQL, JSON and terminals choke on
(NUL, other C0/C1 controls, DEL, lone surrogates) from scraped text fields.

Decisions (docs/security.md "Stored XSS through scraped links"):
- protocol-relative `//host/path` is refused here (a caller that has the page
  it came from joins it to that page first, which makes it http(s));
- credentials in the URL (`https://user:pass@host`) are refused: no board needs
  them, and `https://jobs.example.com@evil.example/` is a classic disguise;
- a backslash in the authority is refused (browsers read it as `/`, Python does
  not, so the two would disagree on the host);
- spaces inside are percent-encoded, other whitespace inside is refused;
- the scheme is lower-cased, the rest is kept as it came.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

# Longer than any real posting link (the model fields hold 1000); longer input is refused unread.
MAX_URL_LENGTH = 4096

# C0 controls, DEL, C1 controls and lone surrogates: never meaningful in scraped text.
# A character class without quantifiers nested in alternation: re.sub runs in linear time.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROLS_AND_LINE_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_HTTP_PREFIXES = ("http://", "https://")
# "@" means credentials (or a disguised host); a backslash is "/" to browsers but not to Python.
_BAD_IN_AUTHORITY = frozenset("@\\<>\"'`{}|^")


def strip_controls(text: str, *, keep_line_breaks: bool = True) -> str:
    """`text` without control characters; tabs and line feeds stay unless `keep_line_breaks` is False."""
    if not text:
        return text
    pattern = _CONTROLS if keep_line_breaks else _CONTROLS_AND_LINE_BREAKS
    return pattern.sub("", text)


def safe_http_url(value: object) -> str | None:
    """`value` as an absolute http(s) URL fit to store and render as a link, or None.

    Anything else (non-strings, other schemes however encoded, relative or
    protocol-relative links, credentials, a missing host, a bad port) is None.
    """
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        return None
    # Browsers drop tabs and newlines anywhere in a URL and strip controls at the ends,
    # so "java\tscript:" is "javascript:" to them: remove every control first.
    text = _CONTROLS_AND_LINE_BREAKS.sub("", value).strip()
    lowered = text[:8].lower()
    scheme = next((p for p in _HTTP_PREFIXES if lowered.startswith(p)), None)
    if scheme is None:
        return None
    rest = text[len(scheme):]
    end = next((i for i, ch in enumerate(rest) if ch in "/?#"), len(rest))
    authority, tail = rest[:end], rest[end:]
    if not authority or any(ch in _BAD_IN_AUTHORITY or ch.isspace() for ch in authority):
        return None
    tail = tail.replace(" ", "%20")
    if any(ch.isspace() for ch in tail):
        return None
    text = scheme + authority + tail
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError on a port that is not a number in range
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return text
