"""The WebSocket protocol through Channels' WebsocketCommunicator on real channels-redis."""
import json
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from jobelix.asgi import application
from realtime import publish
from tests.session_auth import session_cookie
from tests.support import run_async

pytestmark = pytest.mark.django_db(transaction=True)


def run(coro):
    return run_async(coro)


async def connect(path, headers=None):
    """`?token=` in these paths is sent as `Authorization: Bearer` (the query token is off by default)."""
    path, headers = token_as_header(path, headers)
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    return communicator


def token_as_header(path, headers=None):
    url = urlsplit(path)
    query = parse_qsl(url.query, keep_blank_values=True)
    tokens = [value for name, value in query if name == "token"]
    if not tokens:
        return path, headers
    rest = urlencode([(name, value) for name, value in query if name != "token"], safe=",")
    return url.path + ("?" + rest if rest else ""), [*(headers or []), (b"authorization", f"Bearer {tokens[0]}".encode())]


async def receive(communicator, timeout=5):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def receive_type(communicator, type_, timeout=5):
    while True:
        message = await receive(communicator, timeout)
        if message["type"] == type_:
            return message


@database_sync_to_async
def publish_now(user, channel, type_, data):
    with transaction.atomic():
        return publish(user, channel, type_, data).id


def staff_session(user):
    """Headers of a logged-in session of `user` (no Origin: not a browser)."""
    return [(b"cookie", session_cookie(user).encode())]


async def close_code(communicator, timeout=5):
    message = await communicator.receive_output(timeout)
    assert message["type"] == "websocket.close", message
    return message.get("code")


def test_anonymous_and_bad_tokens_are_closed_4401(user):
    async def scenario():
        for path in ["/api/v1/ws", "/api/v1/ws?token=jbx_nope", "/api/v1/ws?token="]:
            communicator = await connect(path)
            assert await close_code(communicator) == 4401
    run(scenario())


def test_welcome_subscribe_list_unsubscribe(user, make_token):
    token = make_token(user)

    async def scenario():
        ws = await connect(f"/api/v1/ws?token={token}&channels=jobs,applications")
        welcome = await receive(ws)
        assert welcome["type"] == "system.connected"
        assert welcome["data"]["user_id"] == str(user.id)
        assert welcome["data"]["channels"] == ["jobs", "applications"]
        assert welcome["data"]["connection_id"].startswith("conn_")
        await ws.send_json_to({"action": "subscribe", "channel": "recommendations"})
        subscribed = await receive(ws)
        assert subscribed["type"] == "system.subscribed"
        assert subscribed["data"]["channel"] == "recommendations"
        assert subscribed["data"]["subscriber_count"] >= 1
        await ws.send_json_to({"action": "list_channels"})
        listed = await receive(ws)
        assert listed["data"]["channels"] == ["jobs", "applications", "recommendations"]
        await ws.send_json_to({"action": "unsubscribe", "channel": "jobs"})
        assert (await receive(ws))["type"] == "system.unsubscribed"
        await ws.send_json_to({"action": "list_channels"})
        assert (await receive(ws))["data"]["channels"] == ["applications", "recommendations"]
        await ws.disconnect()
    run(scenario())


def test_events_reach_all_of_my_connections_and_nobody_else(user, other_user, make_token):
    mine, theirs = make_token(user), make_token(other_user)

    async def scenario():
        tab1 = await connect(f"/api/v1/ws?token={mine}&channels=jobs")
        tab2 = await connect(f"/api/v1/ws?token={mine}&channels=jobs")
        spy = await connect(f"/api/v1/ws?token={theirs}&channels=jobs&user_id={user.id}")
        assert await close_code(spy) == 4403  # naming my user_id grants nothing
        spy = await connect(f"/api/v1/ws?token={theirs}&channels=jobs,applications,bot")
        for ws in (tab1, tab2, spy):
            await receive_type(ws, "system.connected")
        event_id = await publish_now(user, "jobs", "job.created", {"job_id": 1, "company": "Acme"})
        for ws in (tab1, tab2):
            event = await receive_type(ws, "job.created")
            assert event["id"] == event_id and event["channel"] == "jobs"
            assert event["data"] == {"job_id": 1, "company": "Acme"}
            assert event["timestamp"].endswith("Z")
        assert await spy.receive_nothing(timeout=0.5)
        for ws in (tab1, tab2, spy):
            await ws.disconnect()
    run(scenario())


def test_global_channels_reach_everyone(user, other_user, make_token):
    a, b = make_token(user), make_token(other_user)

    async def scenario():
        wa = await connect(f"/api/v1/ws?token={a}&channels=scraping")
        wb = await connect(f"/api/v1/ws?token={b}&channels=scraping")
        for ws in (wa, wb):
            await receive_type(ws, "system.connected")
        await publish_now(None, "scraping", "scraping.run_updated", {"run_id": 7})
        for ws in (wa, wb):
            assert (await receive_type(ws, "scraping.run_updated"))["data"]["run_id"] == 7
        for ws in (wa, wb):
            await ws.disconnect()
    run(scenario())


def test_staff_view_sees_every_users_events_and_is_staff_only(user, staff_user, make_token):
    mine, staff = make_token(user), staff_session(staff_user)  # staff powers: a session, never a token

    async def scenario():
        ws_user = await connect(f"/api/v1/ws?token={mine}")
        await receive_type(ws_user, "system.connected")
        await ws_user.send_json_to({"action": "subscribe", "channel": "submissions:all"})
        error = await receive(ws_user)
        assert error["type"] == "system.error" and error["data"]["code"] == "forbidden_channel"
        ws_staff = await connect("/api/v1/ws?channels=submissions:all", staff)
        await receive_type(ws_staff, "system.connected")
        event_id = await publish_now(user, "submissions", "submission_job.updated", {"job_id": 3})
        assert (await receive_type(ws_staff, "submission_job.updated"))["id"] == event_id
        await ws_user.disconnect()
        await ws_staff.disconnect()
    run(scenario())


def test_staff_may_watch_a_named_user(user, staff_user):
    staff = staff_session(staff_user)  # staff powers: a session, never a token

    async def scenario():
        ws = await connect(f"/api/v1/ws?channels=bot&user_id={user.id}", staff)
        welcome = await receive_type(ws, "system.connected")
        assert welcome["data"]["user_id"] == str(user.id)
        await publish_now(user, "bot", "bot.session_updated", {"status": "running"})
        assert (await receive_type(ws, "bot.session_updated"))["data"]["status"] == "running"
        missing = await connect("/api/v1/ws?user_id=999999", staff)
        assert await close_code(missing) == 4404
        await ws.disconnect()
    run(scenario())


def test_resume_replays_missed_events_in_order_without_duplicates(user, other_user, make_token):
    token = make_token(user)

    async def scenario():
        first = await publish_now(user, "jobs", "job.created", {"n": 1})
        await publish_now(other_user, "jobs", "job.created", {"n": "not mine"})
        await publish_now(user, "bot", "bot.session_updated", {"n": "other channel"})
        second = await publish_now(user, "jobs", "job.analyzed", {"n": 2})
        third = await publish_now(None, "jobs", "job.created", {"n": 3})
        ws = await connect(f"/api/v1/ws?token={token}&channels=jobs&last_event_id={first}")
        await receive_type(ws, "system.connected")
        replayed = [await receive(ws), await receive(ws)]
        assert [e["id"] for e in replayed] == [second, third]
        live = await publish_now(user, "jobs", "job.created", {"n": 4})
        assert (await receive(ws))["id"] == live
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()
    run(scenario())


def test_resume_past_retention_asks_for_resync(user, make_token, settings):
    from datetime import timedelta

    from django.utils import timezone

    from realtime.models import Event
    from realtime.services import purge_old_events

    token = make_token(user)

    async def scenario():
        old = await publish_now(user, "jobs", "job.created", {"n": 1})
        await database_sync_to_async(
            lambda: Event.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(hours=30))
        )()
        await publish_now(user, "jobs", "job.created", {"n": 2})
        assert await database_sync_to_async(purge_old_events)(24) == 1
        ws = await connect(f"/api/v1/ws?token={token}&channels=jobs&last_event_id={old - 1}")
        await receive_type(ws, "system.connected")
        assert (await receive(ws))["type"] == "system.resync_required"
        await ws.disconnect()
    run(scenario())


def test_too_many_missed_events_asks_for_resync(user, make_token, settings):
    settings.REALTIME_RETENTION_EVENTS = 3
    token = make_token(user)

    async def scenario():
        first = await publish_now(user, "jobs", "job.created", {"n": 0})
        for n in range(4):
            await publish_now(user, "jobs", "job.created", {"n": n + 1})
        ws = await connect(f"/api/v1/ws?token={token}&channels=jobs&last_event_id={first}")
        await receive_type(ws, "system.connected")
        assert (await receive(ws))["type"] == "system.resync_required"
        await ws.disconnect()
    run(scenario())


def test_bad_input_gets_errors_and_the_connection_stays(user, make_token):
    token = make_token(user)

    async def scenario():
        ws = await connect(f"/api/v1/ws?token={token}&channels=nope,jobs")
        await receive_type(ws, "system.connected")
        assert (await receive(ws))["data"]["code"] == "unknown_channel"
        cases = [
            ("{not json", "invalid_json"),
            (json.dumps([1, 2]), "invalid_message"),
            (json.dumps({"action": "dance"}), "unknown_action"),
            (json.dumps({"action": "subscribe", "channel": "secrets"}), "unknown_channel"),
            (json.dumps({"action": "unsubscribe", "channel": "bot"}), "not_subscribed"),
            (json.dumps({"action": "subscribe", "channel": "x" * 70000}), "frame_too_large"),
        ]
        for frame, code in cases:
            await ws.send_to(text_data=frame)
            error = await receive(ws)
            assert error["type"] == "system.error" and error["data"]["code"] == code, (frame[:30], error)
        await ws.send_json_to({"action": "list_channels"})
        assert (await receive(ws))["data"]["channels"] == ["jobs"]
        await ws.disconnect()
    run(scenario())


def test_repeated_bad_frames_close_4429(user, make_token, settings):
    settings.REALTIME_ABUSE_STRIKES = 3
    token = make_token(user)

    async def scenario():
        ws = await connect(f"/api/v1/ws?token={token}")
        await receive_type(ws, "system.connected")
        for _ in range(3):
            await ws.send_to(text_data="garbage")
        codes = [(await receive(ws))["data"]["code"] for _ in range(3)]
        assert codes == ["invalid_json"] * 3
        assert await close_code(ws) == 4429
    run(scenario())


def test_flooding_is_rate_limited_then_closed_4429(user, make_token, settings):
    token = make_token(user)

    async def scenario():
        ws = await connect(f"/api/v1/ws?token={token}")
        await receive_type(ws, "system.connected")
        for _ in range(25):
            await ws.send_json_to({"action": "list_channels"})
        replies = [await receive(ws) for _ in range(21)]
        assert [r["type"] for r in replies].count("system.channels") == 20
        assert any(r["type"] == "system.error" and r["data"]["code"] == "rate_limited" for r in replies)
        # A flood (over five times the limit in one second) gets the connection closed.
        code = None
        for _ in range(150):
            await ws.send_to(text_data="garbage")
        while code is None:
            output = await ws.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                code = output["code"]
        assert code == 4429
    run(scenario())


def test_pings_come_from_the_server_and_answering_them_is_optional(user, make_token, settings):
    """system.ping every interval; a client that never answers stays (liveness is the WebSocket
    protocol's ping/pong, which daphne does: tests/realtime/test_streams.py)."""
    settings.REALTIME_PING_INTERVAL = 1
    settings.REALTIME_PING_TIMEOUT = 2
    token = make_token(user)

    async def scenario():
        polite = await connect(f"/api/v1/ws?token={token}")
        await receive_type(polite, "system.connected")
        quiet = await connect(f"/api/v1/ws?token={token}")
        await receive_type(quiet, "system.connected")
        for _ in range(4):  # four intervals, twice the timeout
            assert (await receive(polite, timeout=3))["type"] == "system.ping"
            await polite.send_json_to({"action": "pong"})
            assert (await receive(quiet, timeout=3))["type"] == "system.ping"
        for ws in (polite, quiet):
            await ws.send_json_to({"action": "list_channels"})
            assert (await receive_type(ws, "system.channels"))["data"]["channels"] == []
            await ws.disconnect()
    run(scenario())


def test_session_cookie_needs_our_origin(user, client):
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario():
        ok = WebsocketCommunicator(application, "/api/v1/ws", headers=[(b"cookie", cookie), (b"origin", b"http://127.0.0.1")])
        assert (await ok.connect())[0]
        assert (await receive(ok))["type"] == "system.connected"
        await ok.disconnect()
        evil = WebsocketCommunicator(application, "/api/v1/ws", headers=[(b"cookie", cookie), (b"origin", b"http://evil.example")])
        assert (await evil.connect())[0]
        assert await close_code(evil) == 4403
    run(scenario())


def test_token_by_header_and_subprotocol(user, make_token):
    token = make_token(user)

    async def scenario():
        by_header = WebsocketCommunicator(application, "/api/v1/ws", headers=[(b"authorization", f"Bearer {token}".encode())])
        assert (await by_header.connect())[0]
        assert (await receive(by_header))["type"] == "system.connected"
        await by_header.disconnect()
        by_protocol = WebsocketCommunicator(application, "/api/v1/ws", subprotocols=["bearer", token])
        connected, protocol = await by_protocol.connect()
        assert connected and protocol == "bearer"
        assert (await receive(by_protocol))["type"] == "system.connected"
        await by_protocol.disconnect()
    run(scenario())


def test_ids_in_the_query_must_be_plain_numbers(user, staff_user, make_token):
    token, staff = make_token(user), staff_session(staff_user)  # staff powers: a session, never a token

    async def scenario():
        ws = await connect(f"/api/v1/ws?token={token}&channels=jobs&last_event_id=%C2%B2")  # "²"
        await receive_type(ws, "system.connected")
        error = await receive(ws)
        assert error["type"] == "system.error" and error["data"]["code"] == "invalid_last_event_id"
        await ws.send_json_to({"action": "list_channels"})
        assert (await receive(ws))["data"]["channels"] == ["jobs"]  # still connected
        await ws.disconnect()
        for bad in ["%C2%B2", "-1", "abc", "9" * 30]:
            watcher = await connect(f"/api/v1/ws?user_id={bad}", staff)
            assert await close_code(watcher) == 4404, bad
    run(scenario())
