"""/health reports the event rate and warns above HEALTH_EVENTS_PER_MINUTE_WARN (issue 12, item 9).

A warning is a finding of its own: it never turns /health into a 503.
"""
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from realtime.models import Event

pytestmark = pytest.mark.django_db


def store_events(count: int, minutes_ago: float = 0) -> None:
    when = timezone.now() - timedelta(minutes=minutes_ago)
    Event.objects.bulk_create([Event(channel="system", type="system.notification", data={"n": n}, created_at=when)
                               for n in range(count)])


def rate(client) -> dict:
    return client.get("/health").json()["events"]


def test_health_counts_the_last_minute_and_warns_above_the_setting(client):
    """Bounds, not exact counts: a worker still busy with an earlier test may publish meanwhile."""
    store_events(300, minutes_ago=5)  # long ago: not in the rate
    store_events(12)
    with override_settings(HEALTH_EVENTS_PER_MINUTE_WARN=10):
        body = client.get("/health").json()
    events = body["events"]
    assert (events["status"], events["warn_above"]) == ("warning", 10) and 12 <= events["per_minute"] < 300
    assert "events" not in body["failing"] and set(body["checks"]) == {"postgres", "redis", "celery"}

    with override_settings(HEALTH_EVENTS_PER_MINUTE_WARN=1000):
        events = rate(client)
    assert (events["status"], events["warn_above"]) == ("ok", 1000) and 12 <= events["per_minute"] < 300


def test_events_older_than_a_minute_are_not_in_the_rate(client):
    store_events(300, minutes_ago=2)
    assert rate(client)["per_minute"] < 300
