"""Sockets and their credentials, through real daphne processes (docs/security.md, issue 12 items 7, 9, 10):
revocation closes open sockets, the query-string token is off by default and never logged, a per-user
socket cap, non-string channels, the Origin's scheme/host/port."""
import json
import time

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import ApiToken
from tests.conftest import WsListener
from tests.realtime.conftest import publish_now
from tests.session_auth import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

EVENT_PATH_SECONDS = 8.0  # far below the default 30 s ping interval: only the event-driven path is this fast


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def open_socket(server, headers=None, channels="jobs", subprotocols=None, **query) -> WsListener:
    from urllib.parse import urlencode

    listener = WsListener(f"{server.ws_url}?{urlencode({'channels': channels, **query})}", headers=headers,
                          subprotocols=subprotocols)
    listener.wait_for("system.connected")
    return listener


def closed_within(listener: WsListener, seconds: float) -> tuple[int | None, float]:
    """(close code, seconds it took) once the server closed the socket, waiting at most `seconds`."""
    started = time.monotonic()
    listener._thread.join(seconds)
    return listener.close_code, time.monotonic() - started


def outcome(listener: WsListener, timeout: float = 10.0) -> int | None:
    """0 once the socket is welcomed, else the code the server closed it with."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(m["type"] == "system.connected" for m in listener.messages):
            return 0
        if not listener._thread.is_alive():
            return listener.close_code
        time.sleep(0.05)
    raise AssertionError(f"neither welcomed nor closed in {timeout}s: {listener.messages}")


def still_live(listener: WsListener, user, channel="jobs") -> bool:
    """An event published now reaches this socket (it is open and subscribed)."""
    event_id = publish_now(user, channel, "job.created", {"job_id": 1})
    return listener.wait_for("job.created", predicate=lambda m: m["id"] == event_id)["id"] == event_id


def counted_connections(user) -> set[str]:
    """The connection ids under the user's socket cap (realtime.guards), straight from Redis."""
    import redis
    from django.conf import settings

    with redis.Redis.from_url(settings.REDIS_URL) as client:
        return {member.decode() for member in client.zrange(f"{settings.REDIS_PREFIX}:ws:sockets:{user.id}", 0, -1)}


def eventually(check, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --- 7. open sockets follow revocation --------------------------------------------------------------

def test_revoking_a_token_on_the_tokens_page_closes_its_sockets_at_once(daphne_server, http_login, user,
                                                                          make_token):
    revoked_raw, kept_raw = make_token(user, name="laptop"), make_token(user, name="desktop")
    revoked = ApiToken.objects.get(name="laptop")
    by_header = open_socket(daphne_server, bearer(revoked_raw))
    by_protocol = open_socket(daphne_server, subprotocols=["bearer", revoked_raw])
    other_token = open_socket(daphne_server, bearer(kept_raw))
    try:
        browser = http_login(daphne_server, user)
        response = browser.post(browser.url(f"/tokens/{revoked.pk}/revoke"), allow_redirects=False, timeout=15,
                                data={"csrfmiddlewaretoken": browser.csrf_token("/tokens/")},
                                headers={"Referer": browser.url("/tokens/")})
        assert response.status_code == 302
        for listener in (by_header, by_protocol):
            code, took = closed_within(listener, EVENT_PATH_SECONDS)
            assert code == 4401 and took < EVENT_PATH_SECONDS
        seen = len(by_header.messages)
        assert still_live(other_token, user)  # the user's other token keeps its socket
        assert len(by_header.messages) == seen  # and the closed one got nothing more
        # Closed sockets leave the cap; the open one stays counted.
        ids = {listener: listener.messages[0]["data"]["connection_id"] for listener in (by_header, by_protocol, other_token)}
        assert eventually(lambda: counted_connections(user) & set(ids.values()) == {ids[other_token]}), \
            counted_connections(user)
    finally:
        for listener in (by_header, by_protocol, other_token):
            listener.close()


def test_logging_out_closes_the_sockets_of_that_session_only(daphne_server, http_login, user):
    browser = http_login(daphne_server, user)
    cookie = f"sessionid={browser.cookies['sessionid']}"
    this_session = open_socket(daphne_server, {"Cookie": cookie})
    other_session = open_socket(daphne_server, {"Cookie": session_cookie(user)})
    try:
        response = browser.post(browser.url("/logout/"), allow_redirects=False, timeout=15,
                                data={"csrfmiddlewaretoken": browser.csrf_token("/profile/")},
                                headers={"Referer": browser.url("/dashboard/")})
        assert response.status_code == 302
        code, took = closed_within(this_session, EVENT_PATH_SECONDS)
        assert code == 4401 and took < EVENT_PATH_SECONDS
        assert still_live(other_session, user)
    finally:
        this_session.close()
        other_session.close()


def test_losing_the_staff_flag_closes_the_sockets_using_staff_powers_4403(daphne_server, make_user, user):
    boss = make_user("boss", staff=True)
    cookie = {"Cookie": session_cookie(boss)}
    staff_view = open_socket(daphne_server, cookie, channels="jobs:all")
    watching = open_socket(daphne_server, cookie, channels="jobs", user_id=user.id)
    own = open_socket(daphne_server, cookie, channels="jobs")
    try:
        boss.is_staff = False
        boss.save()  # what the admin's user form does
        for listener in (staff_view, watching):
            code, took = closed_within(listener, EVENT_PATH_SECONDS)
            assert code == 4403 and took < EVENT_PATH_SECONDS
        assert still_live(own, boss)  # their own stream needs no staff power
        own.send({"action": "subscribe", "channel": "bot:all"})  # and the socket no longer grants one
        assert own.wait_for("system.error")["data"]["code"] == "forbidden_channel"
    finally:
        for listener in (staff_view, watching, own):
            listener.close()


def test_without_any_signal_the_periodic_check_closes_within_one_ping_interval(start_daphne, make_user,
                                                                               make_token):
    """QuerySet.update sends no signal; an expired session is just a row: the check (one query per process
    per interval) finds them."""
    server = start_daphne(REALTIME_PING_INTERVAL="2")
    interval = 2.0
    alice, boss = make_user("periodic-alice"), make_user("periodic-boss", staff=True)
    raw = make_token(alice)
    cookie = session_cookie(alice)
    token_socket = open_socket(server, bearer(raw))
    session_socket = open_socket(server, {"Cookie": cookie})
    staff_socket = open_socket(server, {"Cookie": session_cookie(boss)}, channels="jobs:all")
    try:
        ApiToken.objects.filter(user=alice).update(revoked_at=timezone.now())
        Session.objects.filter(session_key=cookie.split("=", 1)[1]).update(expire_date=timezone.now())
        type(boss).objects.filter(pk=boss.pk).update(is_staff=False)
        for listener, expected in ((token_socket, 4401), (session_socket, 4401), (staff_socket, 4403)):
            code, took = closed_within(listener, interval * 2 + 3)
            assert code == expected
    finally:
        for listener in (token_socket, session_socket, staff_socket):
            listener.close()


# --- 7. the token in the query string -------------------------------------------------------------------

def test_query_token_is_refused_by_default_and_never_logged(daphne_server, start_daphne, user, make_token):
    raw = make_token(user)
    refused = WsListener(f"{daphne_server.ws_url}?token={raw}&channels=jobs")
    assert closed_within(refused, 10)[0] == 4401 and refused.messages == []
    for listener in (open_socket(daphne_server, bearer(raw)), open_socket(daphne_server, subprotocols=["bearer", raw])):
        assert listener.messages[0]["data"]["user_id"] == str(user.id)
        listener.close()

    allowed = start_daphne(WS_ALLOW_QUERY_TOKEN="1")
    accepted = open_socket(allowed, channels="jobs", token=raw)
    try:
        assert still_live(accepted, user)
    finally:
        accepted.close()
    time.sleep(0.5)
    for server in (daphne_server, allowed):
        log = server.log_path.read_text(errors="replace")
        assert "WSCONNECT /api/v1/ws" in log or "WSCONNECTING /api/v1/ws" in log or server is daphne_server
        assert raw not in log and raw[:12] not in log


# --- 9. a per-user cap on open sockets -------------------------------------------------------------------

def test_the_21st_socket_of_a_user_is_refused_4429_and_a_closed_one_frees_a_place(daphne_server, user,
                                                                                 make_token):
    raw = make_token(user)
    sockets = [open_socket(daphne_server, bearer(raw), channels="") for _ in range(20)]
    try:
        extra = WsListener(daphne_server.ws_url, headers=bearer(raw))
        code, _ = closed_within(extra, 10)
        assert code == 4429
        assert [m["data"]["code"] for m in extra.messages if m["type"] == "system.error"] == ["too_many_sockets"]
        assert not any(m["type"] == "system.connected" for m in extra.messages)
        sockets.pop().close()
        deadline = time.monotonic() + 5
        while True:  # the close frees its place as soon as the server has seen it
            again = WsListener(daphne_server.ws_url, headers=bearer(raw))
            if outcome(again) == 0:
                sockets.append(again)
                break
            assert time.monotonic() < deadline, again.messages
    finally:
        for listener in sockets:
            listener.close()


def test_the_cap_counts_across_processes_and_a_crashed_process_stops_counting(daphne_server, start_daphne,
                                                                              make_user, make_token):
    bob = make_user("capped-bob")
    raw = make_token(bob)
    crashing = start_daphne(REALTIME_PING_INTERVAL="1")  # its entries live 3 x 1 + 10 s without a refresh
    on_crashing = [open_socket(crashing, bearer(raw), channels="") for _ in range(15)]
    on_main = [open_socket(daphne_server, bearer(raw), channels="") for _ in range(5)]
    try:
        refused = WsListener(daphne_server.ws_url, headers=bearer(raw))
        assert closed_within(refused, 10)[0] == 4429
        crashing.kill()  # SIGKILL: nothing is released
        started = time.monotonic()
        while True:
            attempt = WsListener(daphne_server.ws_url, headers=bearer(raw))
            if outcome(attempt) == 0:
                on_main.append(attempt)
                break
            assert attempt.close_code == 4429
            assert time.monotonic() - started < 30, "the crashed process's sockets never stopped counting"
            time.sleep(1)
        assert time.monotonic() - started < 3 * 1 + 10 + 5
    finally:
        for listener in on_crashing + on_main:
            listener.close()


# --- 10. a non-string channel, and other wrong types ---------------------------------------------------

def test_wrong_types_in_frames_get_system_error_and_the_socket_stays(daphne_server, user, make_token):
    """Six bad frames per socket: below REALTIME_ABUSE_STRIKES (10), so only the answers are tested."""
    raw = make_token(user)
    log_before = len(daphne_server.log_path.read_text(errors="replace"))
    frames = [
        {"action": "unsubscribe", "channel": ["jobs"]},
        {"action": "unsubscribe", "channel": {"name": "jobs"}},
        {"action": "unsubscribe", "channel": 7},
        {"action": "unsubscribe", "channel": None},
        {"action": "subscribe", "channel": ["jobs"]},
        {"action": "subscribe", "channel": {"jobs": True}},
        {"action": "subscribe", "channel": 3.5},
        {"action": "subscribe", "channel": False},
        {"action": "subscribe", "channel": "submissions:" + "x" * 70},
        {"action": ["subscribe"], "channel": "jobs"},
        {"action": {"a": 1}},
        [],
        "null",
    ]
    for chunk in (frames[:6], frames[6:12], frames[12:]):
        listener = open_socket(daphne_server, bearer(raw))
        try:
            for frame in chunk:
                listener.send(json.dumps(frame) if not isinstance(frame, str) else frame)
            deadline = time.monotonic() + 10
            while len([m for m in listener.messages if m["type"] == "system.error"]) < len(chunk):
                assert time.monotonic() < deadline, [m["type"] for m in listener.messages]
                time.sleep(0.1)
            listener.send({"action": "list_channels"})
            assert listener.wait_for("system.channels")["data"]["channels"] == ["jobs"]
            assert listener.close_code is None
            assert still_live(listener, user)
        finally:
            listener.close()
    assert "Traceback" not in daphne_server.log_path.read_text(errors="replace")[log_before:]


# --- 10. the Origin of a cookie-authenticated socket ---------------------------------------------------

def test_origin_must_match_scheme_host_and_port(daphne_server, start_daphne, user):
    cookie = session_cookie(user)
    port = daphne_server.port

    def code_for(server, origin: str) -> int | None:
        listener = WsListener(server.ws_url, headers={"Cookie": cookie, "Origin": origin})
        try:
            return outcome(listener)
        finally:
            listener.close()

    assert code_for(daphne_server, f"http://127.0.0.1:{port}") == 0  # our own page
    assert code_for(daphne_server, f"http://127.0.0.1:{port + 1}") == 4403  # same host, another port
    assert code_for(daphne_server, f"https://127.0.0.1:{port}") == 4403  # https page, http server
    assert code_for(daphne_server, "http://127.0.0.1") == 4403  # the default port is another port
    assert code_for(daphne_server, f"http://evil.example:{port}") == 4403
    assert code_for(daphne_server, "null") == 4403

    trusting = start_daphne(CSRF_TRUSTED_ORIGINS="https://app.example.com")
    assert code_for(trusting, "https://app.example.com") == 0  # a trusted origin, exactly
    assert code_for(trusting, "http://app.example.com") == 4403
    assert code_for(trusting, "https://app.example.com:8443") == 4403


def test_the_periodic_check_is_one_query_for_all_the_sockets_of_a_process(make_user, make_token):
    """What the safety net costs: one query per process per interval, however many sockets."""
    from types import SimpleNamespace

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from realtime.guards import Ticket, check_tickets

    tickets = []
    for n in range(6):
        owner = make_user(f"checked-{n}", staff=n == 0)
        make_token(owner)
        token = ApiToken.objects.get(user=owner)
        socket = SimpleNamespace(subscriptions={"jobs:all" if n == 0 else "jobs": []}, watched_id=owner.id, user=owner)
        tickets.append(Ticket(socket, owner.id, f"conn_{n}", token.pk, None))
        socket = SimpleNamespace(subscriptions={"jobs": []}, watched_id=owner.id, user=owner)
        tickets.append(Ticket(socket, owner.id, f"conn_s{n}", None, session_cookie(owner).split("=", 1)[1]))
    with CaptureQueriesContext(connection) as queries:
        assert check_tickets(tickets) == []
    assert len(queries) == 1

    ApiToken.objects.filter(pk=tickets[2].token_id).update(revoked_at=timezone.now())
    Session.objects.filter(session_key=tickets[5].session_key).delete()
    type(tickets[0].consumer.user).objects.filter(pk=tickets[0].user_id).update(is_staff=False)
    with CaptureQueriesContext(connection) as queries:
        verdicts = check_tickets(tickets)
    assert len(queries) == 1
    assert [(tickets.index(ticket), code) for ticket, code in verdicts] == [(0, 4403), (2, 4401), (5, 4401)]
