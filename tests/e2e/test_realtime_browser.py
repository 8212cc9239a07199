"""The dashboard's live feed in real Chromium: live badge, live events, outages and catch-up."""
import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.realtime.conftest import live_on, publish_now

pytestmark = pytest.mark.django_db(transaction=True)
SLOW = 30_000  # ms: a restarted server and the client's reconnect backoff


def feed_item(page, event_id):
    return page.locator(f'#activity-feed li[data-event-id="{event_id}"]')


def test_dashboard_goes_live_shows_events_and_catches_up_after_a_server_restart(start_daphne, new_page, login, user):
    server = start_daphne()
    page = login(new_page(), server, user)
    badge = page.locator("#live-status")
    expect(badge).to_have_text("Live")

    first = publish_now(user, "jobs", "job.created",
                        {"job_id": 1, "company": "<img src=x onerror=alert(1)>Acme", "job_title": "Engineer"})
    expect(feed_item(page, first)).to_contain_text("Engineer at <img src=x onerror=alert(1)>Acme")
    expect(page.locator("#activity-feed img")).to_have_count(0)  # event data is text, never markup

    server.stop()
    expect(badge).to_have_text("Reconnecting…")
    missed = [
        publish_now(user, "applications", "application.status_changed",
                    {"job_id": 1, "company": "Acme", "job_title": "Engineer",
                     "old_status": "applied", "new_status": "interviewing"}),
        publish_now(None, "system", "system.notification", {"message": "We are back", "severity": "info"}),
        publish_now(user, "bot", "bot.session_updated", {"status": "running", "current_activity": "Applying"}),
    ]
    server.restart()  # the same port: the page reconnects by itself

    expect(badge).to_have_text("Live", timeout=SLOW)
    for event_id in missed:
        expect(feed_item(page, event_id)).to_have_count(1)
    expect(feed_item(page, missed[0])).to_contain_text("applied → interviewing")
    expect(page.locator("#toasts")).to_contain_text("We are back")
    after = publish_now(user, "jobs", "job.analyzed", {"job_id": 1, "match_score": 85.5, "recommendation": "apply_now"})
    expect(feed_item(page, after)).to_contain_text("85.5%")
    # Each event exactly once, newest first.
    items = page.locator("#activity-feed li[data-event-id]")
    expect(items).to_have_count(5)
    assert [int(i) for i in items.evaluate_all("els => els.map(e => e.dataset.eventId)")] == \
        sorted([first, *missed, after], reverse=True)


def test_without_redis_the_page_polls_then_goes_live_again(private_redis, start_daphne, new_page, login, user):
    server = start_daphne(REDIS_URL=private_redis.url)
    page = login(new_page(), server, user)
    badge = page.locator("#live-status")
    expect(badge).to_have_text("Live")

    private_redis.stop()  # the socket is closed (4503); HTTP still works
    expect(badge).to_have_text("Reconnecting… (polling)", timeout=SLOW)
    polled = publish_now(user, "jobs", "job.created", {"job_id": 2, "company": "Initech", "job_title": "Analyst"})
    expect(feed_item(page, polled)).to_contain_text("Analyst at Initech", timeout=SLOW)

    private_redis.start()
    expect(badge).to_have_text("Live", timeout=SLOW)
    with override_settings(**live_on(private_redis.url)):  # the server's Redis
        live = publish_now(user, "jobs", "job.created", {"job_id": 3, "company": "Hooli", "job_title": "SRE"})
    expect(feed_item(page, live)).to_have_count(1, timeout=SLOW)
    expect(feed_item(page, polled)).to_have_count(1)
