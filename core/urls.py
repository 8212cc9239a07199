"""The one test a link from outside passes before it is stored or rendered: http(s) only.

A `javascript:` (or `data:`, `vbscript:`) link rendered as `<a href>` runs script
in Jobelix's origin when clicked. Browsers drop tabs and newlines anywhere in a
URL, strip controls and spaces at its ends and read the scheme case-insensitively,
so `" JaVa\tScRiPt:alert(1)"` is `javascript:` to them: the check removes every
control character first, then needs a literal `http://` or `https://` prefix.
Relative and protocol-relative links are refused (nothing from outside needs them).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

# Longer than any real posting link (the model fields hold 1000); longer input is refused unread.
MAX_URL_LENGTH = 4096

# C0 controls (tab and newlines included), DEL, C1 controls and lone surrogates.
# One character class, no quantifier: re.sub runs in linear time on hostile input.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SCHEMES = ("http", "https")


def safe_http_url(value: object) -> str | None:
    """`value` cleaned (controls removed, ends stripped, scheme lower-cased) if it is an
    absolute http(s) URL with a host; None for anything else, however it is encoded."""
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        return None
    text = _CONTROLS.sub("", value).strip()
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() not in _SCHEMES or not rest.startswith("//") or any(ch.isspace() for ch in rest):
        return None
    cleaned = f"{scheme.lower()}:{rest}"
    try:
        parts = urlsplit(cleaned)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    if not parts.hostname or "\\" in parts.netloc:
        return None
    return cleaned
