"""Heartbeats faster than every 2 s are answered and stored, but coalesced (issue 12, item 9).

The rule (sessions_app.services._coalesce): a heartbeat that changes the session's
status or activity is always published; a repeat (same status and activity, new stats
or details at most) is published while fewer than BOT_HEARTBEAT_BURST (3) repeats in a
row were published since the last change, then only when the latest event is
BOT_HEARTBEAT_COALESCE_SECONDS (2 s) old. The row takes every heartbeat.
"""
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from realtime.models import Event
from sessions_app import services
from sessions_app.models import BotSession

ZERO = {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}


def published(session_id) -> list[tuple[str, str, int]]:
    return [(e.data["status"], e.data["current_activity"], e.data["jobs_found"])
            for e in Event.objects.filter(type="bot.session_updated", data__session_id=str(session_id)).order_by("id")]


@pytest.mark.django_db
def test_repeats_inside_the_window_are_folded_and_changes_always_go_out(user):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        session = services.start_session(user, "1.0.0", "linux")

        def beat(at: float, activity: str, found: int) -> BotSession:
            clock.move_to(start + timedelta(seconds=at))
            return services.record_heartbeat(user, session.id, activity, {"found": found}, {**ZERO, "jobs_found": found})

        beat(0.1, "searching_jobs", 1)  # starting -> running: published
        for n in (2, 3, 4):
            beat(n / 10, "searching_jobs", n)  # three repeats in a row: published at once
        for n in range(5, 10):
            beat(n / 10, "searching_jobs", n)  # more within 2 s of the last event: folded in
        stored = BotSession.objects.get(pk=session.id)
        assert (stored.jobs_found, stored.activity_details) == (9, {"found": 9})  # the row took every one
        beat(1.0, "applying_jobs", 10)  # a new activity: published, even inside the window
        for n in (11, 12, 13):
            beat(n / 10, "applying_jobs", n)  # a new burst after a change
        beat(1.4, "applying_jobs", 14)  # folded
        beat(3.2, "applying_jobs", 15)  # folded: the latest event (at 1.3) is 1.9 s old
        beat(3.4, "applying_jobs", 16)  # 2.1 s: published
        beat(3.5, "applying_jobs", 17)  # folded
        services.complete_session(user, session.id, True, None, None)  # a status change: published

    assert published(session.id) == [("starting", "", 0)] + [("running", "searching_jobs", n) for n in (1, 2, 3, 4)] + [
        ("running", "applying_jobs", n) for n in (10, 11, 12, 13, 16)] + [("completed", "applying_jobs", 17)]


@pytest.mark.django_db
def test_a_window_of_zero_publishes_every_heartbeat(user):
    session = services.start_session(user, "1.0.0", "linux")
    with override_settings(BOT_HEARTBEAT_COALESCE_SECONDS=0):
        for n in range(1, 5):
            services.record_heartbeat(user, session.id, "applying_jobs", None, {**ZERO, "jobs_found": n})
    assert [found for _, _, found in published(session.id)] == [0, 1, 2, 3, 4]


@pytest.mark.django_db(transaction=True)
def test_a_flood_over_http_is_answered_alike_and_stored_but_not_published_each(user, make_token, start_daphne):
    """A window of 60 s keeps this deterministic on a slow machine; the rule is the one above."""
    import requests

    server = start_daphne(BOT_HEARTBEAT_COALESCE_SECONDS="60")
    raw = make_token(user)
    base = f"{server.url}/api/autoapply/bot/"
    started = requests.post(base + "start", json={"token": raw, "bot_version": "1.0.0", "platform": "linux"}, timeout=10)
    session_id = started.json()["session_id"]
    answers = [requests.post(base + "heartbeat", timeout=10, json={
        "token": raw, "session_id": session_id, "activity": "applying_jobs", "details": {"n": n},
        "stats": {**ZERO, "jobs_found": n}}) for n in range(1, 21)]
    assert [a.status_code for a in answers] == [200] * 20
    assert all(a.json() == {"success": True, "session_id": session_id, "status": "running"} for a in answers)
    stored = BotSession.objects.get(pk=session_id)
    assert (stored.jobs_found, stored.activity_details) == (20, {"n": 20})
    assert published(session_id) == [("starting", "", 0)] + [("running", "applying_jobs", n) for n in (1, 2, 3, 4)]
    status = requests.get(base + "status", headers={"Authorization": f"Bearer {raw}"}, timeout=10).json()
    assert status["current_session"]["jobs_found"] == 20  # what the folded ones carried is there
