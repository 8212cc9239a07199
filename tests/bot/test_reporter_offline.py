"""StatusReporter when the server is unreachable or misbehaves: the bot must go on.

These need no Django: the reporter ships with the bot, on the user's machine.
The server's own behaviour is covered in tests/sessions_app against a live daphne.
"""

import socket
import time

import pytest

from bot import reporter as reporter_module
from bot.reporter import StatusReporter
from devtools.loopback import LoopbackServer, Reply, Request


def _closed_port() -> int:
    """A loopback port nobody listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_server_url():
    return f"http://127.0.0.1:{_closed_port()}"


@pytest.fixture
def broken_proxy():
    """A loopback 'proxy' answering every POST with an HTML 502, counting the calls."""
    calls = []

    def handle(request: Request) -> Reply:
        calls.append((request.path, request.body))
        return Reply.html("<html>Bad gateway</html>", 502)

    with LoopbackServer(handle) as server:
        yield server.url, calls


def test_dead_server_every_call_returns_false_without_raising(dead_server_url):
    reporter = StatusReporter("tok", dead_server_url)
    assert reporter.start_session("1.0.0", "linux") is False
    assert reporter.session_id is None
    assert "ConnectionError" in reporter.last_error

    # Without a session nothing is sent, and nothing breaks.
    assert reporter.send_heartbeat("browser_opening") is False
    assert reporter.complete_session(success=True) is False

    # Even with a session id (server went down mid-run) the calls fail softly.
    reporter.session_id = "00000000-0000-0000-0000-000000000000"
    reporter.increment_jobs_found(3)
    assert reporter.send_heartbeat("jobs_found", {"count": 3}) is False
    assert reporter.complete_session(success=False, error_message="boom") is False
    assert reporter.stopped is False
    assert reporter.stats["jobs_found"] == 3


def test_hanging_server_is_cut_off_by_the_timeout(monkeypatch):
    """A server that accepts but never answers must not freeze the bot."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    monkeypatch.setattr(reporter_module, "REQUEST_TIMEOUT", 0.5)
    try:
        reporter = StatusReporter("tok", f"http://127.0.0.1:{listener.getsockname()[1]}")
        assert reporter.start_session("1.0.0", "linux") is False
        assert "Timeout" in reporter.last_error
    finally:
        listener.close()


def test_html_error_page_is_a_soft_failure(broken_proxy):
    url, calls = broken_proxy
    reporter = StatusReporter("tok", url)
    assert reporter.start_session("1.0.0", "linux") is False
    reporter.session_id = "11111111-1111-1111-1111-111111111111"
    assert reporter.send_heartbeat("searching_jobs", {"query": "SWE"}) is False
    assert reporter.complete_session(success=True) is False
    assert [path for path, _ in calls] == [
        "/api/autoapply/bot/start",
        "/api/autoapply/bot/heartbeat",
        "/api/autoapply/bot/complete",
    ]
    assert reporter.last_error.startswith("502")
    assert reporter.stopped is False


def test_base_url_comes_from_argument_env_or_default(monkeypatch):
    monkeypatch.delenv("JOBELIX_API_URL", raising=False)
    assert StatusReporter("t").base_url == "http://127.0.0.1:8000"
    monkeypatch.setenv("JOBELIX_API_URL", "http://jobelix.test:9000/")
    assert StatusReporter("t").base_url == "http://jobelix.test:9000"
    assert StatusReporter("t", "http://other:1/").base_url == "http://other:1"


def test_heartbeat_interval_from_env(monkeypatch):
    monkeypatch.delenv("JOBELIX_HEARTBEAT_INTERVAL", raising=False)
    assert StatusReporter("t").heartbeat_interval == 45
    monkeypatch.setenv("JOBELIX_HEARTBEAT_INTERVAL", "12.5")
    assert StatusReporter("t").heartbeat_interval == 12.5
    monkeypatch.setenv("JOBELIX_HEARTBEAT_INTERVAL", "soon")
    assert StatusReporter("t").heartbeat_interval == 45
    assert StatusReporter("t", heartbeat_interval=3).heartbeat_interval == 3


def test_counters_only_go_up():
    reporter = StatusReporter("t", "http://127.0.0.1:1")
    reporter.increment_jobs_found(25)
    reporter.increment_jobs_applied()
    reporter.increment_jobs_failed(2)
    reporter.increment_credits_used(3)
    reporter.increment_jobs_found(-5)  # ignored: the server refuses stats that go down
    reporter.increment_jobs_applied("x")  # ignored, no exception
    assert reporter.stats == {"jobs_found": 25, "jobs_applied": 1, "jobs_failed": 2, "credits_used": 3}


def test_periodic_heartbeat_retries_at_most_once_per_interval(broken_proxy):
    """Against a failing server the background thread keeps trying, but gently."""
    url, calls = broken_proxy
    reporter = StatusReporter("tok", url, heartbeat_interval=0.3)
    reporter.session_id = "22222222-2222-2222-2222-222222222222"
    reporter.last_activity = "applying_jobs"
    reporter.start_periodic_heartbeat()
    time.sleep(1.1)
    reporter.stop_periodic_heartbeat()
    sent = [path for path, _ in calls]
    assert sent and set(sent) == {"/api/autoapply/bot/heartbeat"}
    assert len(sent) <= 4  # 1.1 s / 0.3 s
    count = len(calls)
    time.sleep(0.5)
    assert len(calls) == count  # the thread is gone
