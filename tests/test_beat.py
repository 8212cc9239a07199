"""A real `celery beat` (the README's command, DatabaseScheduler) fires every schedule.

Beat sends the tasks; the session's Celery worker runs them against the test database.
The scrape schedule is the row staff save on /scraping/ (a django-celery-beat
PeriodicTask), shortened to seconds; the settings' CELERY_BEAT_SCHEDULE (reaper,
interview reminders, follow-ups due, event purge) runs with 2 s intervals from
tests/fast_beat_settings.py. Each effect must appear within a few intervals."""
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from devtools.career_boards import BoardServer
from tests import fast_beat_settings
from tests.conftest import Process, child_env
from tests.support import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SCRAPE_EVERY_SECONDS = 3
# Beat's DatabaseScheduler re-reads its table at least every 5 s; the worker then needs a moment.
WITHIN_SECONDS = 45


def start_beat(process_dir) -> Process:
    cmd = [sys.executable, "-m", "celery", "-A", "jobelix", "beat", "--loglevel", "INFO",
           "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"]
    env = child_env(DJANGO_SETTINGS_MODULE="tests.fast_beat_settings")
    return Process("beat", cmd, env, process_dir).start(wait_port=False)


def make_due_work(user):
    """One row for each beat task to act on; returns what to watch."""
    from realtime import publish
    from realtime.models import Event
    from sessions_app.models import BotSession
    from tracker import services as tracker

    now = timezone.now()
    job, _ = tracker.create_job(user, company="Initech", job_title="Backend Engineer", job_url="https://i.example/1")
    app = tracker.create_application(user, job.id)
    interview = tracker.schedule_interview(user, app.id, interview_type="technical",
                                           scheduled_date=now + timedelta(minutes=30))
    followup = tracker.create_followup(user, app.id, scheduled_date=now + timedelta(hours=2))
    silent = BotSession.objects.create(user=user, bot_version="1.0", platform="linux", status="running",
                                       last_heartbeat_at=now - timedelta(
                                           seconds=settings.BOT_SESSION_STALE_AFTER_SECONDS + 60))
    with transaction.atomic():
        old_event = publish(user, "jobs", "job.created", {
            "job_id": job.id, "company": "Initech", "job_title": "Old", "location": "", "source": "manual"})
    Event.objects.filter(pk=old_event.pk).update(
        created_at=now - timedelta(hours=settings.REALTIME_RETENTION_HOURS + 1))
    return interview, followup, silent, old_event


def test_beat_fires_the_scrape_schedule_and_every_settings_entry(celery_worker, process_dir, user):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from realtime.models import Event
    from scraping import services as scraping
    from scraping.models import Company, ScrapeRun
    from sessions_app.models import BotSession
    from tracker.models import FollowUp, InterviewReminder

    assert {name: entry["task"] for name, entry in fast_beat_settings.CELERY_BEAT_SCHEDULE.items()} == {
        name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}

    with BoardServer() as boards:
        token = f"beat-{uuid.uuid4().hex[:6]}"
        boards.add_company("jsonld", token, count=3)
        Company.objects.create(name="Beat Co", **boards.company_fields("jsonld", token))
        # What "Save schedule" on /scraping/ stores, then shortened from minutes to seconds.
        scraping.set_schedule(enabled=True, every_minutes=1, company_ids=None)
        task = PeriodicTask.objects.get(name=scraping.SCHEDULE_NAME)
        task.interval = IntervalSchedule.objects.create(every=SCRAPE_EVERY_SECONDS, period=IntervalSchedule.SECONDS)
        task.save()
        interview, followup, silent, old_event = make_due_work(user)
        assert not ScrapeRun.objects.exists() and not InterviewReminder.objects.exists()

        beat = start_beat(process_dir)
        started = time.monotonic()
        seen: dict[str, float] = {}

        def effect(name, check):
            def probe():
                if check():
                    seen.setdefault(name, round(time.monotonic() - started, 1))
                return name in seen
            return probe

        probes = [
            effect("scrape", lambda: ScrapeRun.objects.filter(started_by=None, status="completed").exists()),
            effect("reaper", lambda: BotSession.objects.get(pk=silent.pk).status == "stale"),
            effect("interview reminder", lambda: InterviewReminder.objects.filter(interview=interview).exists()),
            effect("follow-up due", lambda: FollowUp.objects.get(pk=followup.pk).due_notified_at is not None),
            effect("event purge", lambda: not Event.objects.filter(pk=old_event.pk).exists()),
        ]
        try:
            wait_until(lambda: sum(probe() for probe in probes) == len(probes), timeout=WITHIN_SECONDS, interval=0.5,
                       message="every beat task's effect")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; seen {seen}\nbeat log:\n{beat.log()}") from None
        finally:
            beat.stop()
            # Let a run the schedule started last finish before the database is flushed.
            wait_until(lambda: not ScrapeRun.objects.filter(status__in=("pending", "running")).exists(),
                       timeout=60, message="the last scheduled run to finish")
        print(f"\n[beat] effects seen after (s): {seen}")

    run = ScrapeRun.objects.filter(started_by=None, status="completed").order_by("pk").first()
    assert run.jobs_found == 3 and run.company_scrapes.get().company.name == "Beat Co"
    task.refresh_from_db()
    assert task.last_run_at is not None and task.total_run_count >= 1  # beat recorded its firing
    assert Event.objects.filter(user=user, type="interview.reminder").count() == 1
    assert Event.objects.filter(user=user, type="followup.due").count() == 1
    assert Event.objects.filter(user=user, type="bot.session_updated", data__status="stale").exists()
    assert "Sending due task" in beat.log()
