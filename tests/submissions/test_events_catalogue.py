"""Every submissions event type is published by the real services, and every payload matches its schema."""
import pytest

from realtime.catalogue import CATALOGUE, load_all, validation_errors
from realtime.models import Event
from submissions import events
from tests.submissions.event_cases import publish_every_event


@pytest.mark.django_db(transaction=True)
def test_every_submissions_event_is_published_and_matches_its_schema():
    load_all()
    declared = {name for name, entry in CATALOGUE.items() if events.CHANNEL in entry.channels}
    assert events.JOB_UPDATED in declared and events.SUBMISSION_UPDATED in declared

    publish_every_event()

    published = list(Event.objects.order_by("id"))
    problems = {(e.type, e.id): validation_errors(e.type, e.data) for e in published}
    assert {key: errors for key, errors in problems.items() if errors} == {}
    assert declared <= {e.type for e in published}
    # the job ran to its end through the worker, then a late approval was recorded
    job_statuses = [e.data["status"] for e in published if e.type == events.JOB_UPDATED]
    assert job_statuses[0] == "pending" and job_statuses[-1] == "completed"
    assert [e.data["status"] for e in published if e.type == events.SUBMISSION_UPDATED][-1] == "approved"
