"""Hostile career pages scraped through the real pipeline (Celery worker, fake boards on loopback).

Their links are javascript:/data:/vbscript: in many disguises, their titles hold a NUL:
no stored posting, API answer or page carries a non-http(s) link, and the NUL costs
no company its scrape. Boards that redirect inside are refused (docs/security.md).
(Links users type on the /jobs/ form are the tracker's: tests/tracker/test_pages.py.)
"""
import html
import json
import re
import time
import uuid
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import Profile
from core.urls import safe_http_url
from devtools.career_boards import HOSTILE_URLS, SOURCES
from realtime.models import Event
from scraping import services
from scraping.models import Company, CompanyScrape, JobPosting, ScrapeRun
from tracker import services as tracker_services
from tracker.models import Job, Recommendation

pytestmark = pytest.mark.django_db(transaction=True)

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
BAD_SCHEME = re.compile(r"^\s*(javascript|data|vbscript|file)\s*:", re.I)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_for_run(run_id: int, timeout: float = 60) -> ScrapeRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ScrapeRun.objects.get(pk=run_id)
        if run.status in {"completed", "failed", "stopped"}:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run #{run_id} still {ScrapeRun.objects.get(pk=run_id).status} after {timeout}s")


def assert_link(value: str) -> None:
    """A stored or served link: empty, or an absolute http(s) URL that passes the check unchanged."""
    assert value == "" or (value.startswith(("http://", "https://")) and safe_http_url(value) == value), repr(value)


def strings_in(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from ((f"{key}.{k}", s) for k, s in strings_in(item))
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, str):
        yield "", value


def assert_no_bad_link_in_json(payload) -> None:
    for key, text in strings_in(payload):
        assert not BAD_SCHEME.match(text), (key, text)
        if key.split(".")[-1] in {"url", "job_url", "apply_url"}:
            assert_link(text)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [value or "" for name, value in attrs if name in ("href", "src", "action", "formaction")]


def assert_no_bad_link_in_page(body: str) -> list[str]:
    parser = _Links()
    parser.feed(body)
    for link in parser.links:
        scheme = urlsplit(html.unescape(link).strip()).scheme.lower()
        assert scheme in ("", "http", "https"), link
    return parser.links


@pytest.fixture
def hostile(live_boards):
    """One hostile company per source on the live boards; returns {source: company}."""
    companies = {}
    for source in SOURCES:
        token = unique(f"evil-{source}")
        live_boards.add_hostile_company(source, token)
        companies[source] = Company.objects.create(name=token, **live_boards.company_fields(source, token))
    return companies


def test_hostile_boards_store_only_http_links_and_no_control_characters(hostile):
    run = wait_for_run(services.start_run(None).pk)
    assert run.status == "completed", run.error
    scrapes = {cs.company_id: cs for cs in CompanyScrape.objects.filter(run=run)}
    assert {cs.status for cs in scrapes.values()} == {"completed"}, [cs.error for cs in scrapes.values()]

    per_board = len(HOSTILE_URLS) + 1
    postings = list(JobPosting.objects.filter(company__in=hostile.values()).select_related("company"))
    assert len(postings) == per_board * len(SOURCES)
    for posting in postings:
        assert_link(posting.url)
        assert_link(posting.apply_url)
        for field in ("external_id", "title", "location", "department", "description"):
            assert not CONTROL.search(getattr(posting, field)), (field, getattr(posting, field))

    # API boards: every hostile link is dropped (the posting is kept without one) ...
    for source in ("greenhouse", "lever", "ashby"):
        mine = [p for p in postings if p.company == hostile[source]]
        linked = [p for p in mine if p.url]
        assert len(linked) == 1 and len(mine) - len(linked) == len(HOSTILE_URLS)
        assert all(p.apply_url == "" for p in mine if not p.url)
        # ... and a hostile apply link next to a good page link gives way to the page link.
        assert linked[0].apply_url == linked[0].url and urlsplit(linked[0].url).scheme == "https"
    # A career page: an unsafe link gives way to the page the posting is on.
    page = [p for p in postings if p.company == hostile["jsonld"]]
    career_url = hostile["jsonld"].career_url
    assert sum(p.url == career_url for p in page) >= 10
    assert all(p.url.startswith(("http://", "https://")) for p in page)

    # The NUL (and the lone surrogate) left the title; the posting went out live without them.
    titles = {p.title for p in postings}
    assert "Senior Backend Engineer" in titles
    created = Event.objects.filter(type="posting.created", data__company__in=[c.name for c in hostile.values()])
    assert created.count() == len(postings)
    assert not any(CONTROL.search(json.dumps(e.data, ensure_ascii=False)) for e in created)


def test_no_api_answer_or_page_carries_a_hostile_link(hostile, user):
    wait_for_run(services.start_run(None).pk)
    Profile.objects.create(user=user, skills=["Python", "SQL", "Django", "PostgreSQL"],
                           desired_titles=["Senior Backend Engineer", "Frontend Developer", "Data Scientist"],
                           remote_preference="any", years_experience=6)
    tracker_services.refresh_posting_analyses()
    tracker_services.recompute_recommendations(user)
    hostile_ids = set(JobPosting.objects.filter(company__in=hostile.values()).values_list("pk", flat=True))
    recommended = set(Recommendation.objects.filter(user=user).values_list("posting_id", flat=True))
    assert recommended & hostile_ids, "the hostile postings must be in what the user is shown"

    client = Client()
    client.force_login(user)
    answer = client.get("/api/v1/recommendations")
    assert answer.status_code == 200
    assert_no_bad_link_in_json(answer.json())
    assert any(r.get("url") == "" for r in answer.json()["results"])  # hostile links were dropped, not shown

    # The jobs API lists what the user saved (here, a scraped posting's link they kept): http(s) only.
    kept = JobPosting.objects.filter(company=hostile["greenhouse"]).exclude(url="").get()
    tracker_services.create_job(user, company=kept.company.name, job_title=kept.title, job_url=kept.url)
    jobs = client.get("/api/v1/jobs")
    assert jobs.status_code == 200 and jobs.json()["results"]
    assert_no_bad_link_in_json(jobs.json())

    for path in ("/recommendations/", "/jobs/", "/submissions/new/", f"/jobs/{Job.objects.get(user=user).pk}/"):
        body = client.get(path).content.decode()
        assert_no_bad_link_in_page(body)
    links = assert_no_bad_link_in_page(client.get("/recommendations/").content.decode())
    assert any(link.startswith("http") for link in links)  # scraped links are there, as http(s)


def test_a_board_redirecting_inside_fails_alone_without_reaching_it(live_boards):
    good_token, inside_token, private_token = unique("gh-good"), unique("gh-inside"), unique("ld-private")
    live_boards.add_company("greenhouse", good_token, count=2)
    live_boards.add_company("greenhouse", inside_token, count=2)
    live_boards.redirect_company(inside_token, "http://169.254.169.254/latest/meta-data/iam/")
    good = Company.objects.create(name=good_token, **live_boards.company_fields("greenhouse", good_token))
    inside = Company.objects.create(name=inside_token, **live_boards.company_fields("greenhouse", inside_token))
    private = Company.objects.create(name=private_token, source="jsonld", career_url="http://10.0.0.1/careers")
    run = wait_for_run(services.start_run(None).pk)
    assert run.status == "completed"
    scrapes = {cs.company_id: cs for cs in CompanyScrape.objects.filter(run=run)}
    assert scrapes[good.pk].status == "completed"
    assert scrapes[inside.pk].status == "failed" and "cloud metadata address" in scrapes[inside.pk].error
    assert scrapes[private.pk].status == "failed" and "private address" in scrapes[private.pk].error
    assert "after" not in scrapes[inside.pk].error  # refused once, not retried like a network error
    assert not JobPosting.objects.filter(company__in=[inside, private]).exists()
