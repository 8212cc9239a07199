"""The real bot (python -m bot, headless Chromium) against the sandbox board and a live Jobelix server:
sessions, exact stats, applications in the tracker, never twice, Stop, a server that goes away."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.sandbox import SandboxBoard
from tests.conftest import require_chromium

BASE_DIR = Path(__file__).resolve().parents[2]

# With this profile the sandbox has 5 postings: 1001, 1004 (always refused), 1013, 1015, 1016.
PROFILE = {
    "headline": "Backend engineer", "phone": "+49 30 1234567",
    "skills": ["Python", "Django", "PostgreSQL", "Redis", "Docker", "Celery"],
    "desired_titles": ["Django"], "locations": ["Remote"], "years_experience": 6, "remote_preference": "remote",
    "salary_expectation": 120000, "work_authorization": "EU citizen", "willing_to_relocate": False,
    "resume_text": "Backend engineer at Foo Logistics (2018-2024): Django REST APIs on PostgreSQL.\n\n"
                   "Education: BSc Computer Science",
}
APPLIED_JOB_IDS = [1001, 1013, 1015, 1016]


@pytest.fixture
def live(transactional_db, daphne_server):
    return daphne_server


@pytest.fixture
def board():
    with SandboxBoard(slow_seconds=0.2) as sandbox:
        yield sandbox


@pytest.fixture
def job_seeker(user, make_token):
    """alice with a filled-in profile and a bot token."""
    from accounts.services import get_or_create_profile

    user.first_name, user.last_name = "Alice", "Martin"
    user.save()
    profile = get_or_create_profile(user)
    for field, value in PROFILE.items():
        setattr(profile, field, value)
    profile.save()
    return user, make_token(user)


def run_bot(token, server_url, board_url, out_dir, *extra, wait=True, timeout=180):
    """`python -m bot --playwright TOKEN` exactly as the dashboard launches it."""
    env = {**os.environ, "JOBELIX_API_URL": server_url, "JOBELIX_BOARD_URL": board_url,
           "JOBELIX_BOT_OUTPUT": str(out_dir), "JOBELIX_CHROMIUM": require_chromium(), "PYTHONUNBUFFERED": "1"}
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):  # the bot knows nothing of the server's secrets
        env.pop(key, None)
    cmd = [sys.executable, "-m", "bot", "--playwright", token, *extra]
    if not wait:
        return subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    return subprocess.run(cmd, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)


def sessions(user):
    from sessions_app.models import BotSession

    return list(BotSession.objects.filter(user=user).order_by("started_at"))


def tracked(user):
    from tracker.models import Application

    return list(Application.objects.filter(user=user).select_related("job").order_by("job__job_url"))


def test_run_completes_with_exact_stats_and_fills_the_tracker(live, board, job_seeker, tmp_path):
    user, token = job_seeker
    result = run_bot(token, live.url, board.url, tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Run completed: 5 found, 4 applied, 1 failed, 0 credits used." in result.stdout

    [session] = sessions(user)
    assert session.status == "completed" and session.completed_at is not None
    assert (session.jobs_found, session.jobs_applied, session.jobs_failed, session.credits_used) == (5, 4, 1, 0)
    assert session.bot_version == "1.0.0" and session.platform == "linux"
    assert session.current_activity == "finalizing"

    apps = tracked(user)
    assert [a.job.job_url for a in apps] == [f"{board.url}/jobs/{i}" for i in APPLIED_JOB_IDS]
    assert all(a.status == "applied" and a.job.source == "sandbox" for a in apps)
    assert {a.job.company for a in apps} == {"Acme Analytics", "Cyberdyne Systems", "Oscorp Energy",
                                             "Aperture Science"}
    assert sorted(a["job_id"] for a in board.applications()) == APPLIED_JOB_IDS
    # What the board received came from alice's profile.
    assert {a["answers"]["full_name"] for a in board.applications()} == {"Alice Martin"}

    # Second run, on a machine without the first run's files: the server says what was applied.
    again = run_bot(token, live.url, board.url, tmp_path / "fresh-machine")
    assert again.returncode == 0, again.stdout + again.stderr
    first, second = sessions(user)
    assert second.status == "completed"
    # Only the refused posting is tried again; nothing is applied twice.
    assert (second.jobs_found, second.jobs_applied, second.jobs_failed) == (1, 0, 1)
    assert len(board.applications()) == 4 and len(tracked(user)) == 4
    applied = requests.get(f"{live.url}/api/v1/applications/applied",
                           headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert applied["applied_today"] == 4


def test_stop_from_the_dashboard_ends_the_run_stopped(live, job_seeker, tmp_path):
    user, token = job_seeker
    with SandboxBoard(page_delay=1.0) as slow_board:
        proc = run_bot(token, live.url, slow_board.url, tmp_path / "out", wait=False)
        deadline = time.monotonic() + 120
        while not slow_board.applications():
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        stop = requests.post(f"{live.url}/api/autoapply/bot/stop", json={},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
        out, err = proc.communicate(timeout=120)
        received = len(slow_board.applications())
    assert stop.status_code == 200, f"{stop.text}\n{out}\n{err}"
    assert proc.returncode == 2, out + err
    assert "Run stopped" in out
    [session] = sessions(user)
    assert session.status == "stopped" and session.completed_at is not None, out + err
    assert 1 <= session.jobs_applied == received < 4, out + err
    assert len(tracked(user)) == received


def test_a_dead_server_does_not_crash_the_bot(transactional_db, board, job_seeker, tmp_path):
    _, token = job_seeker
    result = run_bot(token, "http://127.0.0.1:9", board.url, tmp_path / "out")
    assert result.returncode == 1
    assert "could not load your profile from the server" in result.stdout
    assert "Traceback" not in result.stderr
    assert board.applications() == []


def test_server_going_away_mid_run_loses_nothing(transactional_db, start_daphne, board, job_seeker, tmp_path):
    user, token = job_seeker
    server = start_daphne()
    proc = run_bot(token, server.url, board.url, tmp_path / "out", wait=False)
    deadline = time.monotonic() + 120
    while not board.applications():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    server.kill()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert "Traceback" not in err
    assert sorted(a["job_id"] for a in board.applications()) == APPLIED_JOB_IDS
    recorded_while_up = len(tracked(user))
    assert recorded_while_up < 4

    # Next run, server back: the applications it missed are recorded, none is submitted again.
    server = start_daphne()
    again = run_bot(token, server.url, board.url, tmp_path / "out")
    assert again.returncode == 0, again.stdout + again.stderr
    assert [a.job.job_url for a in tracked(user)] == [f"{board.url}/jobs/{i}" for i in APPLIED_JOB_IDS]
    assert len(board.applications()) == 4
    assert sessions(user)[-1].jobs_applied == 0
