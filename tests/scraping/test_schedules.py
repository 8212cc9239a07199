"""Schedules: several, by interval, time of day or crontab in a timezone; next run; pause and
resume; a slot starts at most one run, however many beats fire it."""
import json
import threading
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core.wire import iso
from scraping import services
from scraping.models import Company, ScheduledSlot, ScrapeRun
from scraping.tasks import scheduled_scrape


@pytest.fixture
def companies(db):
    return [
        Company.objects.create(name="Acme", source="greenhouse", board_token="acme"),
        Company.objects.create(name="Leverage", source="lever", board_token="leverage"),
    ]


@pytest.fixture
def staff_api(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    return api_client


def next_local(now: datetime, tz: str, hour: int, minute: int) -> datetime:
    """The next hh:mm in `tz` strictly after `now`, by hand (what next_run_at must say)."""
    zone = zoneinfo.ZoneInfo(tz)
    local = now.astimezone(zone)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (candidate + timedelta(days=1)).replace(hour=hour, minute=minute)
    return candidate.astimezone(UTC)


def finish(run: ScrapeRun) -> None:
    ScrapeRun.objects.filter(pk=run.pk).update(status="completed", ended_at=timezone.now())


@pytest.mark.django_db
def test_a_cron_schedule_in_a_timezone_shows_its_next_run(staff_api, companies):
    response = staff_api.post("/api/v1/scraping/schedules", {
        "name": "nightly", "kind": "cron", "timezone": "Asia/Kolkata",
        "cron": {"minute": "30", "hour": "3"}, "company_ids": [companies[1].pk],
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "cron" and body["enabled"] is True and body["timezone"] == "Asia/Kolkata"
    assert body["cron"] == {"minute": "30", "hour": "3", "day_of_month": "*", "month_of_year": "*", "day_of_week": "*"}
    assert body["next_run_at"] == iso(next_local(timezone.now(), "Asia/Kolkata", 3, 30))
    task = PeriodicTask.objects.get(name="scraping: nightly")
    assert task.task == "scraping.scheduled_scrape" and task.interval is None
    assert str(task.crontab.timezone) == "Asia/Kolkata"
    assert json.loads(task.kwargs) == {"company_ids": [companies[1].pk], "schedule": "nightly"}


@pytest.mark.django_db
def test_a_time_of_day_on_weekdays_is_a_crontab(staff_api, companies):
    response = staff_api.post("/api/v1/scraping/schedules", {
        "name": "mornings", "kind": "time", "time_of_day": "07:15", "days": [1, 3, 5], "timezone": "Europe/Paris",
    }, format="json")
    assert response.status_code == 201
    crontab = PeriodicTask.objects.get(name="scraping: mornings").crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("15", "7", "1,3,5")
    nxt = datetime.fromisoformat(response.json()["next_run_at"].replace("Z", "+00:00"))
    local = nxt.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (7, 15) and local.isoweekday() in (1, 3, 5)
    assert timezone.now() < nxt <= timezone.now() + timedelta(days=3)


@pytest.mark.django_db
def test_several_schedules_each_with_their_companies(staff_api, user, companies):
    from rest_framework.test import APIClient

    staff_api.post("/api/v1/scraping/schedules", {"name": "often", "kind": "interval", "every_minutes": 45,
                                                  "company_ids": [companies[0].pk]}, format="json")
    staff_api.post("/api/v1/scraping/schedules", {"name": "daily", "kind": "time", "time_of_day": "06:00"},
                   format="json")
    staff_api.put("/api/v1/scraping/schedule", {"enabled": True, "every_minutes": 90}, format="json")  # the default one
    reader = APIClient()
    reader.force_authenticate(user)
    schedules = {s["name"]: s for s in reader.get("/api/v1/scraping/schedules").json()["schedules"]}
    assert set(schedules) == {"often", "daily", "scheduled scrape"}
    assert schedules["often"]["company_ids"] == [companies[0].pk] and schedules["often"]["every_minutes"] == 45
    assert schedules["daily"]["company_ids"] is None and schedules["daily"]["kind"] == "cron"
    assert schedules["scheduled scrape"]["every_minutes"] == 90
    assert reader.post("/api/v1/scraping/schedules", {"name": "x", "kind": "interval", "every_minutes": 5},
                       format="json").status_code == 403
    # Saving the same name again changes that schedule, it does not add one.
    staff_api.post("/api/v1/scraping/schedules", {"name": "often", "kind": "interval", "every_minutes": 30},
                   format="json")
    assert PeriodicTask.objects.filter(name="scraping: often").get().interval.every == 30


@pytest.mark.django_db
def test_pause_and_resume(staff_api, user, companies):
    schedule = staff_api.post("/api/v1/scraping/schedules", {"name": "n", "kind": "cron", "cron": {"minute": "0"}},
                              format="json").json()
    paused = staff_api.post(f"/api/v1/scraping/schedules/{schedule['id']}/pause").json()
    assert paused["enabled"] is False and paused["next_run_at"] is None
    assert PeriodicTask.objects.get(pk=schedule["id"]).enabled is False
    resumed = staff_api.post(f"/api/v1/scraping/schedules/{schedule['id']}/resume").json()
    assert resumed["enabled"] is True and resumed["next_run_at"] is not None
    staff_api.force_authenticate(user)
    assert staff_api.post(f"/api/v1/scraping/schedules/{schedule['id']}/pause").status_code == 403
    assert staff_api.get("/api/v1/scraping/schedules/999999").status_code == 404


@pytest.mark.django_db
def test_bad_schedules_are_refused_with_the_field_named(staff_api, companies):
    cases = [
        ({"kind": "cron", "cron": {"minute": "99"}}, "cron"),
        ({"kind": "cron", "cron": {"hour": "every"}}, "cron"),
        ({"kind": "interval"}, "every_minutes"),
        ({"kind": "interval", "every_minutes": 0}, "every_minutes"),
        ({"kind": "time"}, "time_of_day"),
        ({"kind": "time", "time_of_day": "07:00", "days": [7]}, "days"),
        ({"kind": "interval", "every_minutes": 5, "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "<b>x</b>", "kind": "interval", "every_minutes": 5}, "name"),
    ]
    for body, field in cases:
        response = staff_api.post("/api/v1/scraping/schedules", {"name": "bad", **body}, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["fields"], (body, response.json())
    assert not PeriodicTask.objects.filter(name__startswith="scraping: ").exists()


@pytest.mark.django_db
def test_a_slot_starts_one_run_even_when_fired_twice(companies):
    services.save_schedule("nightly", services.schedule_spec("time", time_of_day=datetime(2000, 1, 1, 3, 0).time()),
                           enabled=True, company_ids=None)
    first = scheduled_scrape(company_ids=None, schedule="nightly")  # the task body, as beat calls it
    assert first is not None
    finish(ScrapeRun.objects.get(pk=first))  # nothing is running any more...
    assert scheduled_scrape(company_ids=None, schedule="nightly") is None  # ...but this slot had its run
    assert ScrapeRun.objects.count() == 1
    slot = ScheduledSlot.objects.get()
    assert slot.run_id == first
    local = slot.slot_start.astimezone(UTC)
    assert (local.hour, local.minute) == (3, 0) and slot.slot_start <= timezone.now()


@pytest.mark.django_db
def test_the_next_slot_starts_the_next_run_and_a_paused_schedule_none(companies):
    schedule = services.save_schedule("hourly", services.schedule_spec("cron", cron={"minute": "0"}),
                                      enabled=True, company_ids=[companies[0].pk])
    base = timezone.now().replace(minute=10, second=0, microsecond=0)
    first = services.start_scheduled_run([companies[0].pk], "hourly", now=base)
    assert first is not None
    finish(first)
    assert services.start_scheduled_run([companies[0].pk], "hourly", now=base + timedelta(minutes=40)) is None
    second = services.start_scheduled_run([companies[0].pk], "hourly", now=base + timedelta(minutes=55))
    assert second is not None  # 11:05 is in the 11:00 slot
    assert sorted(s.slot_start for s in ScheduledSlot.objects.all()) == [
        base.replace(minute=0), base.replace(minute=0) + timedelta(hours=1)]
    finish(second)
    services.set_schedule_enabled(schedule["id"], False)
    assert services.start_scheduled_run(None, "hourly", now=base + timedelta(hours=3)) is None
    assert services.start_scheduled_run(None, "no such schedule") is None
    assert ScrapeRun.objects.count() == 2


@pytest.mark.django_db
def test_interval_slots_refuse_a_second_beat_a_little_later(companies):
    services.save_schedule("often", services.schedule_spec("interval", every_minutes=60), enabled=True,
                           company_ids=None)
    # Two beats fire 2 minutes apart, across the rounding boundary of the hour.
    boundary = timezone.now().replace(minute=0, second=0, microsecond=0)
    first = services.start_scheduled_run(None, "often", now=boundary - timedelta(minutes=1))
    assert first is not None
    finish(first)
    assert services.start_scheduled_run(None, "often", now=boundary + timedelta(minutes=1)) is None
    assert services.start_scheduled_run(None, "often", now=boundary + timedelta(minutes=59)) is not None


@pytest.mark.django_db(transaction=True)
def test_two_beats_firing_the_same_slot_at_once_start_one_run(companies):
    services.save_schedule("nightly", services.schedule_spec("cron", cron={"minute": "0", "hour": "2"}),
                           enabled=True, company_ids=None)
    barrier = threading.Barrier(2)
    results: list = []

    def beat() -> None:
        from django.db import connection

        try:
            barrier.wait(5)
            results.append(scheduled_scrape(company_ids=None, schedule="nightly"))
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2 and sum(r is not None for r in results) == 1, results
    assert ScrapeRun.objects.count() == 1 and ScheduledSlot.objects.count() == 1
    assert ScheduledSlot.objects.get().run_id == next(r for r in results if r is not None)


@pytest.mark.parametrize("cron, tz", [
    ({"minute": "30", "hour": "3"}, "Europe/Paris"),
    ({"minute": "*/15"}, "UTC"),
    ({"minute": "0", "hour": "9", "day_of_week": "1"}, "America/New_York"),
    ({"minute": "5", "hour": "0", "day_of_month": "1"}, "Australia/Sydney"),
])
@pytest.mark.django_db
def test_previous_and_next_firings_agree_with_celery(cron, tz):
    services.save_schedule("c", services.schedule_spec("cron", cron=cron, tz=tz), enabled=True, company_ids=None)
    task = PeriodicTask.objects.select_related("crontab").get(name="scraping: c")
    assert isinstance(task.crontab, CrontabSchedule)
    now = timezone.now()
    nxt = services.next_run(task, now)
    prev = services.previous_fire(task.crontab, now)
    assert prev is not None and nxt is not None and prev <= now < nxt
    assert services.previous_fire(task.crontab, nxt) == nxt  # the next firing is a firing
    assert services.previous_fire(task.crontab, nxt - timedelta(seconds=1)) == prev  # none in between
    assert services.next_run(task, prev) == nxt


@pytest.mark.django_db
def test_staff_create_pause_and_resume_schedules_on_the_page(client, staff_user, companies):
    client.force_login(staff_user)
    response = client.post("/scraping/schedule", {
        "name": "weekly", "enabled": "on", "kind": "cron", "minute": "0", "hour": "6", "day_of_week": "1",
        "timezone": "Europe/Berlin", "company_ids": [str(companies[0].pk)],
    }, follow=True)
    page = response.content.decode()
    assert "Schedule saved." in page and "weekly" in page and "0 6 * * 1 (Europe/Berlin)" in page
    task = PeriodicTask.objects.get(name="scraping: weekly")
    assert json.loads(task.kwargs)["company_ids"] == [companies[0].pk]
    response = client.post(f"/scraping/schedules/{task.pk}/pause", follow=True)
    assert "paused" in response.content.decode() and not PeriodicTask.objects.get(pk=task.pk).enabled
    client.post(f"/scraping/schedules/{task.pk}/resume")
    assert PeriodicTask.objects.get(pk=task.pk).enabled
    response = client.post("/scraping/schedule", {"name": "bad", "kind": "cron", "minute": "61"}, follow=True)
    assert "Schedule not saved" in response.content.decode()
    assert not PeriodicTask.objects.filter(name="scraping: bad").exists()
    client.post(f"/scraping/schedules/{task.pk}/delete")
    assert not PeriodicTask.objects.filter(pk=task.pk).exists()
