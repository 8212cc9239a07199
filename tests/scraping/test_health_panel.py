"""The health panel's system resources, the paged run history and the analytics (jobs per company
over time, error rate per source): API and page."""
import os
import resource
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from core import resources
from core.wire import is_wire_time
from scraping import services
from scraping.models import Company, CompanyScrape, ScrapeRun
from scraping.sources import NormalizedJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_api(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_health_has_the_system_resources(user_api, scraping_settings):
    from scraping.tasks import run_scrape

    queue = f"health-{uuid.uuid4().hex[:8]}"
    scraping_settings(SCRAPING_QUEUE=queue)
    for _ in range(3):
        run_scrape.apply_async(args=(0,), queue=queue)  # nobody reads this queue: they wait
    try:
        body = user_api.get("/api/v1/scraping/health").json()
    finally:
        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(f"{settings.REDIS_PREFIX}:{queue}", f"{settings.REDIS_PREFIX}:_kombu.binding.{queue}")
        client.close()
    assert body["active_operations"] == 0  # the figures that were there stay
    res = body["system_resources"]
    assert is_wire_time(res["collected_at"])
    process = res["process"]
    assert process["pid"] == os.getpid() and process["threads"] >= 1
    assert process["memory_rss_bytes"] > 20 * 1024 * 1024 and process["memory_peak_bytes"] >= process["memory_rss_bytes"] // 2
    assert process["cpu_seconds"] > 0 and process["cpu_percent"] >= 0 and process["uptime_seconds"] > 0
    depths = {q["name"]: q["depth"] for q in res["celery"]["queues"]}
    assert depths[queue] == 3 and "celery" in depths
    assert res["celery"]["total"] >= 3 and res["celery"]["unacked"] >= 0
    assert res["redis"]["used_memory_bytes"] > 0 and res["redis"]["connected_clients"] >= 1
    database = res["database"]
    assert database["size_bytes"] > 1024 * 1024 and 1 <= database["connections"] <= database["max_connections"]


def test_cpu_percent_is_measured_between_readings():
    resources.process_usage()
    start = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_SELF)
    spent = 0.0
    while spent < 0.6 and time.monotonic() - start < 20:  # keep one core busy for 0.6 s of CPU
        sum(i * i for i in range(20000))
        now = resource.getrusage(resource.RUSAGE_SELF)
        spent = (now.ru_utime + now.ru_stime) - (before.ru_utime + before.ru_stime)
    busy = resources.process_usage()
    assert busy["cpu_percent"] > 3  # at least 0.6 s of CPU in at most 20 s of wall time


def test_a_part_that_cannot_be_read_says_why_and_the_rest_answers(user_api, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = user_api.get("/api/v1/scraping/health")
    assert response.status_code == 200
    res = response.json()["system_resources"]
    assert "Connection" in res["redis"]["error"] and "Connection" in res["celery"]["error"]
    assert res["process"]["pid"] == os.getpid() and res["database"]["size_bytes"] > 0


def make_runs(count: int) -> list[ScrapeRun]:
    now = timezone.now()
    return ScrapeRun.objects.bulk_create([
        ScrapeRun(status="completed", created_at=now - timedelta(minutes=count - i), started_at=now, ended_at=now,
                  jobs_found=i) for i in range(count)
    ])


def test_the_history_is_paged_beyond_the_last_runs(user_api):
    runs = make_runs(45)
    newest_first = [r.pk for r in reversed(runs)]
    page = user_api.get("/api/v1/scraping/history?page=2").json()
    assert (page["page"], page["page_size"], page["pages"], page["total"]) == (2, 20, 3, 45)
    assert [r["run_id"] for r in page["runs"]] == newest_first[20:40]
    assert [r["run_id"] for r in user_api.get("/api/v1/scraping/history?page=3").json()["runs"]] == newest_first[40:]
    assert user_api.get("/api/v1/scraping/history?page=9").json()["runs"] == []
    assert [r["run_id"] for r in user_api.get("/api/v1/scraping/history?page=5&page_size=10").json()["runs"]] == \
        newest_first[40:]
    for bad in ("page=0", "page=x", "page_size=101"):
        assert user_api.get(f"/api/v1/scraping/history?{bad}").status_code == 400, bad


def test_the_page_pages_its_history(client, user):
    runs = make_runs(25)
    client.force_login(user)
    page = client.get("/scraping/?page=2").content.decode()
    assert "Page 2 of 2 · 25 runs" in page and 'id="history-newer"' in page and 'id="history-older"' not in page
    assert f'<tr data-run-id="{runs[0].pk}"' in page and f'<tr data-run-id="{runs[-1].pk}"' not in page
    page = client.get("/scraping/?page=nope").content.decode()
    assert "Page 1 of 2" in page and f'<tr data-run-id="{runs[-1].pk}"' in page


def scrape(companies: dict[str, list[int] | str], days_ago: float) -> ScrapeRun:
    """A run of these companies (jobs found, or an error text), as if `days_ago` days ago."""
    run = services.start_run(None, [Company.objects.get(name=name).pk for name in companies])
    services.claim_run(run.pk)
    for cs in CompanyScrape.objects.filter(run=run).select_related("company"):
        services.mark_company_running(cs.pk)
        outcome = companies[cs.company.name]
        if isinstance(outcome, str):
            services.record_company_failure(cs.pk, "failed", outcome, 0.1)
        else:
            jobs = [NormalizedJob(str(n), f"Job {n}") for n in outcome]
            services.record_company_jobs(cs.pk, jobs, 0.1)
    services.finish_run(run.pk, "completed")
    ScrapeRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return run


def test_analytics_jobs_per_company_over_time_and_error_rate_per_source(user_api):
    Company.objects.create(name="Acme", source="greenhouse", board_token="acme")
    Company.objects.create(name="Beta", source="lever", board_token="beta")
    Company.objects.create(name="Gamma", source="lever", board_token="gamma")
    scrape({"Acme": [1, 2, 3], "Beta": [1]}, days_ago=40)  # outside the 30 days
    first = scrape({"Acme": [1, 2], "Beta": "HTTP 500", "Gamma": [1]}, days_ago=10)
    second = scrape({"Acme": [1, 2, 3, 4], "Beta": [1, 2], "Gamma": "timeout"}, days_ago=2)
    body = user_api.get("/api/v1/scraping/analytics?days=30").json()
    assert body["days"] == 30 and is_wire_time(body["since"])
    lines = {line["company"]: line for line in body["jobs_per_company"]}
    assert [line["company"] for line in body["jobs_per_company"]] == ["Acme", "Beta", "Gamma"]  # most jobs lately first
    assert [(p["run_id"], p["jobs_found"]) for p in lines["Acme"]["points"]] == [(first.pk, 2), (second.pk, 4)]
    assert [(p["run_id"], p["jobs_found"]) for p in lines["Beta"]["points"]] == [(second.pk, 2)]
    assert all(is_wire_time(p["at"]) for line in lines.values() for p in line["points"])
    rates = {row["source"]: row for row in body["error_rate_per_source"]}
    assert rates["greenhouse"] == {"source": "greenhouse", "scrapes": 2, "failed": 0, "error_rate": 0.0}
    assert rates["lever"] == {"source": "lever", "scrapes": 4, "failed": 2, "error_rate": 0.5}
    assert len(user_api.get("/api/v1/scraping/analytics?days=60").json()["jobs_per_company"][0]["points"]) == 3
    assert user_api.get("/api/v1/scraping/analytics?days=0").status_code == 400


def test_the_page_has_the_health_panel_analytics_and_a_debug_panel_for_staff(client, user, staff_user):
    Company.objects.create(name="Acme", source="greenhouse", board_token="acme")
    scrape({"Acme": [1, 2]}, days_ago=1)
    client.force_login(user)
    page = client.get("/scraping/").content.decode()
    for marker in ('id="health-panel"', 'id="h-process"', 'id="h-queues"', 'id="h-redis"', 'id="h-database"',
                   'id="company-chart"', 'id="source-errors"', 'data-source="greenhouse"', 'id="postings-export"'):
        assert marker in page, marker
    assert 'id="debug-panel"' not in page and 'id="export-runs"' not in page
    client.force_login(staff_user)
    page = client.get("/scraping/").content.decode()
    assert 'id="debug-panel"' in page and 'id="scrape-debug-data"' in page and 'id="export-runs"' in page
    assert "scraping.run_updated" in page  # the last raw events of the channel, for the panel
