"""Scraping's events against the catalogue: each declared type is published, every payload matches."""
import pytest

from realtime.catalogue import CATALOGUE, validation_errors
from realtime.models import Event
from scraping import events
from tests.scraping.event_cases import publish_every_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_scraping_event_is_published_and_matches_its_schema():
    publish_every_event()
    published = list(Event.objects.order_by("id").values_list("type", "data"))
    problems = [(type_, data, errors) for type_, data in published if (errors := validation_errors(type_, data))]
    assert not problems
    declared = {value for value in vars(events).values() if isinstance(value, str) and value in CATALOGUE}
    assert declared == {"scraping.run_updated", "scraping.company_updated", "posting.created"}
    assert declared <= {type_ for type_, _ in published}


def test_a_scraped_posting_is_a_posting_created_never_a_job_created():
    publish_every_event()
    created = Event.objects.get(type="posting.created")
    assert created.user_id is None and created.channel == "jobs"
    assert set(created.data) == {"posting_id", "company", "job_title", "location", "source"}
    assert not Event.objects.filter(type="job.created").exists()
