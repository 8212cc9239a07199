"""Parsers read each board's real payload shape into the same NormalizedJob."""
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraping.sources import SourceError, ashby, greenhouse, html_to_text, jsonld, lever
from scraping.sources.base import parse_datetime

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "boards"


def load(name):
    return json.loads((FIXTURES / name).read_text())


def by_id(jobs):
    return {job.external_id: job for job in jobs}


def test_greenhouse_jobs_become_normalized_postings():
    jobs = by_id(greenhouse.parse(load("greenhouse_jobs.json")))
    assert set(jobs) == {"4012345", "4012346", "4012347"}
    backend = jobs["4012345"]
    assert backend.title == "Senior Backend Engineer"
    assert backend.location == "San Francisco, CA"
    assert backend.department == "Engineering"
    assert backend.url == "https://boards.greenhouse.io/acme/jobs/4012345"
    assert backend.apply_url == backend.url
    assert backend.remote is False
    assert backend.posted_at == datetime(2024, 4, 20, 13, 0, tzinfo=UTC)  # first_published
    # entity-escaped HTML: unescaped, tags stripped, paragraphs and list items kept
    assert backend.description == (
        "Acme builds payments infrastructure & tools.\n\n"
        "What you'll do\n\n"
        "- Design APIs in Python\n"
        "- Own Postgres <-> Kafka pipelines\n\n"
        "Salary: $180k\nBenefits included."
    )
    assert jobs["4012346"].remote is True  # "Remote - US"
    assert jobs["4012347"].department == "" and jobs["4012347"].description == ""
    # No first_published: no posted date (updated_at moves on every edit; it is kept apart).
    assert jobs["4012347"].posted_at is None
    assert jobs["4012347"].updated_at == datetime(2024, 5, 4, 8, 30, tzinfo=UTC)


def test_lever_postings_include_lists_and_workplace_type():
    jobs = by_id(lever.parse(load("lever_postings.json")))
    sre = jobs["5ac21346-8e0c-4494-8e7a-3eb92ff77902"]
    assert sre.title == "Site Reliability Engineer"
    assert sre.location == "Toronto, ON"
    assert sre.department == "Engineering"
    assert sre.remote is False  # hybrid
    assert sre.url.endswith("/5ac21346-8e0c-4494-8e7a-3eb92ff77902")
    assert sre.apply_url.endswith("/apply")
    assert sre.posted_at == datetime.fromtimestamp(1714650000, tz=UTC)  # createdAt in ms
    assert sre.description == (
        "Leverage builds hiring software.\n\n"
        "What you'll do\n\n- Run Kubernetes clusters\n- Write Go & Python\n\n"
        "Requirements\n\n- 5+ years of experience\n\n"
        "We are an equal opportunity employer."
    )
    support = jobs["a3f1c0de-0000-4c1d-9f00-000000000002"]
    assert support.remote is True and support.department == "Support"  # team when no department
    intern = jobs["b7e2d1aa-0000-4c1d-9f00-000000000003"]
    assert intern.remote is True  # workplaceType unspecified, location says Remote
    assert intern.description == "Summer internship."  # descriptionPlain when description is empty


def test_ashby_drops_unlisted_jobs_and_prefers_workplace_type():
    jobs = by_id(ashby.parse(load("ashby_job_board.json")))
    assert "2d5e4f3a-8c6f-4b2a-9c77-3f4a5b6c7d8e" not in jobs  # isListed: false
    assert len(jobs) == 3
    ml = jobs["0b3c2f1e-6a4d-4f0e-9a55-1d2e3f4a5b6c"]
    assert ml.remote is False  # workplaceType Hybrid wins over isRemote true
    assert ml.department == "Research"
    assert ml.description == 'Train models at scale.\n\nWork with "researchers".'  # script dropped
    assert ml.apply_url.endswith("/application")
    assert ml.posted_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    recruiter = jobs["1c4d3e2f-7b5e-4a1f-8b66-2e3f4a5b6c7d"]
    assert recruiter.remote is True  # workplaceType Remote wins over isRemote false
    assert recruiter.description == "Hire great people."  # descriptionPlain fallback
    assert jobs["3e6f5a4b-9d7a-4c3b-8d88-4a5b6c7d8e9f"].remote is True  # no workplaceType: isRemote


def test_jsonld_finds_postings_in_graph_lists_and_arrays():
    page_url = "https://widgets.example/careers"
    jobs = by_id(jsonld.parse((FIXTURES / "jsonld_careers.html").read_text(), page_url))
    assert len(jobs) == 3
    lead = jobs["WH-0042"]  # identifier PropertyValue
    assert lead.title == "Warehouse Lead"
    assert lead.location == "Columbus, OH, US"
    assert lead.url == "https://widgets.example/careers/warehouse-lead"
    assert lead.description == "Lead a team of 12 & keep things moving.\n\nForklift certified."
    assert lead.posted_at == datetime(2024, 5, 1, tzinfo=UTC)
    support = jobs["SUP-7"]
    assert support.remote is True and support.location == "Remote (USA)"  # TELECOMMUTE
    assert support.url == page_url
    assert support.description == "Answer tickets from anywhere.\n\n- Linux\n- SQL"
    sales = next(job for job in jobs.values() if job.title == "Sales Manager")
    assert sales.location == "Denver, CO, US; Chicago, IL"
    # no identifier nor url: an id derived from its content, the same on every scrape
    assert sales.external_id.startswith("ld-")
    assert sales.external_id in by_id(jsonld.parse((FIXTURES / "jsonld_careers.html").read_text(), page_url))


def test_jsonld_ignores_broken_blocks_and_other_types():
    page = (
        '<script type="application/ld+json">{not json</script>'
        '<script type="application/ld+json">{"@type": "Organization", "name": "X"}</script>'
        '<script type="text/javascript">var x = {"@type": "JobPosting"};</script>'
        '<script type="application/ld+json">{"@type": "WebPage", "mainEntity": '
        '{"@type": "http://schema.org/JobPosting", "title": "Nested", "identifier": 7}}</script>'
    )
    jobs = jsonld.parse(page, "https://x.example/jobs")
    assert [(j.external_id, j.title) for j in jobs] == [("7", "Nested")]


def test_jsonld_item_list_links_are_reported_for_following():
    page = (
        '<script type="application/ld+json">{"@type": "ItemList", "itemListElement": ['
        '{"@type": "ListItem", "position": 1, "url": "/jobs/1"},'
        '{"@type": "ListItem", "position": 2, "item": {"@id": "https://x.example/jobs/2"}}]}</script>'
    )
    postings, links = jsonld.extract(page, "https://x.example/careers")
    assert postings == []
    assert links == ["https://x.example/jobs/1", "https://x.example/jobs/2"]


@pytest.mark.parametrize("module, payload", [(greenhouse, []), (greenhouse, {"meta": {}}), (lever, {"ok": False}), (ashby, {"apiVersion": "1"})])
def test_unexpected_payload_shapes_are_source_errors(module, payload):
    with pytest.raises(SourceError):
        module.parse(payload)


def test_html_to_text_unescapes_then_strips_and_keeps_paragraphs():
    assert html_to_text("&lt;p&gt;One &amp;amp; two&lt;/p&gt;&lt;p&gt;Three&lt;/p&gt;") == "One & two\n\nThree"
    assert html_to_text("<p>a\n   b</p><style>p{}</style><p>c&nbsp;d</p>") == "a b\n\nc d"
    assert html_to_text("Use a &lt;div&gt; <b>here</b>") == "Use a <div> here"  # real markup: entities stay text
    assert html_to_text(None) == ""


def test_board_urls_use_the_base_url_settings(scraping_settings):
    scraping_settings(GREENHOUSE_API_BASE="http://127.0.0.1:9/", LEVER_API_BASE="http://127.0.0.1:9", ASHBY_API_BASE="http://127.0.0.1:9")
    assert greenhouse.board_url("acme") == "http://127.0.0.1:9/v1/boards/acme/jobs"
    assert lever.board_url("leverage") == "http://127.0.0.1:9/v0/postings/leverage"
    assert ashby.board_url("ash/../co") == "http://127.0.0.1:9/posting-api/job-board/ash%2F..%2Fco"


def test_parse_datetime_forms():
    assert parse_datetime("2024-05-01") == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_datetime("2024-05-01T12:00:00.000+02:00") == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_datetime(1714650000000) == datetime.fromtimestamp(1714650000, tz=UTC)
    assert parse_datetime("soon") is None and parse_datetime(None) is None
