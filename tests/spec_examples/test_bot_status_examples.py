"""The bot-status spec documents' example clients, run as written against a real daphne.

specs/bot-status-integration.md and specs/bot-status-overview.md show how a bot
talks to the server: the StatusReporter class, its usage examples, `main.py`, two
`test_status.py` scripts, stop detection. Each is kept verbatim in a
tests/spec_examples/bot_status_*.py file (its header says where it comes from and
which lines are glue) and run here in a subprocess from a scratch directory, with
only the base URL and a token substituted. Then the session the server stored and
the `bot.session_updated` events it published are checked: if a client written
from the spec stops working against Jobelix, this fails.
"""
from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from realtime.models import Event
from sessions_app.models import BotSession
from tests.spec_examples.paths import EXAMPLES_PATH

HERE = Path(__file__).resolve().parent
SESSION_STARTED = re.compile(r"^\[Status\] Session started: ([0-9a-f-]{36})$", re.MULTILINE)
# What the spec's StatusReporter prints when a call did not get its 200.
COMPLAINTS = ("[Status] Failed", "[Status] Error", "[Status] Heartbeat failed", "[Status] No session_id")


@pytest.fixture
def server(transactional_db, daphne_server):
    return daphne_server


@pytest.fixture
def token(user, make_token) -> str:
    return make_token(user)


def substitute(text: str, replacements: dict[str, str]) -> str:
    """Replace the spec's placeholders; each must be there, so a stale copy cannot pass silently."""
    for placeholder, value in replacements.items():
        assert placeholder in text, f"the example no longer contains {placeholder!r}"
        text = text.replace(placeholder, value)
    return text


class Examples:
    """A scratch directory laid out as the spec lays the bot out: its `status_reporter.py`
    (unchanged) next to the example being run."""

    def __init__(self, directory: Path, base_url: str, token: str) -> None:
        self.dir = directory
        self.env = {
            "PATH": EXAMPLES_PATH, "HOME": str(directory), "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8", "JOBELIX_API_URL": base_url, "JOBELIX_TOKEN": token,
        }
        shutil.copy(HERE / "bot_status_reporter.py", directory / "status_reporter.py")

    def place(self, example: str, run_as: str, replace: dict[str, str] | None = None) -> None:
        text = (HERE / example).read_text(encoding="utf-8")
        (self.dir / run_as).write_text(substitute(text, replace or {}), encoding="utf-8")

    def run(self, example: str, run_as: str, replace: dict[str, str] | None = None,
            command: list[str] | None = None, env: dict[str, str] | None = None,
            **kwargs: Any) -> subprocess.CompletedProcess:
        self.place(example, run_as, replace)
        return subprocess.run(command or [sys.executable, run_as], cwd=self.dir, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture
def examples(tmp_path: Path, server, token: str) -> Examples:
    return Examples(tmp_path, server.url, token)


def started_session(process: subprocess.CompletedProcess | str) -> BotSession:
    stdout = process if isinstance(process, str) else process.stdout
    match = SESSION_STARTED.search(stdout)
    assert match, stdout
    return BotSession.objects.get(pk=match.group(1))


def assert_no_complaints(stdout: str) -> None:
    complaints = [line for line in stdout.splitlines() if line.startswith(COMPLAINTS)]
    assert not complaints, stdout


def published(session: BotSession) -> list[dict[str, Any]]:
    """The `bot.session_updated` payloads of this session, in the order they were published."""
    events = Event.objects.filter(user=session.user, channel="bot", type="bot.session_updated",
                                  data__session_id=str(session.id)).order_by("id")
    return [event.data for event in events]


def test_integration_test_status_py(examples: Examples, server, token: str, user):
    """bot-status-integration.md, Step 7: `python test_status.py`."""
    done = examples.run("bot_status_test_status.py", "test_status.py",
                       replace={"your_test_token_here": token, "http://localhost:3000": server.url})
    assert done.returncode == 0, done.stdout + done.stderr
    assert_no_complaints(done.stdout)
    lines = done.stdout.splitlines()
    for line in ["1. Starting session...", "[Status] Heartbeat sent: browser_opening",
                 "[Status] Heartbeat sent: jobs_found", "[Status] Heartbeat sent: application_submitted",
                 "[Status] Session completed: success",
                 "✅ Test complete. Final stats: {'jobs_found': 5, 'jobs_applied': 3, 'jobs_failed': 0, "
                 "'credits_used': 0}"]:
        assert line in lines, (line, done.stdout)

    session = started_session(done)
    assert session.user == user
    assert (session.status, session.bot_version, session.platform) == ("completed", "1.0.0-test", "darwin")
    assert session.stats() == {"jobs_found": 5, "jobs_applied": 3, "jobs_failed": 0, "credits_used": 0}
    assert session.current_activity == "application_submitted"
    assert session.activity_details == {"company": "Test Corp", "job_title": "Test Engineer"}
    assert session.error_message == "" and session.completed_at is not None
    assert [(e["status"], e["current_activity"], e["jobs_found"], e["jobs_applied"]) for e in published(session)] == [
        ("starting", "", 0, 0), ("running", "browser_opening", 0, 0), ("running", "jobs_found", 5, 0),
        ("running", "application_submitted", 5, 3), ("completed", "application_submitted", 5, 3)]


def test_overview_test_status_py(examples: Examples, server, token: str, user):
    """bot-status-overview.md, Testing Instructions 2: its shorter `test_status.py`."""
    done = examples.run("bot_status_overview_test_status.py", "test_status.py",
                       replace={"your_token": token, "http://localhost:3000": server.url})
    assert done.returncode == 0, done.stdout + done.stderr
    assert_no_complaints(done.stdout)
    assert "[Status] Session completed: success" in done.stdout.splitlines()

    session = started_session(done)
    assert (session.user, session.status, session.bot_version, session.platform) == (
        user, "completed", "1.0.0-test", "win32")
    assert session.stats() == {"jobs_found": 5, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}
    assert (session.current_activity, session.activity_details) == ("jobs_found", {"count": 5})
    assert [e["status"] for e in published(session)] == ["starting", "running", "running", "completed"]


def run_main(examples: Examples, server, token: str, **env: str) -> subprocess.CompletedProcess:
    """`python main.py --playwright <API_TOKEN>` (Step 3), with the bot's own functions stood in."""
    examples.place("bot_status_main_stand_ins.py", "stand_ins.py")
    return examples.run("bot_status_main.py", "main.py",
                       replace={'BASE_URL = "https://your-production-url.vercel.app"': f'BASE_URL = "{server.url}"'},
                       command=[sys.executable, "stand_ins.py", "main.py", "--playwright", token], env=env)


def test_integration_main_py_runs_a_whole_bot(examples: Examples, server, token: str, user):
    """bot-status-integration.md, Step 3: every phase, one failed application, then complete."""
    done = run_main(examples, server, token)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_no_complaints(done.stdout)
    assert "Failed to apply to Platform Engineer at Initech: Submit button not found" in done.stdout
    assert "✅ Bot completed: 2 applications submitted" in done.stdout

    session = started_session(done)
    assert (session.user, session.status, session.bot_version) == (user, "completed", "1.0.0")
    assert session.platform == platform.system().lower()
    assert session.stats() == {"jobs_found": 3, "jobs_applied": 2, "jobs_failed": 1, "credits_used": 1}
    assert session.current_activity == "finalizing" and session.error_message == ""
    activities = [e["current_activity"] for e in published(session)]
    assert activities == [
        "", "browser_opening", "browser_opened", "linkedin_login", "linkedin_login_done", "searching_jobs",
        "jobs_found",
        "creating_resume", "answering_questions", "submitting_application", "application_submitted",
        "creating_resume", "submitting_application", "application_failed",
        "creating_resume", "submitting_application", "application_submitted",
        "finalizing", "finalizing",  # the last one is the completion
    ]
    failed = next(e for e in published(session) if e["current_activity"] == "application_failed")
    assert failed["activity_details"] == {"job_title": "Platform Engineer", "company": "Initech",
                                          "error": "Submit button not found"}


def test_integration_main_py_reports_a_fatal_error(examples: Examples, server, token: str):
    """Step 3's `except`: the run is closed as failed with the error, and main.py exits 1."""
    done = run_main(examples, server, token, JOBELIX_SPEC_LOGIN_FAILS="1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert_no_complaints(done.stdout)
    assert "❌ Bot failed with error: LinkedIn login failed: captcha" in done.stdout
    assert "[Status] Session completed: failed" in done.stdout.splitlines()
    session = started_session(done)
    assert (session.status, session.error_message) == ("failed", "LinkedIn login failed: captcha")
    assert session.current_activity == "linkedin_login" and session.completed_at is not None


def test_integration_reporter_usage_examples(examples: Examples, server, token: str, user):
    """The StatusReporter docstrings' examples and Step 5, in order, as one run."""
    done = examples.run("bot_status_usage.py", "usage.py",
                       replace={"user_token_xyz": token, "https://jobelix.vercel.app": server.url})
    assert done.returncode == 0, done.stdout + done.stderr
    assert_no_complaints(done.stdout)
    assert "Warning: Status reporting unavailable" not in done.stdout
    assert "[Status] Session completed: success" in done.stdout.splitlines()

    session = started_session(done)
    assert (session.user, session.status, session.bot_version) == (user, "completed", "1.0.0")
    assert session.stats() == {"jobs_found": 2, "jobs_applied": 1, "jobs_failed": 1, "credits_used": 2}
    events = published(session)
    assert [e["current_activity"] for e in events] == [
        "", "searching_jobs", "creating_resume", "applying_jobs", "application_submitted", "application_failed",
        "searching_jobs", "searching_jobs", "searching_jobs"]
    assert events[3]["activity_details"] == {"progress": "0/2"}
    assert events[5]["activity_details"] == {"job_title": "Platform Engineer", "error": "Timeout"}
    assert events[-1]["status"] == "completed"


def test_integration_stop_detection(examples: Examples, server, token: str, user):
    """Steps 4 and 6: the base URL from $JOBELIX_API_URL; a Stop from the dashboard ends the run."""
    # Not stopped: check_if_stopped() is False for every job and the run completes.
    done = examples.run("bot_status_stop_check.py", "stop_check.py", input="\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert_no_complaints(done.stdout)
    assert "Bot stopped by user" not in done.stdout
    first = started_session(done)
    assert (first.status, first.jobs_found) == ("completed", 3)
    heartbeats = [(e["current_activity"], e["activity_details"]) for e in published(first) if e["status"] == "running"]
    assert heartbeats == [("applying_jobs", {"checking": True})] * 3  # one check per job

    # Stopped: the user presses Stop while the bot works; its next check sees it and it winds down.
    bot = subprocess.Popen([sys.executable, "stop_check.py"], cwd=examples.dir, env=examples.env,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = ""
        while "READY" not in output:
            line = bot.stdout.readline()
            assert line, output
            output += line
        stop = requests.post(f"{server.url}/api/autoapply/bot/stop", json={},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert stop.status_code == 200 and stop.json()["session"]["status"] == "stopped"
        rest, _ = bot.communicate("\n", timeout=60)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    output += rest
    assert bot.returncode == 0, output
    assert "⚠️ Bot stopped by user - exiting gracefully" in output
    assert "[Status] Session stopped by user - bot should terminate" in output
    assert "[Status] Session completed: failed" in output
    session = started_session(output)
    assert session.pk != first.pk
    assert (session.status, session.error_message) == ("stopped", "Stopped by user")
    assert session.completed_at is not None  # acknowledged: over, not "stopping"
    assert session.jobs_found == 3  # a stopped run takes the bot's final stats once
    assert published(session)[-1]["completed_at"] is not None


def test_status_endpoint_with_curl(examples: Examples, server, token: str, user):
    """Troubleshooting: the HTTP status endpoint, checked with curl and the bot's token."""
    assert examples.run("bot_status_overview_test_status.py", "test_status.py",
                       replace={"your_token": token, "http://localhost:3000": server.url}).returncode == 0
    session = BotSession.objects.get(user=user)
    curl = ["sh", "status.sh"]
    done = examples.run("bot_status_curl.sh", "status.sh", command=curl)
    assert done.returncode == 0, done.stdout + done.stderr
    status = json.loads(done.stdout)
    assert status["current_session"]["session_id"] == str(session.id)
    assert status["current_session"]["status"] == "completed" and status["current_session"]["jobs_found"] == 5
    assert [s["session_id"] for s in status["sessions"]] == [str(session.id)]

    bad = examples.run("bot_status_curl.sh", "status.sh", command=curl, env={"JOBELIX_TOKEN": "jbx_not-a-token"})
    assert bad.returncode == 22  # curl --fail-with-body: an HTTP error (401), with its JSON body
    assert json.loads(bad.stdout)["error"]
