"""In real Chromium: the Jobs and Recommendations pages show scraped postings' salary,
workplace type and locations, and filter by them."""
import json
from pathlib import Path

import pytest

from scraping.models import Company, JobPosting
from scraping.services import save_postings
from scraping.sources import ashby, greenhouse, jsonld, lever
from tracker.models import Recommendation

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = Path(__file__).resolve().parent.parent / "fixtures" / "boards" / "fields"


def _save_fixture_postings() -> None:
    boards = [
        ("Acme", "greenhouse", greenhouse.parse(json.loads((FIELDS / "greenhouse_pay.json").read_text()))),
        ("Brew", "lever", lever.parse(json.loads((FIELDS / "lever_fields.json").read_text()))),
        ("Ash", "ashby", ashby.parse(json.loads((FIELDS / "ashby_compensation.json").read_text()))),
    ]
    for name, source, jobs in boards:
        save_postings(Company.objects.create(name=name, source=source, board_token=name.lower()), jobs)
    staffing = Company.objects.create(name="Staffing", source="jsonld", career_url="https://staffing.example/jobs")
    save_postings(staffing, jsonld.parse((FIELDS / "jsonld_fields.html").read_text(), "https://staffing.example/jobs"))


def _titles(page, selector: str) -> list[str]:
    return sorted(page.locator(selector).all_inner_texts())


def test_jobs_page_lists_postings_with_pay_workplace_places_and_filters(user, daphne_server, new_page, login):
    _save_fixture_postings()
    page = login(new_page(), daphne_server, user)
    page.goto(f"{daphne_server.url}/jobs/")
    page.wait_for_selector("#postings-table tr[data-posting-id]")
    assert page.locator("#postings-count").inner_text() == "7"
    staff = page.locator("#postings-table tr[data-posting-id]", has_text="Staff Engineer")
    assert staff.locator(".posting-salary").inner_text() == "USD 180,000–220,000 / year"
    assert staff.locator(".posting-locations").inner_text() == "New York, NY; Remote (US) (Remote); Remote (Canada) (Remote)"
    pm = page.locator("#postings-table tr[data-posting-id]", has_text="Product Manager")
    assert pm.locator(".posting-workplace").inner_text() == "Hybrid"

    page.select_option("#posting-filters select[name=workplace]", "remote,hybrid")
    page.fill("#posting-filters input[name=country]", "Germany")
    page.click("#posting-filters button[type=submit]")
    page.wait_for_function("() => document.getElementById('postings-count').textContent === '1'")
    assert _titles(page, "#postings-table tr[data-posting-id] td:first-child") == ["Product Manager"]

    page.fill("#posting-filters input[name=country]", "")
    page.select_option("#posting-filters select[name=workplace]", "")
    page.fill("#posting-filters input[name=salary_min]", "150000")
    page.click("#posting-filters button[type=submit]")
    page.wait_for_function("() => document.getElementById('postings-count').textContent === '2'")
    assert _titles(page, "#postings-table tr[data-posting-id] td:first-child") == ["Backend Developer", "Staff Engineer"]


def test_recommendations_page_shows_posting_facts_and_filters_them(user, daphne_server, new_page, login):
    _save_fixture_postings()
    for score, title in ((90, "Product Manager"), (80, "Barista Trainer"), (70, "Staff Engineer")):
        posting = JobPosting.objects.get(title=title)
        Recommendation.objects.create(user=user, posting=posting, score=score, recommendation="apply_now",
                                      company=posting.company.name, job_title=title, url=posting.url)
    page = login(new_page(), daphne_server, user)
    page.goto(f"{daphne_server.url}/recommendations/")
    item = page.locator("#recommendation-list > li", has_text="Barista Trainer")
    item.locator(".posting-facts").wait_for()
    assert item.locator(".posting-salary").inner_text() == "EUR 18.50–22 / hour"
    assert item.locator(".posting-workplace").inner_text() == "On-site"
    assert item.locator(".posting-locations").inner_text().startswith("Berlin; Munich; Hamburg")

    page.select_option("#posting-filters select[name=employment_type]", "temporary")
    page.click("#posting-filters button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('#recommendation-list li[data-posting-id]').length === 1")
    assert "Product Manager" in page.locator("#recommendation-list").inner_text()
    assert "Barista Trainer" not in page.locator("#recommendation-list").inner_text()
