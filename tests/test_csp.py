"""Pages send a Content-Security-Policy that no inline script passes without this request's nonce
(core.csp); outside links are re-checked where they are rendered (core.urls, the safe_url filter);
request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are refused before Django reads them (core.limits)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Profile
from core.urls import safe_http_url
from scraping.models import Company, JobPosting
from submissions import services as submissions
from tracker import services as tracker

HOSTILE_LINKS = [
    "javascript:alert(document.domain)", "JavaScript:alert(1)", "  javascript:alert(1)", "\x01javascript:alert(1)",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "javascript://example.com/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "jav&#x09;ascript:alert(1)",
    "//evil.example/x", "/jobs/1/", "http:/evil.example", "https:evil.example", "http://", "https://a b.example/",
    "http://user@host\\evil.example/", "http://example.com:99999/", "", None, 42, "h" * 5000,
]


@pytest.mark.parametrize("value", HOSTILE_LINKS)
def test_only_absolute_http_links_pass(value):
    assert safe_http_url(value) is None


@pytest.mark.parametrize("value, cleaned", [
    ("https://jobs.example.com/1", "https://jobs.example.com/1"),
    ("HTTPS://Jobs.example.com/1?a=b#c", "https://Jobs.example.com/1?a=b#c"),
    ("  http://a.example/x\n", "http://a.example/x"),
    ("ht\ttp://a.example/", "http://a.example/"),
    ("http://[::1]:8000/x", "http://[::1]:8000/x"),
])
def test_http_links_are_kept_cleaned(value, cleaned):
    assert safe_http_url(value) == cleaned


def render_link(url: object) -> str:
    return Template('{% load safe_url %}{% with h=url|safe_url %}{% if h %}<a href="{{ h }}">t</a>'
                    '{% else %}t{% endif %}{% endwith %}').render(Context({"url": url}))


def test_the_filter_renders_text_only_for_a_hostile_link_and_still_escapes_a_good_one():
    for value in HOSTILE_LINKS:
        assert render_link(value) == "t", value
    assert render_link('https://a.example/?q=1&x="><script>') == \
        '<a href="https://a.example/?q=1&amp;x=&quot;&gt;&lt;script&gt;">t</a>'


# --- the policy header and the markup of every page --------------------------------------------------------

DIRECTIVES = {
    "default-src": "'self'", "img-src": "'self' data:", "object-src": "'none'", "base-uri": "'none'",
    "frame-ancestors": "'none'", "form-action": "'self'", "style-src-attr": "'unsafe-inline'",
}
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b([^>]*)>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def parse_policy(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def attribute(attrs: str, name: str) -> str | None:
    match = re.search(rf'\b{name}="([^"]*)"', attrs)
    return match.group(1) if match else None


@pytest.fixture
def site_data(make_user):
    """A staff member with something on every page: a tracker job, application, interview, follow-up,
    a scraped posting in a submission job and a recommendation."""
    staff = make_user("csp-staff", staff=True, is_superuser=True)
    Profile.objects.create(user=staff, skills=["Python", "Django", "PostgreSQL"], desired_titles=["Backend Engineer"],
                           remote_preference="remote", years_experience=5)
    job, _ = tracker.create_job(staff, company="Hooli", job_title="Backend Engineer", location="Remote",
                                job_description="## Requirements\n- Python and Django\n- PostgreSQL",
                                job_url="https://hooli.example/jobs/1")
    tracker.analyze_job(job.id)
    app = tracker.create_application(staff, job.id)
    tracker.schedule_interview(staff, app.id, interview_type="technical",
                               scheduled_date=timezone.now() + timedelta(days=2),
                               meeting_link="https://meet.example/abc")
    tracker.create_followup(staff, app.id, followup_type="post_application",
                            scheduled_date=timezone.now() + timedelta(days=3))
    company = Company.objects.create(name="Initech", source=Company.Source.GREENHOUSE, board_token="csp-initech")
    posting = JobPosting.objects.create(company=company, external_id="1", title="Backend Engineer", location="Remote",
                                        description="Python, Django", url="https://boards.example/initech/1")
    submission_job = submissions.create_job(staff, [posting.id], start=False)
    tracker.recompute_recommendations(staff)
    return {"staff": staff, "job": job, "submission_job": submission_job}


def page_paths(data: dict) -> list[str]:
    return [
        "/dashboard/", "/tokens/", "/profile/", "/autoapply/", "/scraping/", "/submissions/", "/submissions/new/",
        f"/submissions/{data['submission_job'].pk}/", "/staff/monitor/", "/jobs/", f"/jobs/{data['job'].id}/",
        "/applications/", "/recommendations/", "/interviews/", "/followups/", "/admin/", "/admin/tracker/job/",
        f"/admin/tracker/job/{data['job'].id}/change/", "/admin/accounts/apitoken/", "/api/docs/",
    ]


def pages(client: Client, paths: list[str]) -> Iterator[tuple[str, str, dict[str, str]]]:
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        yield path, response.content.decode(), parse_policy(response["Content-Security-Policy"])


@pytest.mark.django_db
def test_every_page_sends_the_policy_and_no_inline_script_runs_without_its_nonce(site_data):
    client = Client()
    client.force_login(site_data["staff"])
    anonymous = Client()
    seen_nonces = set()
    checked = [*pages(client, page_paths(site_data)), *pages(anonymous, ["/login/"])]
    for path, html, policy in checked:
        nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9_-]{20,})'", policy["script-src"]).group(1)
        assert "unsafe" not in policy["script-src"] and "unsafe" not in policy["style-src"], path
        assert policy["style-src"] == f"'self' 'nonce-{nonce}'", path
        assert {name: policy[name] for name in DIRECTIVES} == DIRECTIVES, path
        assert policy["connect-src"] == "'self' ws://testserver wss://testserver", path
        assert nonce not in seen_nonces, path  # a fresh nonce per response
        seen_nonces.add(nonce)
        for attrs in SCRIPT_TAG.findall(html):  # external, a JSON data block, or this response's nonce
            assert attribute(attrs, "src") or attribute(attrs, "type") == "application/json" \
                or attribute(attrs, "nonce") == nonce, (path, attrs)
        for attrs in STYLE_TAG.findall(html):
            assert attribute(attrs, "nonce") == nonce, (path, attrs)
        assert not HANDLER_ATTRIBUTE.search(html), path
        assert "javascript:" not in html.lower(), path
    inline = [path for path, html, _ in checked if re.search(r"<script nonce=", html)]
    assert {"/dashboard/", "/tokens/"} <= set(inline), inline  # the check above saw nonce'd scripts


@pytest.mark.django_db
def test_api_answers_carry_the_policy_too(api_client, user):
    api_client.force_login(user)
    response = api_client.get("/api/v1/jobs")
    assert response.status_code == 200
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]


# --- in Chromium: no page of the site trips its own policy ---------------------------------------------------

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


class ViolationWatch:
    """Console messages about the policy and securitypolicyviolation events, for every page of a context."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(WATCH_VIOLATIONS)
        page.on("console", self.on_console)

    def on_console(self, message) -> None:
        text = message.text
        if "Refused to" in text or "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(f"{self.page.url}: {text}")

    def events(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations || []")


@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_its_own_policy_in_chromium(site_data, daphne_server, new_page, login):
    page = new_page()
    watch = ViolationWatch(page)
    page.goto(f"{daphne_server.url}/login/")
    page.wait_for_load_state("networkidle")
    login(page, daphne_server, site_data["staff"])
    problems = []
    for path in page_paths(site_data):
        response = page.goto(f"{daphne_server.url}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        if path == "/api/docs/":
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("Jobelix API")
            expect(page.locator('.opblock-summary-path[data-path="/api/v1/jobs"]').first).to_be_visible()
        if path == "/dashboard/":  # the nonce'd inline script ran: the feed lists the stored events
            expect(page.locator("#activity-feed li[data-event-id]").first).to_be_visible()
            expect(page.locator("#live-status")).to_have_text("Live")  # connect-src lets the WebSocket in
        problems += [f"{path}: {v}" for v in watch.events()]
    assert problems == [] and watch.console == [], (problems, watch.console)

    # The watch can fail: a script injected without the nonce is refused, and reported.
    page.goto(f"{daphne_server.url}/dashboard/")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.__injected = true'; document.body.append(s); }""")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("window.__injected === undefined")
    assert any("script-src" in v for v in watch.events()), watch.events()


# --- request bodies ----------------------------------------------------------------------------------------

def big_json(size: int) -> bytes:
    return b'{"company": "Acme", "job_title": "Engineer", "job_description": "' + b"x" * size + b'"}'


@pytest.mark.django_db(transaction=True)
def test_a_body_over_the_limit_is_a_clear_413_before_anything_reads_it(daphne_server, user, make_token):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    headers = {"Authorization": f"Bearer {make_token(user)}", "Content-Type": "application/json"}
    with httpx.Client(base_url=daphne_server.url, timeout=30) as client:
        declared = client.post("/api/v1/jobs", content=big_json(5 * 1024 * 1024), headers=headers)
        assert declared.status_code == 413
        assert declared.json() == {"error": f"The request body is larger than the limit of {limit} bytes.",
                                   "limit_bytes": limit}

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            body = big_json(5 * 1024 * 1024)
            for start in range(0, len(body), 64 * 1024):
                yield body[start:start + 64 * 1024]

        chunked = client.post("/api/v1/jobs", content=chunks(), headers=headers)
        assert "content-length" not in chunked.request.headers
        assert chunked.status_code == 413 and chunked.json()["limit_bytes"] == limit

        anonymous = client.post("/api/v1/jobs", content=big_json(5 * 1024 * 1024),
                                headers={"Content-Type": "application/json"})
        assert anonymous.status_code == 413  # refused before authentication is even looked at
        page = client.post("/login/", content=b"a" * (limit + 1),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert page.status_code == 413 and page.headers["content-type"].startswith("text/plain")

        within = client.post("/api/v1/jobs", content=big_json(limit // 2), headers=headers)
        assert within.status_code in (201, 400), within.text  # read and answered by the view, not refused
        small = client.post("/api/v1/jobs", headers=headers, json={
            "company": "Acme", "job_title": "Engineer", "job_url": "https://acme.example/1"})
        assert small.status_code == 201, small.text
