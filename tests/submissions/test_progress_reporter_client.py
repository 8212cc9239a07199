"""ProgressReporter's transport: wire format, retries on what may heal, never raises.

The server here is a loopback stand-in for an unreliable network (it answers 503, drops
connections); the reporter against the real endpoint is in test_progress_live.py.
"""

import socket
import uuid

import pytest

from bot.progress import UPDATE_PROGRESS_PATH, ProgressReporter
from devtools.loopback import LoopbackServer, Reply, Request


class FlakyServer:
    """Answers each POST with the next scripted status (then 200); records what it got."""

    def __init__(self, script=()):
        self.script = list(script)
        self.requests = []
        self.server = LoopbackServer(self._answer).start()
        self.url = self.server.url

    def _answer(self, request: Request) -> Reply:
        self.requests.append({"path": request.path, "auth": request.headers.get("Authorization"),
                              "body": request.json()})
        status = self.script.pop(0) if self.script else 200
        if status == "drop":
            return Reply(drop=True)
        return Reply.json({"success": True} if status < 400 else {"error": f"scripted {status}"}, status)

    def close(self):
        self.server.stop()


@pytest.fixture
def flaky():
    servers = []

    def make(script=()):
        servers.append(FlakyServer(script))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def reporter_for(server, **kwargs):
    sleeps = []
    reporter = ProgressReporter(server.url, "wkr_secret", backoff=0.25, sleep=sleeps.append, **kwargs)
    return reporter, sleeps


def test_every_method_speaks_the_wire_format(flaky):
    server = flaky()
    reporter, _ = reporter_for(server)
    job, sub = uuid.uuid4(), uuid.uuid4()
    assert reporter.report_job_started(job)
    assert reporter.report_submission_started(job, sub, "Acme — Backend Engineer")
    assert reporter.report_submission_success(job, sub, 1, 0)
    assert reporter.report_submission_failed(job, sub, "captcha", 1, 1)
    assert reporter.report_progress(job, 1, 1, "Globex")
    assert reporter.report_job_completed(job, 1, 1)
    assert reporter.report_job_failed(job, "browser crashed", 1, 1)
    assert {r["path"] for r in server.requests} == {UPDATE_PROGRESS_PATH}
    assert {r["auth"] for r in server.requests} == {"Bearer wkr_secret"}
    j, s = str(job), str(sub)
    assert [r["body"] for r in server.requests] == [
        {"job_id": j, "status": "in_progress"},
        {"job_id": j, "submission_id": s, "status": "submitting", "current_target": "Acme — Backend Engineer"},
        {"job_id": j, "submission_id": s, "status": "submitted", "completed": 1, "failed": 0},
        {"job_id": j, "submission_id": s, "status": "failed", "error_message": "captcha", "completed": 1, "failed": 1},
        {"job_id": j, "status": "in_progress", "completed": 1, "failed": 1, "current_target": "Globex"},
        {"job_id": j, "status": "completed", "completed": 1, "failed": 1},
        {"job_id": j, "status": "failed", "error_message": "browser crashed", "completed": 1, "failed": 1},
    ]


def test_5xx_and_dropped_connections_are_retried_with_growing_backoff(flaky):
    server = flaky([503, "drop", 502])
    reporter, sleeps = reporter_for(server)
    assert reporter.report_progress(uuid.uuid4(), 3, 0) is True
    assert len(server.requests) == 4
    assert sleeps == [0.25, 0.5, 1.0]
    assert reporter.last_error is None


def test_gives_up_after_max_retries_without_raising(flaky):
    server = flaky([500, 500, 500, 500, 500])
    reporter, sleeps = reporter_for(server, max_retries=2)
    assert reporter.report_job_completed(uuid.uuid4(), 1, 0) is False
    assert len(server.requests) == 3 and len(sleeps) == 2
    assert reporter.last_error == "HTTP 500: scripted 500"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_client_errors_are_final(flaky, status):
    server = flaky([status])
    reporter, sleeps = reporter_for(server)
    assert reporter.report_job_started(uuid.uuid4()) is False
    assert len(server.requests) == 1 and sleeps == []
    assert reporter.last_error == f"HTTP {status}: scripted {status}"


def test_unreachable_server_returns_false():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = []
    reporter = ProgressReporter(f"http://127.0.0.1:{port}/", "t", max_retries=1, timeout=2, sleep=sleeps.append)
    assert reporter.report_job_started(uuid.uuid4()) is False
    assert reporter.last_error.startswith("network error") and len(sleeps) == 1


def test_nonsense_url_or_payload_never_raises():
    reporter = ProgressReporter("not a url", "t", sleep=lambda s: None)
    assert reporter.report_job_started("x") is False
    assert reporter.last_error.startswith("request error")


def test_configured_from_the_spec_environment_with_the_spec_method_name(flaky, monkeypatch):
    """A DirectoryBolt-style worker drops in: API_URL + WORKER_AUTH_TOKEN, reportDirectoryProgress."""
    server = flaky()
    monkeypatch.setenv("API_URL", server.url)
    monkeypatch.setenv("WORKER_AUTH_TOKEN", "tok-from-env")
    reporter = ProgressReporter()
    job_id = "test-job-123"
    assert reporter.reportDirectoryProgress(job_id, 5, 0, "Facebook Business") is True
    sent = server.requests[-1]
    assert sent["auth"] == "Bearer tok-from-env"
    assert sent["path"] == UPDATE_PROGRESS_PATH
    assert sent["body"] == {"job_id": job_id, "status": "in_progress", "completed": 5, "failed": 0,
                            "current_target": "Facebook Business"}


def test_missing_configuration_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("API_URL", raising=False)
    monkeypatch.delenv("WORKER_AUTH_TOKEN", raising=False)
    with pytest.raises(ValueError, match="WORKER_AUTH_TOKEN"):
        ProgressReporter()
