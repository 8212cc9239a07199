"""Fake public job boards and career pages on loopback, for tests, the benchmark and `make run`.

`BoardServer` serves Greenhouse, Lever and Ashby board APIs and JSON-LD career
pages, with payloads written in each provider's real field names, on a
`devtools.loopback.LoopbackServer`. Switches make a company broken, rate limited
(429 with Retry-After) or slow, and set robots.txt. Point the scraper at it
with the base-URL settings in `server.settings()`.

Hostile boards (docs/security.md): `add_hostile_company` serves postings whose
links are `javascript:`/`data:`/`vbscript:` in many disguises and whose title
holds a NUL, and `redirect_company` answers every request for a board with a
redirect (e.g. to the cloud metadata address, which the scraper must refuse).

    with BoardServer() as boards:
        boards.add_company("greenhouse", "acme", count=5)
        boards.break_company("acme")

`python -m devtools.career_boards --companies 20` serves a demo board
(`make run` starts one for its demo companies, see devtools/demo.py).
"""
from __future__ import annotations

import argparse
import html
import json
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from devtools.loopback import LoopbackServer, Reply, Request

SOURCES = ("greenhouse", "lever", "ashby", "jsonld")

_TITLES = [
    "Senior Backend Engineer",
    "Frontend Developer",
    "Data Scientist",
    "Product Manager",
    "DevOps Engineer",
    "UX Designer",
    "Site Reliability Engineer",
    "Machine Learning Engineer",
    "Account Executive",
    "Customer Success Manager",
]
_LOCATIONS = ["San Francisco, CA", "New York, NY", "Remote", "London", "Berlin", "Toronto, ON"]
_DEPARTMENTS = ["Engineering", "Data", "Product", "Design", "Sales"]
_EPOCH = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def _title(n: int) -> str:
    return _TITLES[n % len(_TITLES)]


def _location(n: int) -> str:
    return _LOCATIONS[n % len(_LOCATIONS)]


def _department(n: int) -> str:
    return _DEPARTMENTS[n % len(_DEPARTMENTS)]


def _posted(n: int) -> datetime:
    return _EPOCH + timedelta(hours=n)


def _uuid(token: str, n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jobelix-fixture/{token}/{n}"))


def greenhouse_job(token: str, n: int) -> dict:
    """A job as GET /v1/boards/{token}/jobs?content=true returns it."""
    job_id = (zlib.crc32(token.encode()) % 90000 + 10000) * 1000 + n
    body = f"<p>Join <strong>{token}</strong> as {_title(n)} &amp; grow.</p><ul><li>Python</li><li>SQL</li></ul>"
    return {
        "absolute_url": f"https://boards.greenhouse.io/{token}/jobs/{job_id}",
        "data_compliance": [{"type": "gdpr", "requires_consent": False, "retention_period": None}],
        "internal_job_id": job_id - 1000,
        "location": {"name": _location(n)},
        "metadata": None,
        "id": job_id,
        "updated_at": _posted(n).isoformat(),
        "requisition_id": f"REQ-{n}",
        "title": _title(n),
        "company_name": token.title(),
        "first_published": _posted(n).isoformat(),
        "language": "en",
        "content": html.escape(body),
        "departments": [{"id": 100 + n % 5, "name": _department(n), "child_ids": [], "parent_id": None}],
        "offices": [{"id": 200 + n % 6, "name": _location(n), "location": _location(n), "child_ids": [], "parent_id": None}],
        # Sent only with ?pay_transparency=true (BoardServer drops it otherwise, as Greenhouse does).
        "pay_input_ranges": [{"min_cents": (100 + 10 * (n % 5)) * 100_000, "max_cents": (130 + 10 * (n % 5)) * 100_000,
                              "currency_type": "USD", "title": "Base salary", "blurb": ""}],
    }


def lever_posting(token: str, n: int) -> dict:
    """A posting as GET /v0/postings/{site}?mode=json returns it."""
    posting_id = _uuid(token, n)
    location = _location(n)
    return {
        "additional": "<div>Equal opportunity employer.</div>",
        "additionalPlain": "Equal opportunity employer.",
        "categories": {
            "commitment": "Full-time",
            "department": _department(n),
            "location": location,
            "team": _department(n),
            "allLocations": [location],
        },
        "createdAt": int(_posted(n).timestamp() * 1000),
        "description": f"<div>{token.title()} is hiring a {_title(n)}.</div>",
        "descriptionPlain": f"{token.title()} is hiring a {_title(n)}.",
        "id": posting_id,
        "lists": [{"text": "Requirements", "content": "<li>Python</li><li>Teamwork</li>"}],
        "text": _title(n),
        "country": "US",
        "workplaceType": "remote" if location == "Remote" else ("hybrid" if n % 2 else "onsite"),
        "hostedUrl": f"https://jobs.lever.co/{token}/{posting_id}",
        "applyUrl": f"https://jobs.lever.co/{token}/{posting_id}/apply",
        "salaryRange": {"currency": "USD", "interval": "per-year-salary", "min": 90000 + 5000 * n, "max": 120000 + 5000 * n},
        "salaryDescriptionPlain": "Base salary",
    }


def ashby_job(token: str, n: int) -> dict:
    """A job as GET /posting-api/job-board/{name} returns it."""
    job_id = _uuid(token, n)
    location = _location(n)
    return {
        "id": job_id,
        "title": _title(n),
        "location": location,
        "secondaryLocations": [],
        "department": _department(n),
        "team": _department(n),
        "isListed": True,
        "isRemote": location == "Remote",
        "workplaceType": "Remote" if location == "Remote" else "OnSite",
        "descriptionHtml": f"<p>Work on <b>{_title(n)}</b> problems.</p>",
        "descriptionPlain": f"Work on {_title(n)} problems.",
        "publishedAt": _posted(n).isoformat(timespec="milliseconds"),
        "employmentType": "FullTime",
        "jobUrl": f"https://jobs.ashbyhq.com/{token}/{job_id}",
        "applyUrl": f"https://jobs.ashbyhq.com/{token}/{job_id}/application",
        "shouldDisplayCompensationOnJobPostings": True,
        # Sent only with ?includeCompensation=true (BoardServer drops it otherwise, as Ashby does).
        "compensation": {
            "compensationTierSummary": f"${100 + n}K – ${140 + n}K",
            "compensationTiers": [],
            "summaryComponents": [{"compensationType": "Salary", "interval": "1 YEAR", "currencyCode": "USD",
                                   "minValue": (100 + n) * 1000, "maxValue": (140 + n) * 1000}],
        },
    }


def jsonld_posting(token: str, n: int) -> dict:
    """A schema.org JobPosting as a career page embeds it."""
    location = _location(n)
    posting = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": _title(n),
        "description": f"<p>{token.title()} needs a {_title(n)}.</p>",
        "identifier": {"@type": "PropertyValue", "name": token, "value": f"{token}-{n}"},
        "datePosted": _posted(n).date().isoformat(),
        "employmentType": "FULL_TIME",
        "hiringOrganization": {"@type": "Organization", "name": token.title()},
        "validThrough": (_posted(n) + timedelta(days=3650)).isoformat(),
        "baseSalary": {"@type": "MonetaryAmount", "currency": "USD",
                       "value": {"@type": "QuantitativeValue", "minValue": 80000 + 1000 * n,
                                 "maxValue": 110000 + 1000 * n, "unitText": "YEAR"}},
    }
    if location == "Remote":
        posting["jobLocationType"] = "TELECOMMUTE"
        posting["applicantLocationRequirements"] = {"@type": "Country", "name": "USA"}
    else:
        posting["jobLocation"] = {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": location}}
    return posting


BUILDERS: dict[str, Callable[[str, int], dict]] = {"greenhouse": greenhouse_job, "lever": lever_posting, "ashby": ashby_job, "jsonld": jsonld_posting}

# Links a hostile board may send: none of them may ever be stored as a link.
HOSTILE_URLS: tuple[str, ...] = (
    "javascript:alert(document.domain)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x00javascript:alert(1)",
    "\x01 javascript:alert(1)",
    "\u00a0javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "%6Aavascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ｊａｖａｓｃｒｉｐｔ:alert(1)",
    "https://jobs.example.com@evil.example/",
    "http://[::1",
)
# A title with a NUL and a lone surrogate (PostgreSQL and JSON refuse both).
HOSTILE_TITLE = "Senior\x00 Backend Engineer\ud800"
HOSTILE_DESCRIPTION = "<p>Python\x00 and Django\x07</p><ul><li>PostgreSQL</li></ul>"


def hostile_jobs(source: str, token: str) -> list[dict]:
    """One posting per HOSTILE_URLS entry, as `source` sends it, with every link set to that entry.

    The first posting's title and description carry control characters; the last
    has a good page link but a hostile apply link (the page link must stand in).
    """
    jobs = []
    for n, bad in enumerate(HOSTILE_URLS):
        job = BUILDERS[source](token, n)
        if source == "greenhouse":
            job["absolute_url"] = bad
        elif source == "lever":
            job["hostedUrl"] = job["applyUrl"] = bad
        elif source == "ashby":
            job["jobUrl"] = job["applyUrl"] = bad
        else:
            job["url"] = job["sameAs"] = bad
            job["potentialAction"] = {"@type": "ApplyAction", "target": {"@type": "EntryPoint", "urlTemplate": bad}}
        jobs.append(job)
    title_key = "text" if source == "lever" else "title"
    jobs[0][title_key] = HOSTILE_TITLE
    description_key = {"greenhouse": "content", "lever": "description", "ashby": "descriptionHtml"}.get(source, "description")
    jobs[0][description_key] = HOSTILE_DESCRIPTION
    good = BUILDERS[source](token, len(HOSTILE_URLS))
    if source in ("lever", "ashby"):
        good["applyUrl"] = HOSTILE_URLS[0]
    elif source == "jsonld":
        good["url"] = f"https://careers.example.com/{token}/good"
        good["potentialAction"] = {"@type": "ApplyAction", "target": HOSTILE_URLS[0]}
    jobs.append(good)
    return jobs


def _ld_page(title: str, blocks: list[dict[str, Any]]) -> bytes:
    scripts = "\n".join(
        '<script type="application/ld+json">' + json.dumps(b).replace("</", "<\\/") + "</script>" for b in blocks
    )
    return f"<!doctype html><html><head><title>{html.escape(title)}</title>{scripts}</head><body><h1>{html.escape(title)}</h1></body></html>".encode()


class BoardServer:
    """Fake job boards on a loopback server; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.boards: dict[tuple[str, str], list[dict]] = {}
        self.broken: dict[str, str] = {}
        self.rate_limited: dict[str, tuple[int, str]] = {}
        self.delays: dict[str, float] = {}
        self.listing_pages: set[str] = set()
        self.redirects: dict[str, str] = {}
        self.robots_txt: str | None = None
        self.hits: Counter[str] = Counter()
        self.user_agents: set[str] = set()
        self.arrivals: list[tuple[float, str]] = []
        self.queries: list[tuple[str, dict[str, list[str]]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.server = LoopbackServer(self._handle, host, port)

    # ---- lifecycle ----------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> BoardServer:
        self.server.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # slow answers stop waiting
        self.server.stop()

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def __enter__(self) -> BoardServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def settings(self) -> dict[str, str]:
        """The scraping settings (or environment variables) that point at this server."""
        return {"GREENHOUSE_API_BASE": self.url, "LEVER_API_BASE": self.url, "ASHBY_API_BASE": self.url}

    # ---- content --------------------------------------------------------

    def career_url(self, token: str) -> str:
        return f"{self.url}/careers/{token}"

    def ref(self, source: str, token: str) -> str:
        """What a Company stores for this board: the token, or the career-page URL for JSON-LD."""
        return self.career_url(token) if source == "jsonld" else token

    def company_fields(self, source: str, token: str) -> dict[str, str]:
        """The `Company` fields (source, board_token, career_url) that point at this board."""
        ref = self.ref(source, token)
        jsonld = source == "jsonld"
        return {"source": source, "board_token": "" if jsonld else ref, "career_url": ref if jsonld else ""}

    def add_company(self, source: str, token: str, count: int = 3, *, start: int = 0,
                    listing: bool = False) -> list[dict]:
        """Serve a board of `count` generated jobs (numbered from `start`); returns the raw jobs."""
        jobs = [BUILDERS[source](token, n) for n in range(start, start + count)]
        self.set_jobs(source, token, jobs)
        if listing:
            with self._lock:
                self.listing_pages.add(token)
        return jobs

    def add_hostile_company(self, source: str, token: str) -> list[dict]:
        """Serve `hostile_jobs(source, token)`; returns them."""
        jobs = hostile_jobs(source, token)
        self.set_jobs(source, token, jobs)
        return jobs

    def set_jobs(self, source: str, token: str, jobs: list[dict]) -> None:
        if source not in BUILDERS:
            raise ValueError(f"unknown source {source!r}")
        with self._lock:
            self.boards[(source, token)] = list(jobs)

    # ---- switches -----------------------------------------------------

    def break_company(self, token: str, mode: str = "500") -> None:
        """Make every request for `token` fail: "500", "404" or "garbage" (200 with non-JSON)."""
        with self._lock:
            self.broken[token] = mode

    def rate_limit(self, token: str, times: int = 1, retry_after: str = "1") -> None:
        """Answer the next `times` requests for `token` with 429 and this Retry-After."""
        with self._lock:
            self.rate_limited[token] = (times, retry_after)

    def redirect_company(self, token: str, location: str) -> None:
        """Answer every request for `token` with a 302 to `location` (the scraper must check where it leads)."""
        with self._lock:
            self.redirects[token] = location

    def slow(self, token: str, seconds: float) -> None:
        """Wait `seconds` before answering requests for `token` (0 to clear)."""
        with self._lock:
            self.delays[token] = seconds

    # ---- request handling --------------------------------------------

    def _handle(self, request: Request) -> Reply:
        if request.method not in ("GET", "HEAD"):
            return Reply.text("method not allowed", 405)
        user_agent = next((v for k, v in request.headers.items() if k.lower() == "user-agent"), "")
        with self._lock:
            self.queries.append((request.path, request.query))
        status, headers, body = self.respond(request.path, user_agent, request.query)
        return Reply(status, body, headers)

    def respond(self, path: str, user_agent: str,
                query: dict[str, list[str]] | None = None) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a GET of `path` (called by the server's threads)."""
        with self._lock:
            self.hits[path] += 1
            self.user_agents.add(user_agent)
            self.arrivals.append((time.monotonic(), path))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._respond(path, query or {})
        finally:
            with self._lock:
                self.in_flight -= 1

    def _respond(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        parts = [p for p in path.split("/") if p]
        if parts == ["robots.txt"]:
            if self.robots_txt is None:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            return 200, {"Content-Type": "text/plain"}, self.robots_txt.encode()
        route = self._route(parts)
        if route is None:
            return 404, {"Content-Type": "application/json"}, b'{"error": "not found"}'
        source, token, job_page = route
        with self._lock:
            delay = self.delays.get(token, 0)
            broken = self.broken.get(token)
            limited = self.rate_limited.get(token)
            if limited:
                times, retry_after = limited
                if times <= 1:
                    self.rate_limited.pop(token)
                else:
                    self.rate_limited[token] = (times - 1, retry_after)
            jobs = self.boards.get((source, token))
            listing = token in self.listing_pages
            redirect = self.redirects.get(token)
        if redirect:
            return 302, {"Location": redirect, "Content-Type": "text/plain"}, b"moved"
        if delay:
            self._closing.wait(delay)
        if limited:
            return 429, {"Retry-After": limited[1], "Content-Type": "application/json"}, b'{"error": "rate limited"}'
        if broken == "garbage":
            return 200, {"Content-Type": "application/json"}, b"<html>Service temporarily unavailable</html>"
        if broken:
            return int(broken), {"Content-Type": "application/json"}, b'{"error": "broken on purpose"}'
        if jobs is None:
            return 404, {"Content-Type": "application/json"}, b'{"status": 404, "error": "Job not found"}'
        # Like the real APIs, pay is only sent when asked for.
        optional = {"greenhouse": ("pay_transparency", "pay_input_ranges"), "ashby": ("includeCompensation", "compensation")}
        if source in optional and query.get(optional[source][0]) != ["true"]:
            jobs = [{k: v for k, v in job.items() if k != optional[source][1]} for job in jobs]
        return self._payload(source, token, jobs, job_page, listing)

    @staticmethod
    def _route(parts: list[str]) -> tuple[str, str, str | None] | None:
        if len(parts) == 4 and parts[:2] == ["v1", "boards"] and parts[3] == "jobs":
            return "greenhouse", parts[2], None
        if len(parts) == 3 and parts[:2] == ["v0", "postings"]:
            return "lever", parts[2], None
        if len(parts) == 3 and parts[:2] == ["posting-api", "job-board"]:
            return "ashby", parts[2], None
        if len(parts) == 2 and parts[0] == "careers":
            return "jsonld", parts[1], None
        if len(parts) == 4 and parts[0] == "careers" and parts[2] == "jobs":
            return "jsonld", parts[1], parts[3]
        return None

    @staticmethod
    def _payload(source: str, token: str, jobs: list[dict], job_page: str | None,
                 listing: bool) -> tuple[int, dict[str, str], bytes]:
        as_json = {"Content-Type": "application/json; charset=utf-8"}
        if source == "greenhouse":
            return 200, as_json, json.dumps({"jobs": jobs, "meta": {"total": len(jobs)}}).encode()
        if source == "lever":
            return 200, as_json, json.dumps(jobs).encode()
        if source == "ashby":
            return 200, as_json, json.dumps({"apiVersion": "1", "jobs": jobs}).encode()
        as_html = {"Content-Type": "text/html; charset=utf-8"}
        if job_page is not None:
            match = [j for j in jobs if str(j.get("identifier", {}).get("value")) == job_page]
            if not match:
                return 404, as_html, b"<html>no such job</html>"
            return 200, as_html, _ld_page(match[0]["title"], [match[0]])
        if listing:
            items = [
                {"@type": "ListItem", "position": i + 1, "url": f"/careers/{token}/jobs/{j['identifier']['value']}"}
                for i, j in enumerate(jobs)
            ]
            listing_block = {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": items}
            return 200, as_html, _ld_page(f"{token} careers", [listing_block])
        return 200, as_html, _ld_page(f"{token} careers", [{"@context": "https://schema.org", "@graph": jobs}])


def main(argv: list[str] | None = None) -> None:
    """Serve demo boards: `--companies` companies per source, named `<source>-co<N>`."""
    parser = argparse.ArgumentParser(description="Serve fake job boards on loopback.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--companies", type=int, default=8, help="companies per source")
    parser.add_argument("--jobs", type=int, default=5, help="jobs per company")
    args = parser.parse_args(argv)
    server = BoardServer(port=args.port)
    for source in SOURCES:
        for i in range(args.companies):
            server.add_company(source, f"{source}-co{i}", count=args.jobs)
    print(f"Serving fake boards at {server.url}; set:", flush=True)
    for key, value in server.settings().items():
        print(f"  {key}={value}", flush=True)
    print(f"JSON-LD career pages: {server.career_url('jsonld-co0')} ...", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
