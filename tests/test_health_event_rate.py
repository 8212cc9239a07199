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


def test_health_counts_the_last_minute_and_warns_above_the_setting(client):
    store_events(30, minutes_ago=5)  # long ago: not in the rate
    store_events(12)
    with override_settings(HEALTH_EVENTS_PER_MINUTE_WARN=10):
        body = client.get("/health").json()
    assert body["events"] == {"status": "warning", "per_minute": 12, "warn_above": 10}
    assert "events" not in body["failing"] and set(body["checks"]) == {"postgres", "redis", "celery"}

    with override_settings(HEALTH_EVENTS_PER_MINUTE_WARN=1000):
        body = client.get("/health").json()
    assert body["events"] == {"status": "ok", "per_minute": 12, "warn_above": 1000}


def test_a_quiet_system_has_a_rate_of_zero(client):
    store_events(3, minutes_ago=2)
    assert client.get("/health").json()["events"]["per_minute"] == 0
