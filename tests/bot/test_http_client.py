"""The bot side's one HTTP client base (bot.http_client) and the retry choices of its three clients.

A loopback server (devtools.loopback) plays the server's bad days: 503s, gateway errors,
dropped connections, lost answers.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.api import JobelixAPI
from bot.http_client import JsonClient, Retry, bearer_headers, iso
from bot.reporter import StatusReporter
from bot.sites.base import JobDetails
from core.wire import is_wire_time
from core.wire import iso as core_iso
from devtools.loopback import LoopbackServer, Reply, Request

SESSION_ID = "33333333-3333-3333-3333-333333333333"


class Scripted:
    """Answers each request with the next scripted reply (then `default`); records the requests."""

    def __init__(self, *script: Reply, default: Reply | None = None):
        self.script = list(script)
        self.default = default or Reply.json({"success": True, "session_id": SESSION_ID})
        self.server = LoopbackServer(self._answer)
        self.url = self.server.url

    def _answer(self, request: Request) -> Reply:
        return self.script.pop(0) if self.script else self.default

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.server.requests]


@pytest.fixture
def scripted():
    made = []

    def make(*script: Reply, default: Reply | None = None) -> Scripted:
        made.append(Scripted(*script, default=default))
        made[-1].server.start()
        return made[-1]

    yield make
    for server in made:
        server.server.stop()


def client(url: str, **retry) -> tuple[JsonClient, list[float]]:
    sleeps: list[float] = []
    return JsonClient(url, "tok-1", timeout=5, retry=Retry(**retry), sleep=sleeps.append), sleeps


def test_bearer_header_and_json_error_body_are_handled_in_one_place(scripted):
    server = scripted(Reply.json({"error": "Bad token.", "code": "auth"}, 401))
    http, sleeps = client(server.url)
    result = http.call("POST", "/api/x", {"a": 1}, idempotent=True)
    assert not result.ok and result.status == 401 and sleeps == []  # a 4xx is final
    assert result.error == "HTTP 401: Bad token." and result.detail == "Bad token."
    assert result.body == {"error": "Bad token.", "code": "auth"}
    [request] = server.server.requests
    assert request.headers["Authorization"] == "Bearer tok-1" and request.json() == {"a": 1}
    assert bearer_headers(None) == {"Accept": "application/json"}


def test_a_non_json_error_page_gives_its_first_characters(scripted):
    server = scripted(Reply.html("<html>Bad gateway</html>", 400))
    result = client(server.url)[0].call("GET", "/", idempotent=True)
    assert result.error == "HTTP 400: <html>Bad gateway</html>" and result.data is None


def test_idempotent_calls_are_retried_with_growing_backoff(scripted):
    server = scripted(Reply.json({}, 503), Reply(drop=True), Reply.json({}, 429))
    http, sleeps = client(server.url, retries=3, backoff=0.25)
    result = http.call("POST", "/p", {}, idempotent=True)
    assert result.ok and result.attempts == 4 and sleeps == [0.25, 0.5, 1.0]
    assert len(server.paths) == 4 and http.down is False


def test_other_calls_are_never_retried(scripted):
    server = scripted(Reply.json({}, 503))
    http, sleeps = client(server.url, retries=3)
    result = http.call("POST", "/p", {}, idempotent=False)
    assert result.status == 503 and len(server.paths) == 1 and sleeps == []


def test_a_call_made_while_the_server_is_down_is_tried_once(scripted):
    server = scripted(default=Reply.html("<html>Bad gateway</html>", 502))
    http, sleeps = client(server.url, retries=2, backoff=0.1)
    assert not http.call("GET", "/a", idempotent=True).ok
    assert len(server.paths) == 3 and http.down
    assert http.call("GET", "/b", idempotent=True).attempts == 1  # an outage, not a blip: no backoff
    assert server.paths[3:] == ["/b"] and sleeps == [0.1, 0.2]

    patient, waits = client(server.url, retries=1, backoff=0.1, while_down=True)
    patient.down = True
    assert patient.call("GET", "/c", idempotent=True).attempts == 2 and waits == [0.1]


def test_nothing_raises(scripted):
    dead, sleeps = client("not a url", retries=3)
    result = dead.call("POST", "/p", {"x": 1}, idempotent=True)
    assert result.error.startswith("request error") and sleeps == []
    server = scripted()
    result = client(server.url)[0].call("POST", "/p", {"x": object()}, idempotent=True)
    assert result.error.startswith("request error") and server.paths == []
    broken = JsonClient(server.url, "t", timeout=5, retry=Retry(retries=1), sleep=lambda s: 1 / 0)
    server.script = [Reply.json({}, 503)]
    assert broken.call("GET", "/", idempotent=True).ok


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 30, 13, 2, 28, 123456, tzinfo=UTC),
    datetime(2026, 11, 30, 15, 2, 28, 123000, tzinfo=timezone(timedelta(hours=2))),
    datetime(2026, 11, 30, 13, 2, 28),  # naive: taken as UTC
])
def test_the_bots_wire_time_is_the_servers(moment):
    assert iso(moment) == core_iso(moment)
    assert is_wire_time(iso(moment)) and iso(moment).startswith("2026-11-30T13:02:28.")


# -- what each client retries ------------------------------------------------------------


def test_status_heartbeat_is_retried_once_start_is_not(scripted):
    busy = Reply.json({"error": "busy"}, 503)
    ok = Reply.json({"success": True})
    server = scripted(busy, busy, ok, Reply.json({"error": "oops"}, 500), ok, busy, busy)
    reporter = StatusReporter("tok", server.url)
    assert reporter.start_session("1.0.0", "linux") is False
    assert server.paths == ["/api/autoapply/bot/start"] and reporter.last_error == "503: busy"
    reporter.session_id = SESSION_ID
    beat = "/api/autoapply/bot/heartbeat"
    assert reporter.send_heartbeat("searching_jobs") is False  # the server is down: one try, no backoff
    assert reporter.send_heartbeat("searching_jobs") is True  # back up
    assert server.paths[1:] == [beat, beat]
    assert reporter.send_heartbeat("jobs_found", {"count": 3}) is True  # a 500, then a retry that lands
    assert server.paths[3:] == [beat, beat]
    assert reporter.send_heartbeat("applying_jobs") is False  # two 503s: the one retry is spent
    assert server.paths[5:] == [beat, beat] and reporter.last_error == "503: busy"
    start, *beats = server.server.requests
    assert start.json()["token"] == "tok" and start.headers["Authorization"] == "Bearer tok"
    assert beats[2].json() == beats[3].json()  # a retry is the same heartbeat


def test_status_complete_whose_answer_was_lost_counts_as_delivered(scripted):
    server = scripted(Reply(drop=True), Reply.json({"error": "The session is already completed.",
                                                    "status": "completed"}, 409))
    reporter = StatusReporter("tok", server.url)
    reporter.session_id = SESSION_ID
    assert reporter.complete_session(success=True) is True
    assert server.paths == ["/api/autoapply/bot/complete"] * 2 and reporter.finished


def test_status_complete_refused_on_the_first_try_is_a_failure(scripted):
    server = scripted(Reply.json({"error": "The session is already failed.", "status": "failed"}, 409))
    reporter = StatusReporter("tok", server.url)
    reporter.session_id = SESSION_ID
    assert reporter.complete_session(success=True) is False
    assert len(server.paths) == 1 and reporter.last_error == "409: The session is already failed."


def test_api_client_retries_reads_and_recording(scripted):
    server = scripted(Reply.json({}, 503), Reply.json({"name": "Ada"}),
                      Reply(drop=True), Reply.json({"id": 41}, 201),
                      Reply.json({"error": "exists", "application_id": 9}, 409), Reply.json({"id": 9}))
    api = JobelixAPI(server.url, "t", retry=Retry(retries=2, backoff=0.01))
    assert api.get_profile() == {"name": "Ada"}
    job = JobDetails(id="1", url="http://board.test/jobs/1", title="T", company="C", location="Remote",
                     description="", skills=[])
    assert api.record_application(job) is True
    assert server.paths == ["/api/v1/profile", "/api/v1/profile", "/api/v1/jobs", "/api/v1/jobs",
                            "/api/v1/applications", "/api/v1/applications/9/status"]
