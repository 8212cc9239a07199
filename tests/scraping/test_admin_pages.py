"""The scraping admin pages show their objects (not only answer 200): companies with
their postings count, runs with their per-company rows, postings found by search;
text from scraped pages is escaped."""
import pytest

from scraping.models import Company, CompanyScrape, JobPosting, ScrapeRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root", staff=True, is_superuser=True))
    return client


def test_changelists_and_run_page_show_their_objects(admin_client):
    acme = Company.objects.create(name="Acme Rockets", source="greenhouse", board_token="acme-rockets")
    Company.objects.create(name="Dormant Ltd", source="ashby", board_token="dormant", active=False)
    JobPosting.objects.create(company=acme, external_id="1", title="Rocket Surgeon", location="Mars",
                              department="Propulsion")
    JobPosting.objects.create(company=acme, external_id="2", title="<script>alert(1)</script> Engineer",
                              location="Moon")
    run = ScrapeRun.objects.create(status=ScrapeRun.Status.COMPLETED, jobs_found=2, jobs_new=2, progress=100)
    CompanyScrape.objects.create(run=run, company=acme, status="completed", jobs_found=2)

    companies = admin_client.get("/admin/scraping/company/").content.decode()
    assert f'href="/admin/scraping/company/{acme.pk}/change/' in companies
    assert "Acme Rockets" in companies and "acme-rockets" in companies and "Dormant Ltd" in companies

    runs = admin_client.get("/admin/scraping/scraperun/").content.decode()
    assert f'href="/admin/scraping/scraperun/{run.pk}/change/' in runs and "completed" in runs

    page = admin_client.get(f"/admin/scraping/scraperun/{run.pk}/change/").content.decode()
    assert f"Run #{run.pk} (completed)" in page and "Acme Rockets" in page  # the per-company inline
    assert 'name="status"' not in page  # read-only

    found = admin_client.get("/admin/scraping/jobposting/", {"q": "surgeon", "active__exact": "1"}).content.decode()
    assert "Rocket Surgeon" in found and "Mars" in found
    assert "alert(1)" not in found and "Moon" not in found  # the search narrowed the list
    everything = admin_client.get("/admin/scraping/jobposting/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Engineer" in everything
    assert "<script>alert(1)</script>" not in everything
