"""The scraping API, page, admin and services, without a worker (runs are driven by hand)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from realtime.models import Event
from scraping import services
from scraping.models import Company, CompanyScrape, JobPosting, ScrapeRun
from scraping.sources import NormalizedJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies():
    return [
        Company.objects.create(name="Acme", source="greenhouse", board_token="acme"),
        Company.objects.create(name="Leverage", source="lever", board_token="leverage"),
        Company.objects.create(name="Widgets", source="jsonld", career_url="https://widgets.example/careers"),
        Company.objects.create(name="Dormant", source="ashby", board_token="dormant", active=False),
    ]


@pytest.fixture
def staff_api(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    return api_client


@pytest.fixture
def user_api(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_start_is_staff_only_and_needs_a_login(api_client, user_api, companies):
    assert api_client.post("/api/v1/scraping/start", {}, format="json").status_code == 403
    user_api.logout()
    response = api_client.post("/api/v1/scraping/start", {}, format="json")
    assert response.status_code == 401 and "error" in response.json()
    assert not ScrapeRun.objects.exists()


def test_non_staff_get_403_json_on_every_control(user_api, companies):
    for path in ("start", "stop", "reset"):
        response = user_api.post(f"/api/v1/scraping/{path}", {}, format="json")
        assert response.status_code == 403
        assert response.json() == {"error": "Only staff may control scraping."}
    assert user_api.get("/api/v1/scraping/status").status_code == 200
    assert user_api.get("/api/v1/scraping/health").status_code == 200


def test_start_queues_every_active_company_and_announces_the_run(staff_api, staff_user, companies):
    response = staff_api.post("/api/v1/scraping/start", {}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["run"]["status"] == "pending" and body["run"]["started_by"] == "staff"
    assert [c["company"] for c in body["companies"]] == ["Acme", "Leverage", "Widgets"]  # not the inactive one
    assert all(c["status"] == "pending" for c in body["companies"])
    run = ScrapeRun.objects.get()
    assert run.celery_task_id and run.started_by == staff_user and run.timeout_seconds == 300
    event = Event.objects.get(type="scraping.run_updated")
    assert event.user is None and event.channel == "scraping" and event.data["run_id"] == run.pk


def test_one_run_at_a_time_409_returns_the_active_run(staff_api, companies):
    first = staff_api.post("/api/v1/scraping/start", {}, format="json").json()["run"]
    response = staff_api.post("/api/v1/scraping/start", {}, format="json")
    assert response.status_code == 409
    assert response.json()["run"]["run_id"] == first["run_id"]
    assert ScrapeRun.objects.count() == 1


def test_selective_run_scrapes_only_the_chosen_companies(staff_api, companies):
    chosen = [companies[1].pk, companies[3].pk]  # an inactive company may be chosen by hand
    response = staff_api.post("/api/v1/scraping/start", {"company_ids": chosen}, format="json")
    assert response.status_code == 202
    assert sorted(CompanyScrape.objects.values_list("company_id", flat=True)) == sorted(chosen)


@pytest.mark.parametrize(
    "body, message",
    [
        ({"company_ids": [999999]}, "No such company: 999999."),
        ({"company_ids": []}, "Choose at least one company."),
        ({"company_ids": ["x"]}, "Invalid input."),
        ({"company_ids": "1,2"}, "Invalid input."),
    ],
)
def test_bad_company_choices_are_400(staff_api, companies, body, message):
    response = staff_api.post("/api/v1/scraping/start", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == message
    assert not ScrapeRun.objects.exists()


def test_nothing_to_scrape_is_400(staff_api):
    response = staff_api.post("/api/v1/scraping/start", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": "There is no active company to scrape."}


def test_stop_a_queued_run_stops_it_at_once(staff_api, companies):
    staff_api.post("/api/v1/scraping/start", {}, format="json")
    response = staff_api.post("/api/v1/scraping/stop", {}, format="json")
    assert response.status_code == 200
    assert response.json()["run"]["status"] == "stopped"
    assert set(CompanyScrape.objects.values_list("status", flat=True)) == {"skipped"}
    assert staff_api.post("/api/v1/scraping/stop", {}, format="json").status_code == 409


def test_stop_a_running_run_asks_the_worker(staff_api, companies):
    run = services.start_run(None)
    services.claim_run(run.pk)
    response = staff_api.post("/api/v1/scraping/stop", {}, format="json")
    assert response.status_code == 200
    body = response.json()["run"]
    assert body["status"] == "running" and body["stop_requested"] is True
    assert body["current_stage"] == "Stopping…"


def test_reset_clears_a_finished_run_from_the_panel_only(staff_api, companies):
    run = services.start_run(None)
    response = staff_api.post("/api/v1/scraping/reset", {}, format="json")
    assert response.status_code == 409  # still active
    services.claim_run(run.pk)
    services.finish_run(run.pk, ScrapeRun.Status.COMPLETED)
    assert staff_api.get("/api/v1/scraping/status").json()["run"]["run_id"] == run.pk
    response = staff_api.post("/api/v1/scraping/reset", {}, format="json")
    assert response.status_code == 200 and response.json()["run"]["cleared"] is True
    assert staff_api.get("/api/v1/scraping/status").json() == {"run": None, "companies": []}
    assert staff_api.get("/api/v1/scraping/runs").json()["runs"][0]["run_id"] == run.pk  # history keeps it


def _finished_run(companies, status, minutes, outcomes):
    run = ScrapeRun.objects.create(status=status, started_at=timezone.now() - timedelta(minutes=minutes))
    ScrapeRun.objects.filter(pk=run.pk).update(ended_at=run.started_at + timedelta(minutes=minutes))
    for company, outcome in zip(companies, outcomes):
        CompanyScrape.objects.create(run=run, company=company, status=outcome)
    return run


def test_health_reports_activity_success_duration_and_error_rate(user_api, companies):
    assert user_api.get("/api/v1/scraping/health").json()["last_successful_run"] is None
    good = _finished_run(companies, "completed", 2, ["completed", "completed", "failed"])
    _finished_run(companies, "failed", 4, ["completed", "failed", "failed"])
    health = user_api.get("/api/v1/scraping/health").json()
    assert health["active_operations"] == 0
    assert health["last_successful_run_id"] == good.pk
    assert health["last_successful_run"] is not None
    assert health["average_duration"] == pytest.approx(180, abs=1)
    assert health["error_rate"] == pytest.approx(0.5)
    services.start_run(None)
    assert user_api.get("/api/v1/scraping/health").json()["active_operations"] == 1


def test_runs_history_has_duration_counts_and_error_rate(user_api, companies):
    _finished_run(companies, "completed", 1, ["completed", "failed", "completed"])
    runs = user_api.get("/api/v1/scraping/runs?limit=5").json()["runs"]
    assert runs[0]["duration_seconds"] == pytest.approx(60, abs=1)
    assert runs[0]["companies_total"] == 3 and runs[0]["error_rate"] == pytest.approx(0.333, abs=0.001)
    assert user_api.get("/api/v1/scraping/runs?limit=0").status_code == 400
    assert user_api.get("/api/v1/scraping/runs?limit=abc").status_code == 400
    assert user_api.get("/api/v1/scraping/runs/999999").status_code == 404


def test_saving_postings_dedupes_updates_last_seen_and_retires_vanished(companies):
    company = companies[0]

    def job(n, title=None):
        return NormalizedJob(external_id=str(n), title=title or f"Job {n}", location="Remote", remote=True)

    new = services.save_postings(company, [job(1), job(2), job(2), job(3)])
    assert sorted(p.external_id for p in new) == ["1", "2", "3"]
    first_seen = JobPosting.objects.get(company=company, external_id="1").first_seen
    new = services.save_postings(company, [job(1, "Job 1 (renamed)"), job(2), job(4)])
    assert [p.external_id for p in new] == ["4"]
    postings = {p.external_id: p for p in JobPosting.objects.filter(company=company)}
    assert len(postings) == 4
    assert postings["1"].title == "Job 1 (renamed)" and postings["1"].first_seen == first_seen
    assert postings["1"].last_seen > first_seen
    assert not postings["3"].active and postings["4"].active
    services.save_postings(company, [job(3)])  # it came back
    assert JobPosting.objects.get(company=company, external_id="3").active


def test_schedule_is_set_by_staff_and_read_by_anyone(staff_api, user, companies):
    from django_celery_beat.models import PeriodicTask
    from rest_framework.test import APIClient

    response = staff_api.put(
        "/api/v1/scraping/schedule", {"enabled": True, "every_minutes": 90, "company_ids": [companies[0].pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["every_minutes"] == 90 and response.json()["company_ids"] == [companies[0].pk]
    task = PeriodicTask.objects.get(name=services.SCHEDULE_NAME)
    assert task.task == "scraping.scheduled_scrape" and task.enabled and task.interval.every == 90
    user_client = APIClient()
    user_client.force_authenticate(user)
    assert user_client.get("/api/v1/scraping/schedule").json()["enabled"] is True
    assert user_client.put("/api/v1/scraping/schedule", {"enabled": False, "every_minutes": 5}, format="json").status_code == 403
    assert staff_api.put("/api/v1/scraping/schedule", {"enabled": True, "every_minutes": 0}, format="json").status_code == 400


def test_scheduled_scrape_starts_a_run_unless_one_is_active(companies):
    run = services.start_scheduled_run([companies[0].pk, 999999])
    assert run is not None and run.started_by is None
    assert list(run.company_scrapes.values_list("company_id", flat=True)) == [companies[0].pk]
    assert services.start_scheduled_run(None) is None  # one is active
    assert ScrapeRun.objects.count() == 1


def test_an_abandoned_run_does_not_block_new_ones(companies):
    run = services.start_run(None)
    services.claim_run(run.pk)
    ScrapeRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(hours=1))
    new = services.start_run(None)
    assert ScrapeRun.objects.get(pk=run.pk).status == "failed"
    assert new.status == "pending"


def test_page_is_read_only_for_users_and_has_controls_for_staff(client, user, staff_user, companies):
    assert client.get("/scraping/").status_code == 302  # login first
    client.force_login(user)
    page = client.get("/scraping/").content.decode()
    assert "read-only" in page and 'id="scrape-start"' not in page
    client.force_login(staff_user)
    page = client.get("/scraping/").content.decode()
    assert 'id="scrape-start"' in page and 'id="scrape-stop"' in page and 'id="scrape-reset"' in page
    assert "Acme" in page and 'id="runs-chart"' in page


def test_company_names_are_escaped_on_the_page(client, staff_user):
    Company.objects.create(name="<script>alert(1)</script>", source="lever", board_token="x")
    services.start_run(None)
    client.force_login(staff_user)
    page = client.get("/scraping/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_admin_scrape_now_action_starts_a_run_for_the_selection(client, staff_user, companies):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    response = client.post(
        "/admin/scraping/company/",
        {"action": "scrape_now", "_selected_action": [companies[0].pk, companies[2].pk]},
        follow=True,
    )
    assert response.status_code == 200
    run = ScrapeRun.objects.get()
    assert sorted(run.company_scrapes.values_list("company_id", flat=True)) == [companies[0].pk, companies[2].pk]
    for path in ("/admin/scraping/scraperun/", f"/admin/scraping/scraperun/{run.pk}/change/", "/admin/scraping/jobposting/?q=x&active__exact=1"):
        assert client.get(path).status_code == 200


def test_staff_set_the_schedule_from_the_page(client, user, staff_user, companies):
    from django_celery_beat.models import PeriodicTask

    client.force_login(user)
    assert client.post("/scraping/schedule", {"enabled": "on", "every_minutes": "30"}).status_code == 302
    assert not PeriodicTask.objects.filter(name=services.SCHEDULE_NAME).exists()  # not staff: sent to log in
    client.force_login(staff_user)
    response = client.post("/scraping/schedule", {"enabled": "on", "every_minutes": "30"}, follow=True)
    assert "Schedule saved." in response.content.decode()
    assert PeriodicTask.objects.get(name=services.SCHEDULE_NAME).interval.every == 30
    response = client.post("/scraping/schedule", {"every_minutes": "soon"}, follow=True)
    assert "Schedule not saved" in response.content.decode()
    assert PeriodicTask.objects.get(name=services.SCHEDULE_NAME).enabled is True


def test_the_rename_migration_moves_stored_schedules_to_the_new_task_name():
    import importlib

    from django.apps import apps
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    migration = importlib.import_module("scraping.migrations.0003_rename_scheduled_scrape_task")
    interval = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.MINUTES)
    old = PeriodicTask.objects.create(name="old schedule", task="scraping.tasks.scheduled_scrape", interval=interval)
    other = PeriodicTask.objects.create(name="other", task="tracker.tasks.send_followup_due", interval=interval)
    migration.rename(migration.OLD, migration.NEW)(apps, None)
    assert PeriodicTask.objects.get(pk=old.pk).task == "scraping.scheduled_scrape"
    assert PeriodicTask.objects.get(pk=other.pk).task == "tracker.tasks.send_followup_due"
    from scraping.tasks import scheduled_scrape

    assert scheduled_scrape.name == "scraping.scheduled_scrape"


def test_admin_saves_companies_through_the_service_and_runs_and_postings_are_read_only(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    response = client.post("/admin/scraping/company/add/", {"name": "Careers Inc", "source": "jsonld", "career_url": "", "board_token": "", "active": "on"})
    assert response.status_code == 200 and not Company.objects.filter(name="Careers Inc").exists()
    assert "needs its career-page URL" in response.content.decode()
    response = client.post("/admin/scraping/company/add/", {"name": "Careers Inc", "source": "jsonld", "career_url": "https://careers.example/jobs", "board_token": "", "active": "on"})
    assert response.status_code == 302 and Company.objects.filter(name="Careers Inc").exists()
    run = ScrapeRun.objects.create(status="completed")
    posting = JobPosting.objects.create(company=Company.objects.get(name="Careers Inc"), external_id="1", title="Engineer")
    assert client.get("/admin/scraping/jobposting/add/").status_code == 403
    assert client.post(f"/admin/scraping/jobposting/{posting.pk}/change/", {"title": "Changed"}).status_code == 403
    assert client.get(f"/admin/scraping/jobposting/{posting.pk}/delete/").status_code == 403
    assert client.get(f"/admin/scraping/scraperun/{run.pk}/delete/").status_code == 403
    active = services.start_run(None, [posting.company_id])
    client.post("/admin/scraping/scraperun/", {"action": "delete_finished", "_selected_action": [run.pk, active.pk]})
    assert list(ScrapeRun.objects.values_list("pk", flat=True)) == [active.pk]  # the active run stays
