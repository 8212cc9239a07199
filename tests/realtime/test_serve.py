"""`python -m jobelix.serve`: daphne with upkeep that follows what changed (jobelix/serve.py).

The server reaps an application instance when it finishes or its client leaves, and
looks at an open WebSocket when its ping is due, instead of walking every connection
every second. These tests hold it to daphne's behaviour: nothing finished stays
tracked, a failing application is logged and answered 500, an instance that ignores
its client leaving is cancelled after --application-close-timeout, and a peer that
stops answering protocol pings is dropped while one that answers stays.
"""
import json
import socket
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack

import pytest
from websockets.sync.client import connect

from tests.conftest import Process, child_env, free_port
from tests.support import read_until_dropped, silent_websocket


@pytest.fixture
def server(process_dir, tmp_path):
    port = free_port()
    mark = tmp_path / "stubborn"
    cmd = [sys.executable, "-m", "jobelix.serve", "-b", "127.0.0.1", "-p", str(port),
           "--ping-interval", "1", "--ping-timeout", "2", "--application-close-timeout", "1",
           "tests.realtime.serve_app:application"]
    process = Process("jobelix-serve", cmd, child_env(STUBBORN_MARK=str(mark)), process_dir, port=port).start()
    process.url, process.mark = f"http://127.0.0.1:{port}", mark
    yield process
    process.stop()


def tracked(server) -> dict:
    with urllib.request.urlopen(f"{server.url}/", timeout=5) as response:
        return json.loads(response.read())


def settled(server, connections: int = 0, seconds: float = 6.0) -> dict:
    """What the server tracks once its upkeep has run (every 1–2 s): `connections` open and
    nothing waiting to be reaped or swept."""
    deadline = time.monotonic() + seconds
    while True:
        state = tracked(server)
        if state == {"connections": connections, "to_reap": 0, "swept": 0} or time.monotonic() > deadline:
            return state
        time.sleep(0.25)


def test_finished_requests_and_closed_sockets_are_forgotten(server):
    for _ in range(30):
        tracked(server)
    assert settled(server) == {"connections": 0, "to_reap": 0, "swept": 0}
    with ExitStack() as sockets:
        for _ in range(10):
            sockets.enter_context(connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=5))
        # The sockets stay; their upgrade requests are forgotten; open sockets are not swept.
        assert settled(server, connections=10) == {"connections": 10, "to_reap": 0, "swept": 0}
    assert settled(server) == {"connections": 0, "to_reap": 0, "swept": 0}


def test_a_failing_application_is_answered_500_and_logged(server):
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(f"{server.url}/fail", timeout=5)
    assert failed.value.code == 500
    deadline = time.monotonic() + 5
    while "Exception inside application: the application failed on purpose" not in server.log():
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.2)
    assert settled(server) == {"connections": 0, "to_reap": 0, "swept": 0}


def test_an_instance_ignoring_its_client_leaving_is_cancelled_after_the_close_timeout(server):
    client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    client.sendall(b"GET /stubborn HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    time.sleep(0.5)
    client.close()
    left = time.monotonic()
    deadline = left + 6
    while not (server.mark.exists() and "cancelled" in server.mark.read_text()):
        assert time.monotonic() < deadline, "the stubborn instance was never cancelled"
        time.sleep(0.1)
    assert time.monotonic() - left >= 1.0  # not before --application-close-timeout
    assert "took too long to shut down and was killed" in server.log()
    assert settled(server) == {"connections": 0, "to_reap": 0, "swept": 0}


def test_protocol_pings_drop_a_silent_peer_and_keep_one_that_answers(server):
    with connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=5):
        received, dropped_after = read_until_dropped(silent_websocket(server.port, "/ws"), 12)
        assert dropped_after < 9, "the silent peer was never dropped"
        assert received.count(b"\x89") >= 1  # it was pinged (opcode 0x9) before being dropped
        # Longer than a ping interval and its timeout: the client's library answered, it stays.
        assert settled(server, connections=1)["connections"] == 1
    assert settled(server) == {"connections": 0, "to_reap": 0, "swept": 0}


@pytest.mark.parametrize("content_type, body", [
    ("application/x-www-form-urlencoded", b"username=alice&next=%2Fdashboard%3Fa%3D1&empty="),
    ("multipart/form-data; boundary=XyZ",
     b'--XyZ\r\nContent-Disposition: form-data; name="resume"; filename="cv.txt"\r\n\r\nten years\r\n--XyZ--\r\n'),
    ("application/json", json.dumps({"token": "x" * 70_000}).encode()),  # over daphne's read buffer
])
def test_a_post_reaches_the_application_byte_for_byte(server, content_type, body):
    """Twisted's own form parsing is off (jobelix/serve.py): the application still reads every body whole."""
    request = urllib.request.Request(f"{server.url}/echo", data=body, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.read() == body
