"""Fixtures for the bot's tests: the sandbox board, a recording reporter, profiles, a fake model server
(devtools.fake_llm).

The recording reporter stands in for bot.reporter.StatusReporter where a test
looks at the exact activity sequence; the end-to-end tests use the real one
against a live server.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from bot.sandbox import SandboxBoard
from devtools.fake_llm import FakeModel

ADA = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+49 30 1234567",
    "skills": ["Python", "Django", "PostgreSQL", "Redis", "Docker", "Celery", "React"],
    "desired_titles": ["Backend Engineer", "Python Developer"],
    "locations": ["Remote", "Berlin"],
    "years_experience": 6,
    "remote_preference": "remote",
    "salary_expectation": 120000,
    "work_authorization": "EU citizen, authorized to work in the EU",
    "resume_text": (
        "Frontend developer at Bar Studio (2016-2018): React dashboards and CSS design systems.\n\n"
        "Backend engineer at Foo Logistics (2018-2024): built Django REST APIs on PostgreSQL, "
        "Celery pipelines and Redis caches; shipped with Docker.\n\n"
        "Education: BSc Computer Science, University of London"
    ),
}


class RecordingReporter:
    """Duck-types StatusReporter and records every call. stop_after_submitted=N behaves like the
    dashboard's Stop pressed right after the N-th application_submitted heartbeat (409 -> stopped)."""

    def __init__(self, stop_after_submitted: int | None = None, fail_everything: bool = False):
        self.calls: list[tuple] = []
        self.stats = {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}
        self.stopped = False
        self.stop_after_submitted = stop_after_submitted
        self.fail_everything = fail_everything
        self.lock = threading.Lock()

    def _maybe_fail(self):
        if self.fail_everything:
            raise ConnectionError("status server down")

    def start_session(self, bot_version, platform):
        self.calls.append(("start_session", bot_version, platform))
        self._maybe_fail()
        return True

    def send_heartbeat(self, activity, details=None):
        with self.lock:
            self.calls.append(("heartbeat", activity, dict(details or {}), dict(self.stats)))
        self._maybe_fail()
        if (activity == "application_submitted" and self.stop_after_submitted is not None
                and len(self.activities("application_submitted")) >= self.stop_after_submitted):
            self.stopped = True
        return not self.stopped

    def complete_session(self, success, error_message=None):
        self.calls.append(("complete_session", success, error_message))
        self._maybe_fail()

    def increment_jobs_found(self, n=1):
        self.stats["jobs_found"] += n

    def increment_jobs_applied(self, n=1):
        self.stats["jobs_applied"] += n

    def increment_jobs_failed(self, n=1):
        self.stats["jobs_failed"] += n

    def increment_credits_used(self, n=1):
        self.stats["credits_used"] += n

    # -- for assertions --
    def heartbeats(self) -> list[tuple[str, dict]]:
        return [(c[1], c[2]) for c in self.calls if c[0] == "heartbeat"]

    def activities(self, name: str | None = None) -> list:
        beats = self.heartbeats()
        return [d for a, d in beats if a == name] if name else [a for a, _ in beats]

    def completion(self) -> tuple:
        done = [c for c in self.calls if c[0] == "complete_session"]
        assert len(done) == 1, f"complete_session called {len(done)} times"
        return done[0][1:]


@pytest.fixture
def sandbox_board():
    board = SandboxBoard(slow_seconds=0.3).start()
    yield board
    board.close()


@pytest.fixture
def profile_data():
    return json.loads(json.dumps(ADA))


@pytest.fixture
def write_profile(tmp_path):
    def write(**overrides) -> Path:
        path = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*.json')))}.json"
        path.write_text(json.dumps({**ADA, **overrides}))
        return path

    return write


@pytest.fixture
def fake_model():
    model = FakeModel()
    yield model
    model.close()


@pytest.fixture
def recording_reporter():
    return RecordingReporter
