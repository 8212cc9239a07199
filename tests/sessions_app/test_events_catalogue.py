"""Every event sessions_app publishes is declared in sessions_app/events.py and matches its schema."""
import pytest

from realtime.catalogue import CATALOGUE, validation_errors
from realtime.models import Event
from sessions_app import events
from tests.sessions_app.event_cases import publish_every_event


@pytest.mark.django_db(transaction=True)
def test_every_declared_event_is_published_and_matches_its_schema():
    publish_every_event()

    published = list(Event.objects.order_by("id"))
    assert published
    for event in published:
        assert validation_errors(event.type, event.data) == [], (event.type, event.data)
    declared = {value for value in vars(events).values() if isinstance(value, str) and value in CATALOGUE}
    assert declared == {"bot.session_updated"}
    assert declared <= {event.type for event in published}
    statuses = [event.data["status"] for event in published]
    for status in ["starting", "running", "completed", "stopped", "stale"]:
        assert status in statuses, status


def test_a_payload_off_its_schema_is_reported():
    """The check above can fail: a wrong time format or a missing field is a violation."""
    good = {
        "id": "x", "session_id": "x", "user_id": 1, "status": "running", "is_active": True, "bot_version": "1",
        "platform": "linux", "current_activity": "", "activity_emoji": "⏳", "activity_message": "m",
        "activity_details": None, "error_message": "", "started_at": "2026-01-21T10:00:00.123Z",
        "last_heartbeat_at": None, "stopped_at": None, "completed_at": None,
        "updated_at": "2026-01-21T10:00:00.123Z", "elapsed_seconds": 0,
        "jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0,
    }
    assert validation_errors(events.SESSION_UPDATED, good) == []
    assert validation_errors(events.SESSION_UPDATED, {**good, "started_at": "2026-01-21T10:00:00+00:00"})
    assert validation_errors(events.SESSION_UPDATED, {k: v for k, v in good.items() if k != "jobs_found"})
    assert validation_errors(events.SESSION_UPDATED, {**good, "status": "sleeping"})
