"""Per-stream event order without a global lock, resume over several streams, and the
spec clients' habits: user_id as a username, clients that never answer system.ping."""
import threading
import time

import pytest
import requests
from django.db import transaction
from django.test import override_settings

from jobelix.embedded import free_port
from jobelix.launch import daphne_command
from realtime import outbox, publish
from realtime.models import Event
from realtime.selectors import replay
from tests.conftest import Daphne, child_env
from tests.realtime.conftest import publish_now
from tests.session_auth import session_cookie, session_listener
from tests.support import read_until_dropped, silent_websocket

pytestmark = pytest.mark.django_db(transaction=True)


def publish_concurrently(streams: dict, per_thread: int, threads_per_stream: int) -> dict:
    """Publishers in threads, several per stream at once; returns, per stream, the ids in the
    order their transactions held the stream (appended while holding its lock: commit order)."""
    order: dict = {key: [] for key in streams}
    gate = threading.Barrier(len(streams) * threads_per_stream)
    errors = []

    def run(key, user):
        from django.db import connection

        try:
            gate.wait(10)
            for n in range(per_thread):
                with transaction.atomic():
                    event = publish(user, "jobs", "job.created", {"job_id": n, "stream": key})
                    order[key].append(event.id)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(key, user)) for key, user in streams.items()
               for _ in range(threads_per_stream)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not errors, errors
    return order


def test_concurrent_publishers_keep_each_streams_order_and_resume_loses_nothing(user, other_user):
    before = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    order = publish_concurrently({"alice": user, "bob": other_user, "global": None},
                                 per_thread=15, threads_per_stream=4)
    for key, ids in order.items():
        assert len(ids) == 60
        assert ids == sorted(ids), f"stream {key}: ids out of commit order"

    # Resume from any point seen by a client of alice's `jobs` (her stream + the global one):
    # everything after it in those streams comes back, nothing of bob's.
    mine = sorted(order["alice"] + order["global"])
    everything = replay(user.id, ["jobs"], before)
    assert [e.id for e in everything.events] == mine
    for cut in (mine[10], mine[45], mine[90]):
        again = {e.id for e in replay(user.id, ["jobs"], cut).events}
        assert {i for i in mine if i > cut} <= again
        assert not again & set(order["bob"])


def test_a_cursor_covers_an_event_of_another_stream_that_commits_later(user):
    """The gap a per-stream lock could leave: global event G takes its id, alice's A takes a
    larger one and commits first, the client sees A (cursor = A) and drops; G commits. A resume
    after A must still bring G."""
    from django.db import connection

    started, release = threading.Event(), threading.Event()
    ids = {}

    def slow_global():
        try:
            with transaction.atomic():
                ids["g"] = publish(None, "jobs", "job.created", {"job_id": 1}).id
                started.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=slow_global)
    worker.start()
    assert started.wait(10)
    ids["a"] = publish_now(user, "jobs", "job.created", {"job_id": 2})  # not blocked: another stream
    assert ids["a"] > ids["g"]
    assert [e.id for e in replay(user.id, ["jobs"], ids["a"]).events] == []  # G not committed yet
    release.set()
    worker.join(10)
    assert [e.id for e in replay(user.id, ["jobs"], ids["a"]).events] == [ids["g"]]


@pytest.fixture
def pinging_daphne(django_db_setup, process_dir):
    """A daphne started as `make run` starts it (launch.daphne_command), with 1 s protocol pings."""
    servers = []

    def start():
        env = child_env(REALTIME_PING_INTERVAL="1", REALTIME_PING_TIMEOUT="2")
        port = free_port()
        with override_settings(REALTIME_PING_INTERVAL=1, REALTIME_PING_TIMEOUT=2):
            command = daphne_command(bind=("127.0.0.1", port))
        server = Daphne("daphne-pings", command, env, process_dir, port=port).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_liveness_is_decided_by_protocol_pings_not_system_ping(pinging_daphne, ws_listen, user, make_token):
    server = pinging_daphne()
    token = make_token(user)
    from tests.conftest import WsListener

    # The spec's clients never answer system.ping; their WebSocket library answers protocol pings.
    quiet = WsListener(f"{server.ws_url}?channels=jobs", headers={"Authorization": f"Bearer {token}"})
    quiet.send = lambda message: None  # never send anything, not even {"action": "pong"}
    try:
        quiet.wait_for("system.connected")
        time.sleep(5)  # five ping intervals, more than twice the timeout
        assert sum(m["type"] == "system.ping" for m in quiet.messages) >= 2
        event_id = publish_now(user, "jobs", "job.created", {"job_id": 1})
        assert quiet.wait_for("job.created")["id"] == event_id
        assert quiet.close_code is None
    finally:
        quiet.close()

    # A peer that stops answering the protocol's pings (a dead TCP peer) is dropped.
    dead = silent_websocket(server.port, "/api/v1/ws?channels=jobs", f"Authorization: Bearer {token}\r\n")
    received, dropped_after = read_until_dropped(dead, 10)
    assert dropped_after < 9, "the dead peer was never dropped"
    assert b"system.connected" in received or received == b""
    dead.close()


def test_user_id_may_be_the_username(daphne_server, ws_listen, user, other_user, staff_user, make_token):
    from tests.conftest import WsListener

    mine = ws_listen(daphne_server, make_token(user), channels="jobs", user_id=user.username)
    assert mine.messages[0]["data"]["user_id"] == str(user.id)
    # Staff powers (watching another user) need a staff session, never a token (accounts.permissions).
    watcher = session_listener(daphne_server, staff_user, channels="jobs", user_id=user.username)
    try:
        assert watcher.messages[0]["data"]["user_id"] == str(user.id)
        event_id = publish_now(user, "jobs", "job.created", {"job_id": 3})
        assert mine.wait_for("job.created")["id"] == event_id
        assert watcher.wait_for("job.created")["id"] == event_id
    finally:
        watcher.close()

    for url, code, headers in [
            (f"?user_id={other_user.username}", 4403, {"Authorization": f"Bearer {make_token(user)}"}),
            (f"?user_id={user.username}", 4403, {"Authorization": f"Bearer {make_token(staff_user)}"}),
            ("?user_id=nobody-by-that-name", 4404, {"Cookie": session_cookie(staff_user)})]:
        refused = WsListener(daphne_server.ws_url + url, headers=headers)  # tokens in a header (?token= is off)
        refused._thread.join(10)
        assert refused.close_code == code
    page = requests.get(f"{daphne_server.url}/api/v1/events", params={"user_id": other_user.username},
                        headers={"Authorization": f"Bearer {make_token(user)}"}, timeout=10)
    assert page.status_code == 403


def test_a_revoked_token_stops_working_within_seconds(daphne_server, user, make_token, settings):
    from accounts.models import ApiToken
    from accounts.services import revoke_token

    raw = make_token(user)
    base = f"{daphne_server.url}/api/autoapply/bot/"
    started = requests.post(base + "start", json={"token": raw, "bot_version": "1", "platform": "linux"}, timeout=10)
    session_id = started.json()["session_id"]
    zero = {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}

    def beat():
        return requests.post(base + "heartbeat", timeout=10,
                             json={"token": raw, "session_id": session_id, "activity": "applying", "stats": zero})

    assert beat().status_code == 200
    assert beat().status_code == 200  # the token is cached now
    assert revoke_token(user, ApiToken.objects.get(user=user).pk)
    revoked_at = time.monotonic()
    while beat().status_code == 200:
        assert time.monotonic() - revoked_at < settings.API_TOKEN_CACHE_SECONDS + 3, "still accepted"
        time.sleep(0.1)
    answer = beat()
    assert answer.status_code == 401 and answer.json() == {"error": "Invalid or revoked token."}


def test_the_outbox_sends_after_commit_and_never_fails_the_write(user, settings):
    """A full outbox drops the live send (the log has the event); the write still succeeds."""
    settings.REALTIME_OUTBOX_CAPACITY = 1
    outbox._outbox._loop = None  # a fresh loop and queues with this capacity
    event_ids = [publish_now(user, "jobs", "job.created", {"job_id": n}) for n in range(50)]
    assert Event.objects.filter(pk__in=event_ids).count() == 50
    assert outbox.drain(5)
