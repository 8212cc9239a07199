"""The WebSocket API through real daphne processes on loopback, with a real `websockets` client."""
import time

import pytest
import requests
from django.test import override_settings

from realtime.models import Event
from tests.conftest import WsListener
from tests.realtime.conftest import live_on, publish_now
from tests.session_auth import session_listener

pytestmark = pytest.mark.django_db(transaction=True)


def closed_with(listener, timeout=10):
    """Wait until the server closes the socket and return its close code."""
    listener._thread.join(timeout)
    return listener.close_code


def test_token_client_gets_events_published_by_the_app(daphne_server, ws_listen, user, other_user, make_token):
    alice = ws_listen(daphne_server, make_token(user), channels="jobs,bot")
    bob = ws_listen(daphne_server, make_token(other_user), channels="jobs,bot")
    assert alice.messages[0]["data"]["channels"] == ["jobs", "bot"]

    event_id = publish_now(user, "jobs", "job.analyzed", {"job_id": 42, "match_score": 85.5})
    event = alice.wait_for("job.analyzed")
    assert event == {
        "id": event_id, "type": "job.analyzed", "channel": "jobs",
        "data": {"job_id": 42, "match_score": 85.5}, "timestamp": event["timestamp"],
    }
    assert event["timestamp"].endswith("Z")

    # Bob's own event arrives after Alice's was sent: by then Alice's would have reached him too.
    mine = publish_now(other_user, "bot", "bot.session_updated", {"status": "running"})
    assert bob.wait_for("bot.session_updated")["id"] == mine
    assert [e["id"] for e in bob.events()] == [mine]
    assert [e["id"] for e in alice.events()] == [event_id]


def test_token_by_header_and_subprotocol_and_bad_tokens_through_daphne(daphne_server, user, make_token):
    token = make_token(user)
    by_header = WsListener(daphne_server.ws_url + "?channels=jobs", headers={"Authorization": f"Bearer {token}"})
    by_protocol = WsListener(daphne_server.ws_url + "?channels=jobs", subprotocols=["bearer", token])
    try:
        for listener in (by_header, by_protocol):
            assert listener.wait_for("system.connected")["data"]["user_id"] == str(user.id)
        assert by_protocol.ws.subprotocol == "bearer"
        event_id = publish_now(user, "jobs", "job.created", {"job_id": 1})
        for listener in (by_header, by_protocol):
            assert listener.wait_for("job.created")["id"] == event_id
    finally:
        by_header.close()
        by_protocol.close()

    for url in [daphne_server.ws_url, daphne_server.ws_url + "?token=jbx_forged"]:
        refused = WsListener(url)
        assert closed_with(refused) == 4401
        assert refused.messages == []


def test_two_daphne_processes_on_one_redis_share_events(
    daphne_server, start_daphne, ws_listen, http_login, user, other_user, staff_user, make_token
):
    second = start_daphne()
    alice = ws_listen(second, make_token(user), channels="jobs,system")
    bob = ws_listen(daphne_server, make_token(other_user), channels="jobs,system")
    monitor = session_listener(daphne_server, staff_user, channels="jobs:all")  # staff powers: a session

    # A staff member's form POST on the first process reaches users connected to the second.
    response = http_login(daphne_server, staff_user).broadcast("Maintenance at noon", severity="warning")
    assert response.status_code == 302, response.text[:500]
    notes = [listener.wait_for("system.notification") for listener in (alice, bob)]
    assert notes[0] == notes[1]
    assert notes[0]["data"] == {"message": "Maintenance at noon", "severity": "warning", "action_required": False}

    # A user's event reaches that user (and the staff view) whatever process they are on.
    event_id = publish_now(user, "jobs", "job.created", {"job_id": 7, "company": "Acme"})
    assert alice.wait_for("job.created")["id"] == event_id
    assert monitor.wait_for("job.created")["id"] == event_id
    later = publish_now(other_user, "jobs", "job.created", {"job_id": 8})
    assert bob.wait_for("job.created")["id"] == later
    assert [e["id"] for e in bob.events("job.created")] == [later]
    monitor.close()


def test_redis_outage_loses_no_event(private_redis, start_daphne, ws_listen, http_login, user, staff_user, make_token):
    server = start_daphne(REDIS_URL=private_redis.url)
    token = make_token(user)
    staff = http_login(server, staff_user)
    alice = ws_listen(server, token, channels="system")

    assert staff.broadcast("before the outage").status_code == 302
    before = alice.wait_for("system.notification")["id"]

    private_redis.stop()
    # The open socket is told to reconnect (4503) instead of staying open and deaf.
    assert closed_with(alice) == 4503
    response = staff.broadcast("during the outage")
    assert response.status_code == 302, response.text[:500]  # the write succeeded: stored in PostgreSQL
    during = Event.objects.get(type="system.notification", data__message="during the outage")

    # Without Redis the HTTP fallback still serves it (the event log is in PostgreSQL).
    page = requests.get(
        f"{server.url}/api/v1/events", params={"after": before, "channels": "system"},
        headers={"Authorization": f"Bearer {token}"}, timeout=15,
    ).json()
    assert [e["id"] for e in page["events"]] == [during.id]
    assert page["events"][0]["data"]["message"] == "during the outage"
    assert page["last_event_id"] == during.id and page["resync_required"] is False

    # Redis is back: the client resumes after the last id it had, then gets live events again.
    private_redis.start()
    resumed = ws_listen(server, token, channels="system", last_event_id=before)
    replayed = resumed.wait_for("system.notification")
    assert replayed["id"] == during.id and replayed["data"]["message"] == "during the outage"
    assert staff.broadcast("after the outage").status_code == 302
    live = resumed.wait_for("system.notification", predicate=lambda m: m["id"] != during.id)
    assert live["data"]["message"] == "after the outage"
    assert [e["id"] for e in resumed.events()] == [during.id, live["id"]]


def test_open_connections_catch_up_what_redis_did_not_deliver(private_redis, start_daphne, ws_listen, user, make_token):
    """An event stored but never sent (the publisher lost Redis), or sent while Redis had
    forgotten the groups (restart without its data), still reaches an open socket."""
    import redis

    server = start_daphne(REDIS_URL=private_redis.url, REALTIME_PING_INTERVAL=1)
    alice = ws_listen(server, make_token(user), channels="jobs")

    never_sent = Event.objects.create(user=user, channel="jobs", type="job.created", data={"job_id": 1})
    assert alice.wait_for("job.created", timeout=5)["id"] == never_sent.id

    redis.Redis.from_url(private_redis.url).flushall()  # every group membership is gone
    with override_settings(**live_on(private_redis.url)):
        after_flush = publish_now(user, "jobs", "job.analyzed", {"job_id": 1, "match_score": 90})
    assert alice.wait_for("job.analyzed", timeout=5)["id"] == after_flush
    again = publish_now(user, "jobs", "job.created", {"job_id": 2})  # the groups were joined again
    assert alice.wait_for("job.created", predicate=lambda m: m["id"] == again, timeout=5)
    assert [e["id"] for e in alice.events()] == [never_sent.id, after_flush, again]


def test_an_idle_connection_stays_up_and_subscribed(daphne_server, ws_listen, user, make_token):
    """Quiet for longer than a Redis read timeout (redis-py 8: 5 s, the same as channels-redis's
    blocking pop): the socket must stay open and still get the next event."""
    alice = ws_listen(daphne_server, make_token(user), channels="jobs")
    time.sleep(7)
    event_id = publish_now(user, "jobs", "job.created", {"job_id": 1})
    assert alice.wait_for("job.created")["id"] == event_id
    assert alice.close_code is None
