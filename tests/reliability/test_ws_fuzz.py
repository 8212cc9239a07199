"""A WebSocket fuzzer against a live daphne: malformed, oversized and flooding frames.

What a user would notice: a broken or hostile client never takes the server or
anyone else's live updates down. Every bad frame gets a `system.error` (the
connection stays), abusive connections are closed with 4429, protocol-level
garbage only ends its own connection, and a bystander keeps receiving every
event throughout.
"""
import base64
import json
import os
import random
import socket
import struct
import threading
import time

import pytest
from django.db import transaction
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from realtime import publish

pytestmark = pytest.mark.django_db(transaction=True)

REPLY_TYPES = {"system.error", "system.subscribed", "system.unsubscribed", "system.channels"}
SEED = int(os.environ.get("JOBELIX_FUZZ_SEED", "20261124"))


def ws_url(server, channels="bot"):
    return f"{server.ws_url}?channels={channels}"


def open_ws(server, token, channels="bot"):
    ws = connect(ws_url(server, channels), additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=15,
                 max_size=2**24, close_timeout=2, legacy=True)
    welcome = json.loads(ws.recv(timeout=10))
    assert welcome["type"] == "system.connected"
    return ws


def recv_until(ws, wanted: set, timeout=10.0) -> tuple[dict, list[dict]]:
    """Read until a message of a wanted type; return it and what came before (pings answered)."""
    before = []
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message.get("type") == "system.ping":
            ws.send('{"action": "pong"}')
            continue
        if message.get("type") in wanted:
            return message, before
        before.append(message)


def publish_bot_event(user, n):
    with transaction.atomic():
        return publish(user, "bot", "bot.session_updated", {"fuzz_round": n}).id


ABUSE_CLOSE_WAIT = 60.0  # s: the server works through the flood's backlog first; slow on a loaded machine


def close_code_of(ws, timeout=ABUSE_CLOSE_WAIT):
    """Drain until the server closes; return its close code (None: not closed within the timeout).

    The flood's frames are all sent (buffered) in a fraction of a second, but the server counts
    them as it processes them: on a busy machine that takes longer than the time it is given
    on an idle one (one strike per second over the rate, ten strikes close), so this waits long.
    """
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ws.recv(timeout=max(0.1, deadline - time.monotonic()))
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd else None
    except TimeoutError:
        return None
    return None


APP_FRAME_LIMIT = 64 * 1024  # settings.REALTIME_MAX_FRAME_BYTES: system.error, the connection stays
DAPHNE_MESSAGE_LIMIT = 1024 * 1024  # daphne's websocket_max_message_size / max_frame_size defaults


def oversized_frame_close_code(ws, size: int) -> int | None:
    """Send a `size`-byte frame past daphne's limit; return how the connection ended (None: it did not).

    daphne's autobahn factory keeps failByDrop on, so on reading the frame header it aborts
    the TCP connection instead of sending a close frame: the client sees an abnormal
    closure (1006), and the send itself may be cut short by the reset (BrokenPipeError,
    ConnectionResetError, or ConnectionClosed wrapping them). A 1009 "message too big"
    close frame, should the server send one, is reported as such.
    """
    try:
        ws.send("z" * size)
    except (ConnectionClosed, OSError):
        pass  # the drop arrived while we were still writing: an expected way for this send to end
    try:
        for _ in range(100):
            message = json.loads(ws.recv(timeout=10))
            assert message.get("type") == "system.ping", f"the oversized frame got an answer: {message}"
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd else 1006
    except TimeoutError:
        return None
    return None


# --- the malformed frames --------------------------------------------------------------

def random_json(rng: random.Random, depth=0):
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63, 1e308, -0.0, rng.randint(-10**6, 10**6)])
    if kind == 3:
        return random_text(rng, rng.randrange(0, 40))
    if kind == 4:
        return rng.choice(["subscribe", "unsubscribe", "list_channels", "pong", "bot", "bot:all", "jobs", ""])
    if kind == 5:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {random_text(rng, rng.randrange(1, 8)): random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def random_text(rng: random.Random, length: int) -> str:
    alphabet = "abc{}[]\":,\\ \u0000\u00e9\u2028\ud7ff\U0001f600<script>'%"
    return "".join(rng.choice(alphabet) for _ in range(length))


def fuzz_frames(rng: random.Random, count: int) -> list:
    """Text and binary frames that are wrong in every way we could think of, plus random ones."""
    fixed = [
        "", " ", "{", "}", "null", "[]", "{}", "0", '"subscribe"', "{not json", "\u0000",
        json.dumps({"action": None}), json.dumps({"action": 1}), json.dumps({"action": ["subscribe"]}),
        json.dumps({"action": "subscribe"}), json.dumps({"action": "subscribe", "channel": None}),
        json.dumps({"action": "subscribe", "channel": ["bot"]}), json.dumps({"action": "subscribe", "channel": {}}),
        json.dumps({"action": "subscribe", "channel": "bot:all"}),  # staff view, not staff
        json.dumps({"action": "subscribe", "channel": "../../etc"}), json.dumps({"action": "subscribe", "channel": "é" * 500}),
        json.dumps({"action": "unsubscribe", "channel": "jobs"}), json.dumps({"action": "x" * 10000}),
        json.dumps({"action": "subscribe", "channel": "bot", "extra": "x" * 30000}),
        '{"action": "subscribe", "action": "unsubscribe", "channel": "jobs"}',
        '{"action": "list_channels"' + " " * 1000, "1e999999", "[" * 200 + "]" * 200,
        b"", b"\x00\x01\x02", b"\xff\xfe\xfd", json.dumps({"action": "list_channels"}).encode(),
        "\ud800".encode("utf-8", "surrogatepass"),  # not UTF-8: a binary frame that fails to decode
        "x" * (64 * 1024 + 1),  # just over the 64 KiB limit
        json.dumps({"action": "subscribe", "channel": "y" * (200 * 1024)}),  # 200 KiB
    ]
    frames = list(fixed)
    while len(frames) < count:
        value = random_json(rng)
        text = json.dumps(value)
        mutation = rng.randrange(4)
        if mutation == 1 and text:
            cut = rng.randrange(len(text))
            text = text[:cut] + random_text(rng, 3) + text[cut + 1:]
        elif mutation == 2:
            text = text.encode()  # the same as a binary frame
        frames.append(text)
    return frames


def test_malformed_and_oversized_frames_get_errors_and_the_connection_stays(
        start_daphne, make_user, make_token):
    """Hundreds of bad frames on one connection: each gets an error or its normal reply, never a crash."""
    server = start_daphne(REALTIME_MAX_MESSAGES_PER_SECOND=100000, REALTIME_ABUSE_STRIKES=100000)
    user = make_user("fuzzed")
    token = make_token(user)
    bystander = open_ws(server, make_token(make_user("bystander")))
    ws = open_ws(server, token)
    rng = random.Random(SEED)
    frames = fuzz_frames(rng, 300)
    codes = {}
    for frame in frames:
        ws.send(frame)
        ws.send('{"action": "list_channels"}')  # a sentinel: its reply ends this frame's answers
        try:
            _, answers = recv_until(ws, {"system.channels"})
        except (ConnectionClosed, TimeoutError) as exc:
            pytest.fail(f"frame {frame[:80]!r} ({len(frame)} bytes) ended the connection: {exc!r}\n{server.log()}")
        for answer in answers:
            assert answer["type"] in REPLY_TYPES, (frame[:80], answer)
            if answer["type"] == "system.error":
                codes[answer["data"]["code"]] = codes.get(answer["data"]["code"], 0) + 1
    assert {"invalid_json", "invalid_message", "unknown_action", "unknown_channel", "forbidden_channel",
            "frame_too_large"} <= set(codes), codes
    # Just over the app's 64 KiB limit, and just under daphne's 1 MiB one: an error, the socket stays
    # (on a fresh connection, so no reply left over from the fuzzing above is read as this one's).
    sized = open_ws(server, token)
    for size in (APP_FRAME_LIMIT + 1, APP_FRAME_LIMIT + 1024, DAPHNE_MESSAGE_LIMIT - 1024):
        sized.send("x" * size)
        sized.send('{"action": "list_channels"}')
        reply, answers = recv_until(sized, {"system.channels"})
        assert [(a["type"], a["data"]["code"]) for a in answers] == [("system.error", "frame_too_large")], size
        assert reply["data"]["channels"] == ["bot"]
    sized.close()
    # Past daphne's 1 MiB limit the frame ends that connection, and only that one.
    assert oversized_frame_close_code(open_ws(server, token), 2 * 1024 * 1024) in (1006, 1009)
    bystander.send('{"action": "list_channels"}')
    assert recv_until(bystander, {"system.channels"})[0]["data"]["channels"] == ["bot"]
    ws.close()
    bystander.close()
    assert server.proc.poll() is None
    assert "Exception inside application" not in server.log(), server.log()


def test_deeply_nested_json_is_an_error_not_a_crash(start_daphne, make_user, make_token):
    """`[[[[…` within the frame limit makes json.loads raise RecursionError, not ValueError."""
    server = start_daphne()
    ws = open_ws(server, make_token(make_user("nester")))
    ws.send("[" * 50000)
    try:
        reply, _ = recv_until(ws, REPLY_TYPES, timeout=10)
    except ConnectionClosed as exc:
        pytest.fail(f"a 50,000-deep JSON array closed the connection ({exc.rcvd}): the consumer crashed")
    assert reply["type"] == "system.error" and reply["data"]["code"] == "invalid_json"
    ws.close()


def test_floods_are_closed_4429_and_others_are_unaffected(daphne_server, make_user, make_token):
    """Ten clients flood and five send only garbage, all at once, while a bystander gets every event."""
    watched = make_user("watched")
    bystander = open_ws(daphne_server, make_token(watched))
    received, stop = [], threading.Event()

    def read_bystander():
        while not stop.is_set():
            try:
                message = json.loads(bystander.recv(timeout=0.2))
            except TimeoutError:
                continue
            except ConnectionClosed:
                return
            if message.get("type") == "system.ping":
                bystander.send('{"action": "pong"}')
            elif message.get("id") is not None:
                received.append(message["id"])

    reader = threading.Thread(target=read_bystander, daemon=True)
    reader.start()
    abuser = make_user("abuser")
    abuser_token = make_token(abuser)
    results: dict[str, int | None] = {}

    def flood(name):
        ws = open_ws(daphne_server, abuser_token)
        try:
            for _ in range(2000):  # bounded: the server closes us long before this ends
                ws.send('{"action": "list_channels"}')
        except ConnectionClosed as exc:
            results[name] = exc.rcvd.code if exc.rcvd else None
            return
        results[name] = close_code_of(ws)

    def garbage(name):
        ws = open_ws(daphne_server, abuser_token)
        try:
            for _ in range(15):  # under the rate limit, over the strike limit (10 in 10 s)
                ws.send("garbage")
                time.sleep(0.1)
        except ConnectionClosed as exc:
            results[name] = exc.rcvd.code if exc.rcvd else None
            return
        results[name] = close_code_of(ws)

    abusers = [threading.Thread(target=flood, args=(f"flood-{i}",)) for i in range(10)]
    abusers += [threading.Thread(target=garbage, args=(f"garbage-{i}",)) for i in range(5)]
    for thread in abusers:
        thread.start()
    published = []
    for n in range(20):
        published.append(publish_bot_event(watched, n))
        time.sleep(0.1)
    for thread in abusers:
        thread.join(ABUSE_CLOSE_WAIT + 30)
    deadline = time.monotonic() + 15
    while set(published) - set(received) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    reader.join(5)
    assert results == dict.fromkeys(results, 4429) and len(results) == 15, results
    assert received == published  # every event, in order, no duplicates
    # The server still serves new connections.
    again = open_ws(daphne_server, make_token(watched))
    again.send('{"action": "list_channels"}')
    assert recv_until(again, {"system.channels"})[0]["data"]["channels"] == ["bot"]
    again.close()
    bystander.close()


# --- below the WebSocket layer ------------------------------------------------------------

def raw_upgrade(port, token) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((
        f"GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "server closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    return sock


def drain_until_closed(sock, timeout=10.0) -> bool:
    """True if the server closed the TCP connection within the timeout."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
        return True
    except TimeoutError:
        return False
    except OSError:
        return True
    finally:
        sock.close()


def test_protocol_garbage_only_ends_its_own_connection(daphne_server, make_user, make_token):
    """Unmasked frames, reserved opcodes, lying lengths and non-HTTP bytes: those sockets close, the server lives."""
    user = make_user("raw")
    token = make_token(user)
    bystander = open_ws(daphne_server, token)
    cases = {
        "unmasked text frame": b"\x81\x05hello",
        "reserved opcode": b"\x83\x80" + os.urandom(4),
        "RSV bits set": b"\xf1\x80" + os.urandom(4),
        "length says 2^63": b"\x81\xff" + struct.pack(">Q", 2**63 - 1) + os.urandom(4) + b"x" * 100,
        "fragmented control frame": b"\x09\x80" + os.urandom(4),
        "random bytes": os.urandom(4096),
    }
    for name, payload in cases.items():
        sock = raw_upgrade(daphne_server.port, token)
        sock.sendall(payload)
        assert drain_until_closed(sock), f"{name}: the server kept the connection open"
    for garbage in (os.urandom(2048), b"GET / HTTP/9.9\r\n\r\n", b"\r\n" * 1000):
        sock = socket.create_connection(("127.0.0.1", daphne_server.port), timeout=10)
        sock.sendall(garbage)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        assert drain_until_closed(sock)
    event_id = publish_bot_event(user, 1)
    message, _ = recv_until(bystander, {"bot.session_updated"})
    assert message["id"] == event_id
    bystander.close()
    assert daphne_server.proc.poll() is None
