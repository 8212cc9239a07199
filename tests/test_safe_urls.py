"""core.urls: only http(s) links survive, however the scheme is disguised; control characters go."""
import time

import pytest

from core.urls import MAX_URL_LENGTH, safe_http_url, strip_controls
from devtools.career_boards import HOSTILE_URLS

REFUSED = [
    *HOSTILE_URLS,
    "javascript://example.com/%0Aalert(1)",
    "jAvAsCrIpT:alert(1)",
    "  javascript:alert(1)  ",
    "java\rscript:alert(1)",
    "java\x00script:alert(1)",
    "\tjavascript:alert(1)",
    "javascript\t:alert(1)",
    "&#0000106&#0000097vascript:alert(1)",
    "&#x6a;&#x61;vascript:alert(1)",
    "%6A%61vascript:alert(1)",
    "javascript%3Aalert(1)",
    "data:,hello",
    "data:image/svg+xml;base64,PHN2Zz4=",
    " vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://files.example.com/job.pdf",
    "mailto:jobs@example.com",
    "blob:https://example.com/uuid",
    "//evil.example/job",  # protocol-relative: refused unless joined to a page first
    "/jobs/1",
    "jobs.example.com/1",
    "https:/example.com",
    "https:example.com",
    "https:\\\\example.com",
    "https://",
    "https:///path",
    "https://user:pass@example.com/",
    "https://user@example.com/",
    "https://example.com\\@evil.example/",
    "https://exa mple.com/",
    "https://example.com:99999/",
    "https://example.com:port/",
    "https://[::1/",
    "https://<script>/",
    "ｈｔｔｐｓ://example.com/",
    "",
    "   ",
    None,
    123,
    ["https://example.com"],
    {"url": "https://example.com"},
    "https://example.com/" + "a" * MAX_URL_LENGTH,
]

KEPT = [
    ("https://boards.greenhouse.io/acme/jobs/4012345", "https://boards.greenhouse.io/acme/jobs/4012345"),
    ("http://127.0.0.1:8765/jobs/1?ref=x#apply", "http://127.0.0.1:8765/jobs/1?ref=x#apply"),
    ("HTTPS://Jobs.Example.com/A", "https://Jobs.Example.com/A"),
    ("HtTp://example.com", "http://example.com"),
    ("  https://example.com/job \n", "https://example.com/job"),
    ("\x00https://example.com/\x00job", "https://example.com/job"),
    ("https://exa\tmple.com/jo\nb", "https://example.com/job"),
    ("https://example.com/Senior Engineer", "https://example.com/Senior%20Engineer"),
    ("https://example.com/?next=javascript:alert(1)", "https://example.com/?next=javascript:alert(1)"),
    ("https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x"),
    ("https://bücher.example/stellen", "https://bücher.example/stellen"),
]


@pytest.mark.parametrize("value", REFUSED, ids=repr)
def test_anything_but_an_absolute_http_url_is_refused(value):
    assert safe_http_url(value) is None


@pytest.mark.parametrize(("value", "stored"), KEPT, ids=[repr(v) for v, _ in KEPT])
def test_http_urls_are_kept_cleaned(value, stored):
    assert safe_http_url(value) == stored


def test_a_kept_url_is_stable():
    for _, stored in KEPT:
        assert safe_http_url(stored) == stored


def test_strip_controls_keeps_text_and_line_breaks():
    assert strip_controls("Senior\x00 Engineer\x07\x1b[31m\x7f\x85\ud800") == "Senior Engineer[31m"
    assert strip_controls("a\tb\nc\r\nd") == "a\tb\nc\nd"
    assert strip_controls("a\tb\nc", keep_line_breaks=False) == "abc"
    assert strip_controls("Zürich — 東京 🚀") == "Zürich — 東京 🚀"
    assert strip_controls("") == ""


def _seconds(fn, value) -> float:
    started = time.perf_counter()
    fn(value)
    return time.perf_counter() - started


@pytest.mark.parametrize("make", [
    lambda n: "https://example.com/" + " " * n,
    lambda n: "https://" + "a" * n,
    lambda n: "\x00" * n + "javascript:",
    lambda n: "https://example.com/" + "\t" * n + "x",
])
def test_hostile_input_costs_linear_time(make):
    """100x longer input may cost ~100x, never 10000x (a backtracking regex would)."""
    small, large = make(1_000), make(100_000)
    for fn in (safe_http_url, strip_controls):
        base = max(min(_seconds(fn, small) for _ in range(5)), 1e-5)
        assert min(_seconds(fn, large) for _ in range(3)) < base * 100 * 20
