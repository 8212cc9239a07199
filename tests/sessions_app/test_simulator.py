"""`python -m bot.simulate` plays a whole run against the live server and honours a stop."""
import subprocess
import sys

from sessions_app import services
from sessions_app.models import BotSession
from tests.sessions_app.conftest import wait_until


def test_simulator_plays_every_phase(user, live, make_token):
    from realtime.models import Event

    raw = make_token(user)
    result = subprocess.run(
        [sys.executable, "-m", "bot.simulate", "--token", raw, "--server", live.url, "--pause", "0", "--quiet"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    session = BotSession.objects.get(user=user)
    assert session.status == "completed"
    assert (session.jobs_found, session.jobs_applied, session.jobs_failed) == (4, 3, 1)
    assert session.credits_used == 7
    seen = [e.data["current_activity"] for e in Event.objects.filter(user=user, type="bot.session_updated")
            .order_by("id")]
    for code in ["browser_opening", "browser_opened", "linkedin_login", "linkedin_login_done", "searching_jobs",
                 "jobs_found", "applying_jobs", "creating_resume", "answering_questions",
                 "submitting_application", "application_submitted", "application_failed", "finalizing"]:
        assert code in seen, code


def test_simulator_exits_when_the_user_stops_it(user, live, make_token):
    raw = make_token(user)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.simulate", "--token", raw, "--server", live.url, "--pause", "0.5", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        session = wait_until(lambda: BotSession.objects.filter(user=user, status="running").first(),
                             message="the simulator to start")
        services.stop_session(user, session.id)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopped" in out
    session.refresh_from_db()
    assert session.status == "stopped" and session.completed_at is not None
    assert session.error_message == "Stopped by user"
    assert session.current_activity != "finalizing"
