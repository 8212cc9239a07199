"""Every event the tracker publishes is declared in tracker/events.py and matches its
schema; every type declared there is published by some service (event_cases.py)."""
import pytest

from realtime.catalogue import CATALOGUE, check, validation_errors
from realtime.models import Event
from tests.tracker.event_cases import publish_every_event
from tracker import events

pytestmark = pytest.mark.django_db(transaction=True)

DECLARED = {value for name, value in vars(events).items()
            if name.isupper() and isinstance(value, str) and value in CATALOGUE}


def test_every_tracker_event_is_declared_and_matches_its_schema():
    publish_every_event()
    published = list(Event.objects.order_by("id").values_list("type", "channel", "data"))
    assert published
    for type_, channel, data in published:
        check(type_, channel)  # declared, on this channel
        assert validation_errors(type_, data) == [], (type_, data)
    assert DECLARED - {type_ for type_, _, _ in published} == set()
    assert len(DECLARED) == 14  # + skill_gap.updated (issue 15)


def test_recommendations_name_postings_by_posting_id():
    publish_every_event()
    # .new or .updated: the session's Celery worker may recompute first (the saved job queues it).
    types = [events.RECOMMENDATIONS_NEW, events.RECOMMENDATIONS_UPDATED]
    items = [item for data in Event.objects.filter(type__in=types).values_list("data", flat=True)
             for item in data["top_recommendations"]]
    own = [i for i in items if i["job_id"] is not None]
    scraped = [i for i in items if i["posting_id"] is not None]
    assert own and scraped
    assert all(i["posting_id"] is None for i in own) and all(i["job_id"] is None for i in scraped)
