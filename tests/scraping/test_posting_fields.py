"""Salary, workplace type, locations, employment type, employer, expiry and structured
descriptions: read from each source's documented fields, stored, filtered, migrated."""
import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from scraping.models import Company, JobPosting
from scraping.services import save_postings
from scraping.sources import FetchConfig, Fetcher, ashby, fetch_jobs, greenhouse, jsonld, lever
from scraping.sources.base import NormalizedJob, Salary
from scraping.sources.richtext import description_html, sanitize_html, text_to_html

FIELDS = Path(__file__).resolve().parent.parent / "fixtures" / "boards" / "fields"


def load(name):
    return json.loads((FIELDS / name).read_text())


def by_id(jobs):
    return {job.external_id: job for job in jobs}


def locs(job):
    return [loc.to_dict() for loc in job.locations]


def test_greenhouse_pay_ranges_offices_and_first_published():
    jobs = by_id(greenhouse.parse(load("greenhouse_pay.json")))
    staff = jobs["5001"]
    assert staff.salary == Salary(min=Decimal("180000"), max=Decimal("220000"), currency="USD", interval="year",
                                  text="US base salary Plus equity.")
    assert staff.posted_at == datetime(2024, 5, 1, 14, tzinfo=UTC)  # first_published, not updated_at
    assert staff.updated_at == datetime(2024, 6, 10, 13, 15, tzinfo=UTC)
    # Offices not named in the location string are kept, remote scopes included.
    assert [(loc["name"], loc["country"], loc["remote_scope"], loc["workplace_type"]) for loc in locs(staff)] == [
        ("New York, NY", "US", "", "unknown"),
        ("Remote (US)", "US", "US", "remote"),
        ("Remote (Canada)", "CA", "Canada", "remote"),
    ]
    assert staff.workplace_type == "unknown"  # on site in New York or remote: the board does not say which
    assert staff.description_html == (
        '<h2>About the Role</h2><p>Build <a href="https://acme.example/eng" rel="nofollow noopener">things</a> '
        "safely.</p><ul><li>Python</li></ul>"
    )
    support = jobs["5002"]
    assert support.posted_at is None and support.updated_at == datetime(2024, 6, 11, 9, 15, tzinfo=UTC)
    assert support.workplace_type == "remote" and support.salary == Salary()


def test_lever_salary_range_onsite_all_locations_and_commitment():
    jobs = by_id(lever.parse(load("lever_fields.json")))
    trainer = jobs["7a1b2c3d-0000-4000-8000-000000000001"]
    assert trainer.workplace_type == "onsite" and trainer.remote is False  # 'onsite' is recognised
    assert [(loc["name"], loc["country"]) for loc in locs(trainer)] == [("Berlin", "DE"), ("Munich", ""), ("Hamburg", "")]
    assert {loc["workplace_type"] for loc in locs(trainer)} == {"onsite"}
    assert trainer.salary == Salary(min=Decimal("18.50"), max=Decimal("22.00"), currency="EUR", interval="hour",
                                    text="Plus tips.")
    assert (trainer.employment_type, trainer.employment_type_text) == ("part-time", "Part-time")
    assert trainer.updated_at == datetime.fromtimestamp(1718200000, tz=UTC)
    analyst = jobs["7a1b2c3d-0000-4000-8000-000000000002"]
    assert analyst.workplace_type == "remote" and analyst.employment_type == "contract"
    assert [(loc["remote_scope"], loc["country"]) for loc in locs(analyst)] == [("US", "US"), ("Canada", "CA")]
    assert "<h3>You bring</h3><ul><li>Patience</li></ul>" in trainer.description_html


def test_ashby_compensation_hybrid_secondary_locations_and_employment_type():
    jobs = by_id(ashby.parse(load("ashby_compensation.json")))
    pm = jobs["9c8b7a6d-0000-4000-8000-000000000001"]
    assert pm.workplace_type == "hybrid"  # Hybrid with isRemote=true stays hybrid
    assert pm.salary == Salary(min=Decimal("80000"), max=Decimal("95000"), currency="EUR", interval="year",
                               text="€80K – €95K • Offers Equity")
    assert [(loc["name"], loc["city"], loc["country"], loc["workplace_type"]) for loc in locs(pm)] == [
        ("Berlin", "Berlin", "DE", "hybrid"),
        ("Remote - Germany", "", "DE", "remote"),
        ("Munich", "Munich", "DE", "hybrid"),
    ]
    assert pm.employment_type == "temporary"
    assert pm.description_html == "<h2>The job</h2><p>Own the roadmap.</p><h4>Perks</h4><ol><li>Bike</li></ol>"
    designer = jobs["9c8b7a6d-0000-4000-8000-000000000002"]
    assert designer.workplace_type == "remote" and designer.employment_type == "part-time"
    assert designer.description_html == "<p>Draw things.</p>"  # descriptionPlain kept as a paragraph


@pytest.mark.parametrize("source, asked", [("greenhouse", ("pay_transparency", "true")),
                                           ("ashby", ("includeCompensation", "true")),
                                           ("lever", ("mode", "json")), ("jsonld", None)])
def test_fetches_ask_for_pay_and_every_source_fills_the_fields(boards, source, asked):
    """The fake boards send pay only when asked, as the real APIs do."""
    boards.add_company(source, "payco", count=2)
    with ThreadPoolExecutor(max_workers=1) as thread:
        jobs = thread.submit(asyncio.run, _scrape(source, boards.ref(source, "payco"))).result()
    assert len(jobs) == 2
    if asked:
        assert any(query.get(asked[0]) == [asked[1]] for _, query in boards.queries)
    for job in jobs:
        assert job.salary.min is not None and job.salary.max > job.salary.min
        assert (job.salary.currency, job.salary.interval) == ("USD", "year")
        assert job.locations and job.description_html.startswith("<")
    if source != "greenhouse":
        assert {job.employment_type for job in jobs} == {"full-time"}


async def _scrape(source: str, ref: str) -> list[NormalizedJob]:
    config = FetchConfig(per_domain_concurrency=5, per_domain_delay=0.0, timeout=5.0, retries=0, backoff=0.05)
    async with Fetcher(config) as fetcher:
        return await fetch_jobs(fetcher, source, ref)


def test_jsonld_salary_remote_requirements_employer_expiry_and_markdown():
    jobs = by_id(jsonld.parse((FIELDS / "jsonld_fields.html").read_text(), "https://staffing.example/jobs"))
    dev = jobs["BE-1"]
    assert dev.employer == "Globex"
    assert dev.salary == Salary(min=Decimal("120000"), max=Decimal("150000"), currency="USD", interval="year",
                                text="USD 120,000 – 150,000 per year")
    assert dev.workplace_type == "remote"
    assert [(loc["name"], loc["country"], loc["remote_scope"]) for loc in locs(dev)] == [
        ("Remote (USA)", "US", "USA"), ("Remote (Canada)", "CA", "Canada"),
    ]
    assert (dev.employment_type, dev.employment_type_text) == ("full-time", "FULL_TIME, CONTRACTOR")
    assert dev.posted_at == datetime(2024, 5, 1, 9, tzinfo=UTC)  # no zone: read as UTC (docs/scraping.md)
    assert dev.updated_at == datetime(2024, 5, 3, tzinfo=UTC)
    assert dev.valid_through == datetime(2099, 12, 31, 23, 59, tzinfo=UTC)
    # Markdown keeps its structure: newlines, '## ' headings, lists.
    assert dev.description_html == (
        "<p>We build APIs.<br>Team of five.</p><h2>Requirements</h2><ul><li>Python</li><li>PostgreSQL</li></ul>"
        "<h2>Nice to have</h2><ol><li>Go</li><li><strong>Kafka</strong></li></ol>"
    )
    assert dev.description == (
        "We build APIs.\nTeam of five.\n\nRequirements\n\n- Python\n- PostgreSQL\n\nNice to have\n\n- Go\n- Kafka"
    )
    nurse = jobs["RN-9"]
    assert nurse.employer == "Initech Health" and nurse.workplace_type == "onsite"
    assert nurse.salary == Salary(min=Decimal("21.50"), max=Decimal("21.50"), currency="GBP", interval="hour",
                                  text="GBP 22 per hour")
    assert locs(nurse)[0]["city"] == "Leeds" and locs(nurse)[0]["country"] == "GB"
    assert nurse.valid_through == datetime(2020, 2, 1, tzinfo=UTC)


def test_sanitiser_keeps_only_the_allow_list():
    dirty = (
        '<div onclick="x()"><H1 style="c">Title</H1><script>alert(1)</script><p>a <b>b</b> <i>c</i>'
        '<a href="javascript:alert(1)">j</a><a href="http://ok.example/?a=1&b=2">ok</a></p>'
        '<table><tr><td>cell</td></tr></table><iframe src="http://x">in</iframe><p>&lt;b&gt;text&lt;/b&gt;</p></div>'
    )
    assert sanitize_html(dirty) == (
        '<h2>Title</h2><p>a <strong>b</strong> <em>c</em>j'
        '<a href="http://ok.example/?a=1&amp;b=2" rel="nofollow noopener">ok</a></p><p>cell</p>'
        "<p>&lt;b&gt;text&lt;/b&gt;</p>"
    )
    assert text_to_html("<script>x</script>") == "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    assert description_html("   ") == ""
    # Deep nesting and many unmatched closing tags stay linear and well formed.
    hostile = "<ul>" * 5000 + "</p>" * 5000 + "x"
    out = sanitize_html(hostile)
    assert out.count("<ul>") == out.count("</ul>") <= 32


@pytest.mark.django_db
def test_save_postings_stores_the_fields_and_retires_expired_postings():
    company = Company.objects.create(name="Staffing", source=Company.Source.JSONLD, career_url="https://staffing.example/jobs")
    jobs = jsonld.parse((FIELDS / "jsonld_fields.html").read_text(), "https://staffing.example/jobs")
    new = save_postings(company, jobs)
    assert [p.external_id for p in new] == ["BE-1"]  # the expired one is saved retired, not new
    dev = JobPosting.objects.get(external_id="BE-1")
    assert dev.active and dev.workplace_type == "remote" and dev.employer == "Globex"
    assert (dev.salary_min, dev.salary_max, dev.salary_currency, dev.salary_interval) == (
        Decimal("120000.00"), Decimal("150000.00"), "USD", "year")
    assert sorted(dev.countries) == ["CA", "Canada", "US", "USA"]
    assert dev.locations[0]["remote_scope"] == "USA"
    assert dev.employment_type == "full-time" and dev.source_updated_at == datetime(2024, 5, 3, tzinfo=UTC)
    assert JobPosting.objects.get(external_id="RN-9").active is False

    # A posting saved active whose valid_through passes is retired on the next scrape.
    soon = timezone.now() + timedelta(seconds=1)
    job = NormalizedJob(external_id="X-1", title="Short gig", valid_through=soon)
    save_postings(company, [job])
    assert JobPosting.objects.get(external_id="X-1").active is True
    past = NormalizedJob(external_id="X-1", title="Short gig", valid_through=timezone.now() - timedelta(seconds=1))
    save_postings(company, [past])
    assert JobPosting.objects.get(external_id="X-1").active is False


@pytest.mark.django_db(transaction=True)
def test_migration_backfills_postings_created_before_it():
    before, after = [("scraping", "0003_rename_scheduled_scrape_task")], [("scraping", "0004_posting_fields")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldCompany = old_apps.get_model("scraping", "Company")
    OldPosting = old_apps.get_model("scraping", "JobPosting")
    company = OldCompany.objects.create(name="Old", source="greenhouse", board_token="old")
    OldPosting.objects.create(company=company, external_id="r", title="Remote job", location="Remote - US",
                              remote=True, description="One <b>&\n\nTwo")
    OldPosting.objects.create(company=company, external_id="o", title="Office job", location="", remote=False)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    Posting = new_apps.get_model("scraping", "JobPosting")
    remote = Posting.objects.get(external_id="r")
    assert remote.workplace_type == "remote" and remote.title == "Remote job"
    assert remote.locations == [{"name": "Remote - US", "city": "", "region": "", "country": "", "remote_scope": "",
                                 "workplace_type": "remote"}]
    assert remote.description_html == "<p>One &lt;b&gt;&amp;</p><p>Two</p>"
    office = Posting.objects.get(external_id="o")
    assert office.workplace_type == "unknown" and office.locations == [] and office.salary_min is None
    assert office.employment_type == "" and office.countries == []
    # Back to the latest state for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def board_postings():
    """Postings of all four fixture boards, saved through the real service."""
    acme = Company.objects.create(name="Acme", source="greenhouse", board_token="acme")
    brew = Company.objects.create(name="Brew", source="lever", board_token="brew")
    ash = Company.objects.create(name="Ash", source="ashby", board_token="ash")
    staffing = Company.objects.create(name="Staffing", source="jsonld", career_url="https://staffing.example/jobs")
    save_postings(acme, greenhouse.parse(load("greenhouse_pay.json")))
    save_postings(brew, lever.parse(load("lever_fields.json")))
    save_postings(ash, ashby.parse(load("ashby_compensation.json")))
    save_postings(staffing, jsonld.parse((FIELDS / "jsonld_fields.html").read_text(), "https://staffing.example/jobs"))


def titles(response):
    assert response.status_code == 200, response.content
    return sorted(p["title"] for p in response.json()["postings"])


@pytest.mark.django_db
def test_postings_api_filters_by_salary_workplace_country_and_type(api_client, user, board_postings):
    assert api_client.get("/api/v1/scraping/postings").status_code in (401, 403)  # signed-in users only
    api_client.force_authenticate(user)
    everything = titles(api_client.get("/api/v1/scraping/postings"))
    assert "Night Nurse" not in everything  # expired: retired on save
    assert len(everything) == 7
    assert titles(api_client.get("/api/v1/scraping/postings?salary_min=150000")) == [
        "Backend Developer", "Staff Engineer"]
    assert titles(api_client.get("/api/v1/scraping/postings?salary_min=20&salary_interval=hour")) == [
        "Barista Trainer"]
    assert titles(api_client.get("/api/v1/scraping/postings?workplace=hybrid,onsite")) == [
        "Barista Trainer", "Product Manager"]
    assert titles(api_client.get("/api/v1/scraping/postings?workplace=remote&country=Canada")) == [
        "Backend Developer", "Contract Data Analyst"]
    assert titles(api_client.get("/api/v1/scraping/postings?country=de")) == ["Barista Trainer", "Product Manager"]
    assert titles(api_client.get("/api/v1/scraping/postings?country=Germany")) == [
        "Barista Trainer", "Product Manager"]
    assert titles(api_client.get("/api/v1/scraping/postings?employment_type=part-time")) == [
        "Barista Trainer", "Part-time Designer"]
    bad = api_client.get("/api/v1/scraping/postings?workplace=moon&salary_min=-1")
    assert bad.status_code == 400 and {"workplace", "salary_min"} <= set(bad.json()["fields"])

    listed = api_client.get("/api/v1/scraping/postings?q=Staff Engineer").json()["postings"][0]
    assert listed["salary"] == {"min": 180000.0, "max": 220000.0, "currency": "USD", "interval": "year",
                                "text": "US base salary Plus equity."}
    assert listed["posted_at"] == "2024-05-01T14:00:00.000Z" and listed["updated_at"] == "2024-06-10T13:15:00.000Z"
    assert "description_html" not in listed
    detail = api_client.get(f"/api/v1/scraping/postings/{listed['id']}").json()
    assert detail["description_html"].startswith("<h2>About the Role</h2>")
    assert detail["description"].startswith("About the Role\n\nBuild things safely.")
    assert api_client.get("/api/v1/scraping/postings/999999").status_code == 404


@pytest.mark.django_db
def test_openapi_documents_the_posting_filters(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/scraping/postings" in text
    for name in ("salary_min", "salary_interval", "workplace", "country", "employment_type"):
        assert f"name: {name}" in text


@pytest.mark.django_db
def test_recommendations_page_renders_posting_facts_escaped(client, user, board_postings):
    from tracker.models import Recommendation

    posting = JobPosting.objects.get(title="Staff Engineer")
    JobPosting.objects.filter(pk=posting.pk).update(locations=[{"name": "<img src=x onerror=alert(1)>"}])
    Recommendation.objects.create(user=user, posting=posting, score=75, recommendation="consider",
                                  company="Acme", job_title=posting.title, url=posting.url)
    client.force_login(user)
    html = client.get("/recommendations/").content.decode()
    assert '<span class="posting-salary">USD 180,000–220,000 / year</span>' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert 'id="posting-filters"' in html
    assert 'id="postings-table"' in client.get("/jobs/").content.decode()
