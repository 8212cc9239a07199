"""The server client never crashes the bot: dead server, errors and odd answers all come back as None/False."""

import json

import pytest

from bot.api import JobelixAPI, normalize_url
from bot.sites.base import JobDetails
from devtools.loopback import LoopbackServer, Reply, Request

JOB = JobDetails(id="1001", url="http://127.0.0.1:8765/jobs/1001", title="Backend Engineer",
                 company="Acme Analytics", location="Remote", description="Django APIs", skills=["Python"])


class OddServer:
    """Answers every request with the status/body the test sets, and records what it got."""

    def __init__(self):
        self.routes: dict[tuple[str, str], tuple[int, str]] = {}
        self.seen: list[tuple[str, str, dict | None, str | None]] = []
        self.server = LoopbackServer(self._answer).start()
        self.url = self.server.url

    def _answer(self, request: Request) -> Reply:
        body = request.json() if request.body else None
        self.seen.append((request.method, request.path, body, request.headers.get("Authorization")))
        status, text = self.routes.get((request.method, request.path), (404, '{"error": "not found"}'))
        return Reply.text(text, status, "application/json")


@pytest.fixture
def odd_server():
    server = OddServer()
    yield server
    server.server.stop()


def test_dead_server_gives_none_and_a_reason():
    api = JobelixAPI("http://127.0.0.1:9", "tok", timeout=2)
    assert api.get_profile() is None
    assert "unreachable" in api.last_error
    assert api.get_applied() is None
    assert api.record_application(JOB) is False


def test_errors_and_garbage_are_not_crashes(odd_server):
    api = JobelixAPI(odd_server.url, "tok-123")
    odd_server.routes[("GET", "/api/v1/profile")] = (500, "<html>oops</html>")
    assert api.get_profile() is None and "HTTP 500" in api.last_error
    odd_server.routes[("GET", "/api/v1/applications/applied")] = (200, "not json")
    assert api.get_applied() is None
    odd_server.routes[("POST", "/api/v1/jobs")] = (201, '["no id"]')
    assert api.record_application(JOB) is False
    assert odd_server.seen[0][3] == "Bearer tok-123"


def test_applied_list_is_normalised(odd_server):
    odd_server.routes[("GET", "/api/v1/applications/applied")] = (
        200, json.dumps({"job_urls": ["HTTP://127.0.0.1:8765/jobs/1001/", "http://127.0.0.1:8765/jobs/1002#top"],
                         "applied_today": 3}))
    info = JobelixAPI(odd_server.url, "t").get_applied()
    assert info.applied_today == 3
    assert normalize_url(JOB.url) in info.job_urls
    assert normalize_url("http://127.0.0.1:8765/jobs/1002") in info.job_urls


def test_recording_follows_the_jobs_then_applications_contract(odd_server):
    odd_server.routes[("POST", "/api/v1/jobs")] = (201, '{"id": 41}')
    odd_server.routes[("POST", "/api/v1/applications")] = (201, '{"id": 7, "status": "applied"}')
    assert JobelixAPI(odd_server.url, "t").record_application(JOB, "sandbox") is True
    (_, _, job_body, _), (_, _, app_body, _) = odd_server.seen
    assert job_body == {"company": "Acme Analytics", "job_title": "Backend Engineer", "job_description": "Django APIs",
                        "job_url": JOB.url, "location": "Remote", "source": "sandbox"}
    assert app_body == {"job_id": 41, "status": "applied"}


def test_existing_application_is_moved_to_applied(odd_server):
    odd_server.routes[("POST", "/api/v1/jobs")] = (200, '{"id": 41}')
    odd_server.routes[("POST", "/api/v1/applications")] = (409, '{"error": "exists", "application_id": 9}')
    odd_server.routes[("POST", "/api/v1/applications/9/status")] = (200, '{"id": 9, "status": "applied"}')
    assert JobelixAPI(odd_server.url, "t").record_application(JOB) is True
    assert odd_server.seen[-1][:3] == ("POST", "/api/v1/applications/9/status", {"status": "applied"})
