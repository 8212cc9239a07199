"""Works offline: /api/docs/ and every page load their assets from the project, never a third-party host.

Swagger UI comes from drf-spectacular-sidecar's static files (pinned), so the docs render
with the network cut off and under a same-origin Content-Security-Policy.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[2]
SIDECAR_BUNDLE = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Namespace names, never fetched: `xmlns` values and createElementNS arguments.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml", "http://www.w3.org/1999/xlink"}
ABSOLUTE_URL = re.compile(r"""\b(?:https?|wss?)://[^\s"'`<>()\\]+""", re.IGNORECASE)
PROTOCOL_RELATIVE = re.compile(r"""["'(=]\s*//([A-Za-z0-9.-]+\.[A-Za-z]{2,}|localhost)""")


class NetworkCut:
    """page.route gate: requests to the test server go through, every other host is aborted and recorded."""

    def __init__(self, page: Page, own_host: str):
        self.own_host = own_host
        self.seen: list[str] = []
        self.aborted: list[str] = []
        page.context.on("request", lambda request: self.seen.append(request.url))
        page.route("**/*", self.gate)

    def gate(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != self.own_host:
            self.aborted.append(url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    def third_party(self) -> list[str]:
        return [url for url in self.seen
                if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and urlsplit(url).netloc != self.own_host]


def test_api_docs_render_their_operations_with_every_other_host_cut_off(daphne_server, new_page, login, user):
    page = new_page()
    cut = NetworkCut(page, urlsplit(daphne_server.url).netloc)
    login(page, daphne_server, user)
    page.goto(f"{daphne_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Jobelix API")
    for path in ("/api/autoapply/bot/start", "/api/worker/update-progress", "/api/v1/events"):
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]').first).to_be_visible()
    assert any(url.endswith(SIDECAR_BUNDLE) for url in cut.seen), cut.seen  # the pinned copy, not inlined
    assert cut.aborted == [] and cut.third_party() == [], (cut.aborted, cut.third_party())


def test_every_page_in_the_navigation_loads_nothing_from_another_host(daphne_server, new_page, login, staff_user):
    """Staff see every link in the header (Monitor, Admin, Profile included); each page is opened with the network cut."""
    page = new_page()
    cut = NetworkCut(page, urlsplit(daphne_server.url).netloc)
    login(page, daphne_server, staff_user)
    links = page.locator("header a[href^='/']").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert {"/dashboard/", "/autoapply/", "/scraping/", "/staff/monitor/", "/admin/", "/profile/"} <= set(links), links
    for href in dict.fromkeys(links):
        response = page.goto(f"{daphne_server.url}{href}")
        assert response is not None and response.status == 200, (href, response and response.status)
        page.wait_for_load_state("networkidle")
    assert cut.aborted == [] and cut.third_party() == [], (cut.aborted, cut.third_party())


def third_party_references(text: str) -> list[str]:
    """Absolute or protocol-relative URLs in `text` whose host is not loopback (namespace names excepted)."""
    found = []
    for match in ABSOLUTE_URL.finditer(text):
        url = match.group(0).rstrip(".,;")
        if url in NAMESPACES:
            continue
        host = urlsplit(url).hostname or ""
        if host not in LOOPBACK and f"[{host}]" not in LOOPBACK:
            found.append(url)
    found += [f"//{host}" for host in PROTOCOL_RELATIVE.findall(text) if host not in LOOPBACK]
    return found


def test_no_template_or_static_file_references_a_third_party_host():
    files = [p for folder in ("templates", "static") for p in sorted((BASE_DIR / folder).rglob("*")) if p.is_file()]
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".js" for p in files), files
    offenders = {str(p.relative_to(BASE_DIR)): refs for p in files
                 if (refs := third_party_references(p.read_text(errors="replace")))}
    assert offenders == {}


def test_the_scanner_catches_what_it_is_meant_to():
    """The scan above can fail: a CDN script, a protocol-relative font and a wss host are all caught."""
    page = ('<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@latest/swagger-ui-bundle.js"></script>'
            "<link href='//fonts.googleapis.com/css?family=Inter'>"
            "new WebSocket('wss://push.example.com/ws');"
            '<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="http://127.0.0.1:8000/">local</a>')
    assert third_party_references(page) == [
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist@latest/swagger-ui-bundle.js",
        "wss://push.example.com/ws",
        "//fonts.googleapis.com",
    ]
