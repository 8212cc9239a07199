"""Scrape runs end to end: a real Celery worker scraping fake boards on loopback."""
import time
import uuid

import pytest

from realtime.models import Event
from scraping import services
from scraping.models import Company, CompanyScrape, JobPosting, ScrapeRun

pytestmark = pytest.mark.django_db(transaction=True)

FINISHED = {"completed", "failed", "stopped"}


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def company_on(boards, source, count=3, name=None, **options):
    token = unique(source)
    boards.add_company(source, token, count=count, **options)
    return Company.objects.create(name=name or token, **boards.company_fields(source, token)), token


def wait_for_run(run_id, statuses=FINISHED, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ScrapeRun.objects.get(pk=run_id)
        if run.status in statuses:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run #{run_id} still {ScrapeRun.objects.get(pk=run_id).status} after {timeout}s")


def statuses(run):
    return {cs.company.name: cs.status for cs in CompanyScrape.objects.filter(run=run).select_related("company")}


def test_a_run_scrapes_every_source_and_completes(live_boards):
    made = [company_on(live_boards, source, count=3) for source in ("greenhouse", "lever", "ashby", "jsonld")]
    run = services.start_run(None)
    run = wait_for_run(run.pk)
    assert run.status == "completed" and run.progress == 100
    assert run.jobs_found == 12 and run.jobs_new == 12 and run.error == ""
    assert set(statuses(run).values()) == {"completed"}
    for company, _ in made:
        postings = JobPosting.objects.filter(company=company)
        assert postings.count() == 3 and all(p.active and p.title and p.description for p in postings)
    # live events: global, on their channels; a scraped posting is a posting.created (job.created is the tracker's)
    created = Event.objects.filter(type="posting.created")
    assert created.count() == 12 and {e.channel for e in created} == {"jobs"}
    assert all(e.user_id is None for e in created)
    assert set(created.first().data) == {"posting_id", "company", "job_title", "location", "source"}
    updates = Event.objects.filter(type="scraping.run_updated", data__run_id=run.pk)
    assert [e.data["status"] for e in updates][-1] == "completed"
    assert Event.objects.filter(type="scraping.company_updated", data__status="completed").count() == 4


def test_a_broken_company_fails_alone(live_boards):
    good, _ = company_on(live_boards, "greenhouse", count=2, name="Good")
    broken, token = company_on(live_boards, "lever", count=2, name="Broken")
    live_boards.break_company(token, "500")
    gone, _ = company_on(live_boards, "ashby", count=1, name="Gone")
    gone.board_token = "no-such-board"
    gone.save()
    run = wait_for_run(services.start_run(None).pk)
    assert run.status == "completed"
    assert statuses(run) == {"Good": "completed", "Broken": "failed", "Gone": "failed"}
    errors = {cs.company.name: cs.error for cs in run.company_scrapes.select_related("company")}
    assert "HTTP 500" in errors["Broken"] and "after 2 attempts" in errors["Broken"]
    assert "HTTP 404" in errors["Gone"]
    assert run.jobs_found == 2 and "2 of 3 companies failed" in run.error
    assert JobPosting.objects.filter(company=good).count() == 2


def test_stop_mid_run_ends_it_stopped_within_5_seconds(live_boards):
    fast, _ = company_on(live_boards, "ashby", count=2, name="Fast")
    slow, token = company_on(live_boards, "greenhouse", count=2, name="Slow")
    live_boards.slow(token, 30)
    run = services.start_run(None)
    deadline = time.monotonic() + 20
    while statuses(run)["Fast"] != "completed" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ScrapeRun.objects.get(pk=run.pk).status == "running"
    stopped_at = time.monotonic()
    services.stop_run(None)
    run = wait_for_run(run.pk, timeout=5)
    assert time.monotonic() - stopped_at < 5
    assert run.status == "stopped"
    assert statuses(run) == {"Fast": "completed", "Slow": "skipped"}
    assert JobPosting.objects.filter(company=fast).count() == 2  # what was scraped stays


def test_rescraping_dedupes_refreshes_and_retires_vanished_postings(live_boards):
    company, token = company_on(live_boards, "lever", count=3)
    first = wait_for_run(services.start_run(None).pk)
    assert (first.jobs_found, first.jobs_new) == (3, 3)
    seen_first = {p.external_id: p.last_seen for p in JobPosting.objects.filter(company=company)}
    jobs = live_boards.boards[("lever", token)]
    from devtools.career_boards import lever_posting

    live_boards.set_jobs("lever", token, jobs[1:] + [lever_posting(token, 99)])  # one gone, one new
    second = wait_for_run(services.start_run(None).pk)
    assert (second.jobs_found, second.jobs_new) == (3, 1)
    postings = {p.external_id: p for p in JobPosting.objects.filter(company=company)}
    assert len(postings) == 4  # nothing duplicated
    assert [p.active for p in postings.values()].count(True) == 3
    assert not postings[jobs[0]["id"]].active
    assert all(postings[j["id"]].last_seen > seen_first[j["id"]] for j in jobs[1:])
    assert Event.objects.filter(type="posting.created").count() == 4


def test_a_run_past_its_timeout_fails_with_what_it_got_saved(live_boards, scraping_settings):
    scraping_settings(SCRAPING_TIMEOUT=3)
    quick, _ = company_on(live_boards, "greenhouse", count=2, name="Quick")
    stuck, token = company_on(live_boards, "ashby", count=2, name="Stuck")
    live_boards.slow(token, 30)
    run = wait_for_run(services.start_run(None).pk, timeout=15)
    assert run.status == "failed" and "Timed out after 3 s" in run.error
    assert statuses(run) == {"Quick": "completed", "Stuck": "failed"}
    assert JobPosting.objects.filter(company=quick).count() == 2
    assert run.jobs_found == 2


def test_the_api_start_runs_on_the_worker_and_a_second_start_gets_409(live_boards, api_client, staff_user):
    company_on(live_boards, "jsonld", count=2, listing=True)
    slow, token = company_on(live_boards, "lever", count=1)
    live_boards.slow(token, 1.5)
    api_client.force_authenticate(staff_user)
    started = api_client.post("/api/v1/scraping/start", {}, format="json")
    assert started.status_code == 202
    again = api_client.post("/api/v1/scraping/start", {}, format="json")
    assert again.status_code == 409 and again.json()["run"]["run_id"] == started.json()["run"]["run_id"]
    run = wait_for_run(started.json()["run"]["run_id"])
    assert run.status == "completed" and run.jobs_found == 3
