"""The stale reaper on a real Celery worker, and the history purge."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from core.wire import iso
from realtime.models import Event
from sessions_app import services, tasks
from sessions_app.models import BotSession
from tests.sessions_app.conftest import wait_until


def _session(user, minutes_silent, status="running", **extra):
    now = timezone.now()
    return BotSession.objects.create(
        user=user, bot_version="1.0", platform="linux", status=status, current_activity="applying_jobs",
        started_at=now - timedelta(minutes=minutes_silent + 1),
        last_heartbeat_at=now - timedelta(minutes=minutes_silent), **extra,
    )


def test_beat_runs_the_reaper_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["sessions-reap-stale"]
    assert entry["task"] == "sessions_app.reap_stale_sessions" == tasks.reap_stale_sessions.name
    assert entry["schedule"] == 60.0


def test_worker_closes_silent_sessions_as_stale(user, other_user, make_user, celery_worker, reporter_for):
    silent, _ = reporter_for(other_user)
    assert silent.start_session("1.0", "linux") and silent.send_heartbeat("applying_jobs")
    BotSession.objects.filter(pk=silent.session_id).update(last_heartbeat_at=timezone.now() - timedelta(minutes=6))
    silent_starting = _session(make_user("carol"), minutes_silent=10, status="starting")
    alive = _session(user, minutes_silent=1)
    finished = _session(make_user("dave"), minutes_silent=60, status="completed", completed_at=timezone.now())
    # Stopped from the dashboard, but the bot never came back to complete it.
    abandoned_stop = _session(make_user("erin"), minutes_silent=10, status="stopped",
                              stopped_at=timezone.now() - timedelta(minutes=9))

    tasks.reap_stale_sessions.delay()
    wait_until(lambda: BotSession.objects.get(pk=silent.session_id).status == "stale", timeout=30,
               message="the worker to reap the silent session")
    wait_until(lambda: BotSession.objects.get(pk=silent_starting.pk).status == "stale", message="starting reaped")
    reaped = BotSession.objects.get(pk=silent.session_id)
    assert reaped.completed_at is not None and "5 minutes" in reaped.error_message
    assert BotSession.objects.get(pk=alive.pk).status == "running"
    assert BotSession.objects.get(pk=finished.pk).status == "completed"
    wait_until(lambda: BotSession.objects.get(pk=abandoned_stop.pk).completed_at, message="the stop closed")
    assert BotSession.objects.get(pk=abandoned_stop.pk).status == "stopped"

    event = Event.objects.filter(user=other_user, channel="bot", type="bot.session_updated").latest("id")
    assert event.data["status"] == "stale" and event.data["session_id"] == silent.session_id

    # The bot that was only slow learns its session is over; it never "reopens".
    assert silent.send_heartbeat("applying_jobs") is False
    assert silent.finished and not silent.stopped

    # Idempotent: a second run (the next minute's beat) changes nothing.
    events_before = Event.objects.filter(channel="bot").count()
    tasks.reap_stale_sessions.delay()
    assert services.reap_stale_sessions() == 0
    assert Event.objects.filter(channel="bot").count() == events_before
    assert BotSession.objects.get(pk=alive.pk).status == "running"


def test_history_is_kept_unless_a_retention_is_set(user, db, settings):
    old = _session(user, minutes_silent=60 * 24 * 40, status="completed")
    old_live = _session(user, minutes_silent=60 * 24 * 40, status="running")
    recent = _session(user, minutes_silent=60, status="failed")
    assert settings.BOT_SESSION_RETENTION_DAYS == 0
    assert services.purge_old_sessions(settings.BOT_SESSION_RETENTION_DAYS) == 0
    assert BotSession.objects.count() == 3

    settings.BOT_SESSION_RETENTION_DAYS = 30
    assert services.purge_old_sessions(settings.BOT_SESSION_RETENTION_DAYS) == 1
    assert set(BotSession.objects.values_list("pk", flat=True)) == {old_live.pk, recent.pk}
    assert not BotSession.objects.filter(pk=old.pk).exists()


STATS = {"jobs_found": 6, "jobs_applied": 2, "jobs_failed": 1, "credits_used": 3}


@pytest.mark.django_db(transaction=True)
def test_a_stop_the_bot_never_acknowledges_settles_as_stopped(user, session_client):
    """Issue 14: stopped, then no complete from the bot: after the stale window the reaper
    closes the run as `stopped` (with completed_at, so nothing reads it as "stopping")."""
    window = timedelta(seconds=settings.BOT_SESSION_STALE_AFTER_SECONDS)
    with time_machine.travel(datetime(2026, 1, 21, 10, 0, tzinfo=UTC), tick=False) as clock:
        session = services.start_session(user, "1.0.0", "linux")
        services.record_heartbeat(user, session.id, "applying_jobs", {"progress": "2/6"}, STATS)
        clock.shift(timedelta(seconds=40))
        services.stop_session(user, session.id)
        stopped_at = timezone.now()
        # The bot comes back once, hears "stopped" (nothing is written), then never completes.
        clock.shift(timedelta(seconds=30))
        with pytest.raises(services.SessionOver):
            services.record_heartbeat(user, session.id, "applying_jobs", None, STATS)

        clock.move_to(stopped_at + window - timedelta(seconds=1))
        assert tasks.reap_stale_sessions() == 0  # still within the window: the bot may yet complete
        during = session_client.get("/api/autoapply/bot/status").json()["current_session"]
        assert (during["status"], during["completed_at"]) == ("stopped", None)

        events_before = Event.objects.filter(user=user, channel="bot").count()
        clock.move_to(stopped_at + window + timedelta(seconds=1))
        assert tasks.reap_stale_sessions() == 1
        session.refresh_from_db()
        assert session.status == "stopped" and session.is_active is False
        assert session.stopped_at == stopped_at
        assert session.completed_at == stopped_at  # the run's end is the stop, not the reaper's visit
        assert session.stats() == STATS and session.error_message == ""

        event = Event.objects.filter(user=user, channel="bot", type="bot.session_updated").latest("id")
        assert Event.objects.filter(user=user, channel="bot").count() == events_before + 1
        assert event.data["status"] == "stopped" and event.data["completed_at"] == iso(stopped_at)
        assert event.data["is_active"] is False and event.data["jobs_applied"] == 2

        # The status endpoint (the card's initial state and HTTP fallback) shows a finished stop.
        status = session_client.get("/api/autoapply/bot/status").json()
        for shown in (status["current_session"], status["sessions"][0]):
            assert shown["session_id"] == str(session.id)
            assert (shown["status"], shown["completed_at"]) == ("stopped", iso(stopped_at))
            assert shown["elapsed_seconds"] == 40

        # Over is over: idempotent, and a very late complete is refused with its status.
        clock.shift(timedelta(minutes=1))
        assert tasks.reap_stale_sessions() == 0
        assert Event.objects.filter(user=user, channel="bot").count() == events_before + 1
        with pytest.raises(services.SessionOver) as late:
            services.complete_session(user, session.id, False, "Stopped by user", None)
        assert late.value.extra == {"status": "stopped"}


@pytest.mark.django_db(transaction=True)
def test_a_stop_the_bot_acknowledges_keeps_the_bots_word(user):
    with time_machine.travel(datetime(2026, 1, 21, 10, 0, tzinfo=UTC), tick=False) as clock:
        session = services.start_session(user, "1.0.0", "linux")
        services.stop_session(user)
        clock.shift(timedelta(seconds=20))
        services.complete_session(user, session.id, False, "Stopped by user", STATS)
        completed_at = timezone.now()
        clock.shift(timedelta(hours=1))
        assert tasks.reap_stale_sessions() == 0
    session.refresh_from_db()
    assert (session.status, session.completed_at, session.error_message) == ("stopped", completed_at, "Stopped by user")
    assert session.stats() == STATS
