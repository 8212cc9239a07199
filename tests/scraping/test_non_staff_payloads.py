"""What non-staff receive about scraping (issue 12 item 10; docs/security.md "Scraping events"):
no staff member's username and no fetched address, in events, the API or the page; staff
on a session still see both."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from realtime.models import Event
from scraping import services
from scraping.models import Company, CompanyScrape

pytestmark = pytest.mark.django_db

LEAKY_ERROR = "HTTP 500 from http://10.20.30.40:8080/careers/jobs.json after 3 attempts (connect 10.20.30.40:8080)"


@pytest.fixture
def failed_run(make_user):
    boss = make_user("scrape-boss", staff=True)
    company = services.save_company(Company(name="Internal Co", source=Company.Source.JSONLD,
                                            career_url="https://careers.example.com/jobs"))
    run = services.start_run(boss, [company.pk])
    services.claim_run(run.pk)
    scrape = CompanyScrape.objects.get(run=run)
    services.mark_company_running(scrape.pk)
    services.record_company_failure(scrape.pk, CompanyScrape.Status.FAILED, LEAKY_ERROR, 0.5)
    return boss, run


def leaks(text: str) -> list[str]:
    return [secret for secret in ("scrape-boss", "10.20.30.40", "http://") if secret in text]


def test_events_name_no_staff_member_and_quote_no_address(failed_run):
    boss, run = failed_run
    published = list(Event.objects.filter(channel="scraping").values_list("type", "data"))
    assert {type_ for type_, _ in published} == {"scraping.run_updated", "scraping.company_updated"}
    assert not leaks(str(published))
    runs = [data for type_, data in published if type_ == "scraping.run_updated"]
    assert {data["started_by"] for data in runs} == {"staff"}
    failed = [data for type_, data in published if type_ == "scraping.company_updated" and data["status"] == "failed"]
    assert failed[0]["error"] == ("HTTP 500 from [address hidden] after 3 attempts (connect [address hidden])")


def test_the_api_and_page_show_the_full_values_to_staff_only(failed_run, user):
    boss, run = failed_run
    staff, member = APIClient(), APIClient()
    staff.force_login(boss)
    member.force_login(user)
    for path in (f"/api/v1/scraping/runs/{run.pk}", "/api/v1/scraping/status", "/api/v1/scraping/runs",
                 "/api/v1/events?channels=scraping"):
        assert not leaks(member.get(path).content.decode()), path
    assert not leaks(member.get("/scraping/").content.decode())

    detail = staff.get(f"/api/v1/scraping/runs/{run.pk}").json()
    assert detail["run"]["started_by"] == "scrape-boss"
    assert detail["companies"][0]["error"] == LEAKY_ERROR
    assert staff.get("/api/v1/scraping/runs").json()["runs"][0]["started_by"] == "scrape-boss"
    assert "scrape-boss" in staff.get("/scraping/").content.decode()
