"""GET /api/v1/events: the HTTP fallback serves the socket's events, with the socket's rules."""
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import requests
from django.utils import timezone

from realtime.channels import CHANNELS
from realtime.models import Event
from realtime.services import purge_old_events
from tests.conftest import WsListener
from tests.realtime.conftest import a_type_on, publish_now


def get_events(api_client, token, **params):
    """`token`: a raw API token, or a user asking on a logged-in session (staff powers need one)."""
    if isinstance(token, str):
        api_client.logout()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    else:
        api_client.credentials()
        api_client.force_login(token)
    return api_client.get("/api/v1/events", params)


def ids(page):
    return [event["id"] for event in page["events"]]


@pytest.mark.django_db(transaction=True)
def test_the_same_events_as_the_socket(daphne_server, ws_listen, user, other_user, make_token):
    token = make_token(user)
    socket = ws_listen(daphne_server, token, channels="jobs,applications,system")
    start = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    publish_now(user, "jobs", "job.created", {"job_id": 1, "company": "Acme", "job_title": "Engineer"})
    publish_now(other_user, "jobs", "job.created", {"job_id": 2})
    publish_now(user, "bot", "bot.session_updated", {"status": "running"})  # not subscribed
    publish_now(None, "system", "system.notification", {"message": "hello", "severity": "info"})
    last = publish_now(user, "applications", "application.status_changed",
                       {"job_id": 1, "old_status": "applied", "new_status": "interviewing"})
    socket.wait_for("application.status_changed")

    page = requests.get(
        f"{daphne_server.url}/api/v1/events",
        params={"after": start, "channels": "jobs,applications,system"},
        headers={"Authorization": f"Bearer {token}"}, timeout=15,
    )
    assert page.status_code == 200
    body = page.json()
    assert body["events"] == socket.events()  # identical envelopes, in the same order
    assert [e["type"] for e in body["events"]] == ["job.created", "system.notification", "application.status_changed"]
    assert body["last_event_id"] == last
    assert body["resync_required"] is False and body["has_more"] is False


@pytest.mark.django_db
def test_order_after_and_paging(api_client, user, make_token):
    token = make_token(user)
    published = [publish_now(user, "jobs", "job.created", {"n": n}) for n in range(5)]
    before = published[0] - 1

    page = get_events(api_client, token, after=before).json()
    assert ids(page) == published
    assert [e["data"]["n"] for e in page["events"]] == [0, 1, 2, 3, 4]
    assert page["last_event_id"] == published[-1]

    assert ids(get_events(api_client, token, after=published[2]).json()) == published[3:]

    first = get_events(api_client, token, after=before, limit=2).json()
    assert ids(first) == published[:2] and first["has_more"] is True
    assert first["last_event_id"] == published[1]
    rest = get_events(api_client, token, after=first["last_event_id"], limit=3).json()
    assert ids(rest) == published[2:] and rest["has_more"] is False

    nothing_new = get_events(api_client, token, after=published[-1]).json()
    assert nothing_new == {"events": [], "last_event_id": published[-1], "resync_required": False, "has_more": False}


@pytest.mark.django_db
def test_channels_filter(api_client, user, make_token):
    token = make_token(user)
    before = publish_now(user, "jobs", "job.created", {})
    job = publish_now(user, "jobs", "job.analyzed", {"job_id": 1})
    bot = publish_now(user, "bot", "bot.session_updated", {"status": "running"})
    run = publish_now(None, "scraping", "scraping.run_updated", {"run_id": 3})
    interview = publish_now(user, "interviews", "interview.scheduled", {"interview_id": 5})

    assert ids(get_events(api_client, token, after=before, channels="jobs").json()) == [job]
    assert ids(get_events(api_client, token, after=before, channels="bot,scraping").json()) == [bot, run]
    assert ids(get_events(api_client, token, after=before, channels=" interviews , ").json()) == [interview]
    # Default: every channel the user has.
    assert ids(get_events(api_client, token, after=before).json()) == [job, bot, run, interview]


@pytest.mark.django_db
def test_bad_parameters_are_400_with_a_json_error(api_client, user, staff_user, make_token):
    token = make_token(user)
    for params, field in [
        ({"channels": "jobs,secrets"}, "channels"),
        ({"after": "-1"}, "after"),
        ({"after": "ten"}, "after"),
        ({"after": "²"}, "after"),  # a unicode digit is not a number
        ({"after": "1.5"}, "after"),
        ({"limit": "x"}, "limit"),
    ]:
        response = get_events(api_client, token, **params)
        assert response.status_code == 400, params
        assert response.json()["error"] == "Invalid input." and field in response.json()["fields"], params
    staff = staff_user  # a staff session: a staff member's token has no staff powers
    for bad in ["nobody", "999999999", "²"]:
        response = get_events(api_client, staff, user_id=bad)
        assert response.status_code == 404 and response.json() == {"error": "No such user."}


@pytest.mark.django_db
def test_staff_views_and_other_users_are_403_for_users(api_client, user, other_user, make_token):
    token = make_token(user)
    response = get_events(api_client, token, channels="submissions:all")
    assert response.status_code == 403
    assert "staff" in response.json()["error"]
    response = get_events(api_client, token, user_id=other_user.id)
    assert response.status_code == 403 and response.json() == {"error": "user_id must be your own."}
    assert get_events(api_client, token, user_id=user.id).status_code == 200

    api_client.credentials()
    anonymous = api_client.get("/api/v1/events")
    assert anonymous.status_code == 401 and "error" in anonymous.json()
    api_client.credentials(HTTP_AUTHORIZATION="Bearer jbx_forged")
    assert api_client.get("/api/v1/events").status_code == 401


@pytest.mark.django_db
def test_the_browser_session_works_too(session_client, user):
    event_id = publish_now(user, "jobs", "job.created", {"job_id": 1})
    response = session_client.get("/api/v1/events", {"after": event_id - 1, "channels": "jobs"})
    assert response.status_code == 200 and ids(response.json()) == [event_id]


@pytest.mark.django_db
def test_staff_view_and_watching_a_user(api_client, user, other_user, staff_user):
    staff = staff_user  # a staff session: a staff member's token has no staff powers
    before = publish_now(None, "system", "system.notification", {"message": "start"})
    alice_job = publish_now(user, "submissions", "submission_job.updated", {"job_id": "1", "status": "pending"})
    bob_job = publish_now(other_user, "submissions", "submission_job.updated", {"job_id": "2", "status": "pending"})
    alice_bot = publish_now(user, "bot", "bot.session_updated", {"status": "running"})
    publish_now(other_user, "bot", "bot.session_updated", {"status": "running"})

    everyone = get_events(api_client, staff, after=before, channels="submissions:all").json()
    assert ids(everyone) == [alice_job, bob_job]
    watched = get_events(api_client, staff, after=before, channels="bot,submissions", user_id=user.id).json()
    assert ids(watched) == [alice_job, alice_bot]
    # The staff member's own (unwatched) view has none of the users' events.
    assert ids(get_events(api_client, staff, after=before, channels="bot,submissions").json()) == []


@pytest.mark.django_db
def test_resync_required_after_purge_or_too_many_missed(api_client, user, make_token, settings):
    token = make_token(user)
    oldest = publish_now(user, "jobs", "job.created", {"n": 0})
    old = publish_now(user, "jobs", "job.created", {"n": 1})
    kept = publish_now(user, "jobs", "job.created", {"n": 2})
    Event.objects.filter(pk__in=[oldest, old]).update(created_at=timezone.now() - timedelta(hours=30))
    assert purge_old_events(24) == 2

    # A client that had `oldest` missed `old`, which is gone: it must reload.
    gone = get_events(api_client, token, after=oldest).json()
    assert gone["resync_required"] is True and gone["events"] == []
    assert gone["last_event_id"] >= kept
    # A client that had `old` missed nothing that was purged.
    assert ids(get_events(api_client, token, after=old).json()) == [kept]
    # An id this server never issued (another database): reload.
    assert get_events(api_client, token, after=kept + 1000).json()["resync_required"] is True

    settings.REALTIME_RETENTION_EVENTS = 3
    for n in range(4):
        publish_now(user, "jobs", "job.created", {"n": n})
    too_many = get_events(api_client, token, after=kept).json()
    assert too_many["resync_required"] is True and too_many["events"] == []
    # Paging through fewer than the retention limit is not a resync.
    page = get_events(api_client, token, after=kept + 1, limit=2).json()
    assert page["resync_required"] is False and page["has_more"] is True and len(page["events"]) == 2


@pytest.mark.django_db(transaction=True)
def test_a_user_never_gets_another_users_events(daphne_server, ws_listen, user, other_user, make_token):
    """Whatever channel or user_id Alice asks for, Bob's events never reach her: live,
    replayed on resume, or over HTTP."""
    alice_token = make_token(user)
    start = publish_now(user, "jobs", "job.created", {"owner": "alice"})
    bobs = {publish_now(other_user, channel, a_type_on(channel), {"owner": "bob"}) for channel in CHANNELS}

    every_channel = ",".join(list(CHANNELS) + [f"{c}:all" for c in CHANNELS])
    resumed = ws_listen(daphne_server, alice_token, channels=every_channel, last_event_id=start - 1)
    errors = [m["data"]["code"] for m in resumed.messages if m["type"] == "system.error"]
    assert errors == ["forbidden_channel"] * len(CHANNELS)
    for channel in ["jobs:all", "bot:all", "submissions:all"]:
        resumed.send({"action": "subscribe", "channel": channel})
    resumed.send({"action": "list_channels"})
    assert resumed.wait_for("system.channels")["data"]["channels"] == list(CHANNELS)
    errors = [m["data"]["code"] for m in resumed.messages if m["type"] == "system.error"]
    assert errors == ["forbidden_channel"] * (len(CHANNELS) + 3)

    for query in [{"user_id": other_user.id}, {"user_id": other_user.id, "channels": "jobs"}]:
        spy = WsListener(f"{daphne_server.ws_url}?{urlencode(query)}", headers={"Authorization": f"Bearer {alice_token}"})
        spy._thread.join(10)
        assert spy.close_code == 4403 and spy.messages == []

    bobs |= {publish_now(other_user, channel, a_type_on(channel), {"owner": "bob", "live": True}) for channel in CHANNELS}
    marker = publish_now(user, "system", "system.notification", {"owner": "alice"})
    resumed.wait_for("system.notification", predicate=lambda m: m["id"] == marker)
    received = resumed.events()
    assert [e["id"] for e in received][:1] == [start]
    assert not bobs & {e["id"] for e in received}
    assert all(e["data"].get("owner") == "alice" for e in received)

    headers = {"Authorization": f"Bearer {alice_token}"}
    url = f"{daphne_server.url}/api/v1/events"
    for channel in list(CHANNELS) + [",".join(CHANNELS), ""]:
        page = requests.get(url, params={"after": start - 1, "channels": channel}, headers=headers, timeout=15)
        assert page.status_code == 200
        assert not bobs & set(ids(page.json()))
        assert all(e["data"].get("owner") == "alice" for e in page.json()["events"])
    for params in [{"channels": "jobs:all"}, {"user_id": other_user.id}, {"user_id": other_user.id, "channels": "bot"}]:
        assert requests.get(url, params=params, headers=headers, timeout=15).status_code == 403


@pytest.mark.django_db
def test_pages_hand_the_client_the_newest_event_id(session_client, user, other_user):
    publish_now(user, "jobs", "job.created", {"job_id": 1})
    newest = publish_now(other_user, "jobs", "job.created", {"job_id": 2})  # any event counts
    page = session_client.get("/dashboard/")
    assert page.status_code == 200
    assert f'data-last-event-id="{newest}"'.encode() in page.content
    assert b'data-channels="jobs,applications' in page.content
