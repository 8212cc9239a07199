"""The bot against the sandbox board in real headless Chromium, reporting through a recording reporter."""

import json
import threading
from pathlib import Path

import pytest

from bot.api import AppliedInfo, normalize_url
from bot.console import ConsoleProgress
from bot.llm import LLMClient
from bot.runner import BotRunner, RunConfig
from bot.sandbox import DEMO_EMAIL, DEMO_PASSWORD, SandboxBoard

ADA: dict = {}
RecordingReporter = None


@pytest.fixture(autouse=True)
def _helpers(profile_data, recording_reporter):
    """The profile and recording reporter from conftest, as module names for readability."""
    global RecordingReporter
    ADA.clear()
    ADA.update(profile_data)
    RecordingReporter = recording_reporter


DJANGO_REMOTE = {"desired_titles": ["Django"], "locations": ["Remote"]}  # 1001, 1004 (closed), 1013, 1015, 1016
PER_JOB = ("creating_resume", "answering_questions", "submitting_application", "application_submitted",
           "application_failed")


class FakeServerAPI:
    """Stands in for bot.api.JobelixAPI where a test needs a given applied list; records what it is sent."""

    def __init__(self, profile, applied_urls=(), applied_today=0, reachable=True):
        self.profile = profile
        self.info = AppliedInfo({normalize_url(u) for u in applied_urls}, applied_today)
        self.reachable = reachable
        self.recorded = []
        self.last_error = "" if reachable else "server unreachable"

    def get_profile(self):
        return self.profile if self.reachable else None

    def get_applied(self):
        return AppliedInfo(set(self.info.job_urls), self.info.applied_today) if self.reachable else None

    def record_application(self, job, source="bot"):
        if not self.reachable:
            return False
        self.recorded.append((job.url, job.company, source))
        return True


def run_bot(board, out: Path, reporter, profile=None, api=None, llm=None, **config):
    profile_path = None
    if api is None:
        profile_path = out.parent / f"{out.name}-profile.json"
        profile_path.parent.mkdir(parents=True, exist_ok=True)
        profile_path.write_text(json.dumps({**ADA, **(profile or {})}))
    cfg = RunConfig(board_url=board.url, board_email=DEMO_EMAIL, board_password=DEMO_PASSWORD, output_dir=out,
                    profile_path=profile_path, **{"daily_cap": None, **config})
    runner = BotRunner(cfg, reporter, api, ConsoleProgress(quiet=True), llm=llm)
    return runner, run_in_thread(runner)


def run_in_thread(runner):
    """Run as the bot does in its own process: Playwright's sync API wants a thread without an event
    loop, and the session's browser fixture may hold this one."""
    box = {}
    worker = threading.Thread(target=lambda: box.setdefault("result", runner.run()))
    worker.start()
    worker.join(240)
    assert "result" in box, "the run did not finish"
    return box["result"]


def test_full_run_reports_each_step_and_exact_stats(sandbox_board, tmp_path, chromium_path):
    reporter = RecordingReporter()
    runner, result = run_bot(sandbox_board, tmp_path / "out", reporter, chromium_path=chromium_path)

    assert (result.outcome, result.exit_code) == ("completed", 0)
    assert reporter.completion() == (True, None)
    assert reporter.stats == {"jobs_found": 10, "jobs_applied": 9, "jobs_failed": 1, "credits_used": 0}
    assert reporter.calls[0][0] == "start_session"
    activities = reporter.activities()
    assert activities[:6] == ["browser_opening", "browser_opened", "linkedin_login", "linkedin_login_done",
                              "searching_jobs", "jobs_found"]
    assert activities[-1] == "finalizing"
    assert reporter.activities("linkedin_login")[0]["board"] == "Sandbox board"
    assert reporter.activities("searching_jobs")[0] == {"query": "Backend Engineer, Python Developer",
                                                        "location": "Remote, Berlin"}
    assert reporter.activities("jobs_found")[0]["count"] == 10
    steps = [a for a in activities if a in PER_JOB]
    for i in range(0, len(steps), 4):  # each job: resume, questions, submit, outcome
        assert steps[i:i + 3] == ["creating_resume", "answering_questions", "submitting_application"]
        assert steps[i + 3] in ("application_submitted", "application_failed")
    [failed] = reporter.activities("application_failed")
    assert failed["company"] == "Initech Payments" and "no longer accepting applications" in failed["error"]
    assert all(d["question_count"] >= 8 for d in reporter.activities("answering_questions"))

    received = sandbox_board.applications()
    assert sorted(a["job_id"] for a in received) == [1001, 1002, 1003, 1005, 1008, 1009, 1013, 1015, 1016]
    for app in received:
        assert app["resume"]["is_pdf"] and app["resume"]["size"] > 1000
        assert app["resume"]["filename"].startswith("ada-lovelace-")
        assert app["answers"]["full_name"] == "Ada Lovelace" and app["answers"]["email"] == "ada@example.com"
    northwind = next(a for a in received if a["job_id"] == 1002)
    assert northwind["answers"]["relocation"] == "yes" and northwind["answers"]["sponsorship"] == "no"
    assert len(list((tmp_path / "out" / "resumes").glob("*.pdf"))) == 10
    assert runner.closed_browser is not None and not runner.closed_browser.is_connected()


def test_second_run_applies_to_nothing_new_but_retries_failures(sandbox_board, tmp_path, chromium_path):
    first = RecordingReporter()
    run_bot(sandbox_board, tmp_path / "out", first, DJANGO_REMOTE, chromium_path=chromium_path)
    assert first.stats == {"jobs_found": 5, "jobs_applied": 4, "jobs_failed": 1, "credits_used": 0}

    second = RecordingReporter()
    _, result = run_bot(sandbox_board, tmp_path / "out", second, DJANGO_REMOTE, chromium_path=chromium_path)
    assert result.outcome == "completed" and result.skipped_already_applied == 4
    assert second.stats == {"jobs_found": 1, "jobs_applied": 0, "jobs_failed": 1, "credits_used": 0}
    assert second.activities("jobs_found")[0] == {"count": 1, "total": 5, "already_applied": 4}
    assert len(sandbox_board.applications()) == 4


def test_server_applied_list_and_daily_cap_are_respected(sandbox_board, tmp_path, chromium_path):
    board_jobs = lambda *ids: [f"{sandbox_board.url}/jobs/{i}" for i in ids]  # noqa: E731
    api = FakeServerAPI({**ADA, **DJANGO_REMOTE}, applied_urls=board_jobs(1001, 1013), applied_today=24)
    reporter = RecordingReporter()
    _, result = run_bot(sandbox_board, tmp_path / "out", reporter, api=api, chromium_path=chromium_path,
                        daily_cap=25)
    assert result.outcome == "completed"
    # 1001 and 1013 were applied before; one left for today: 1004 fails, 1015 goes in, 1016 waits for tomorrow.
    assert reporter.stats == {"jobs_found": 3, "jobs_applied": 1, "jobs_failed": 1, "credits_used": 0}
    assert [a["job_id"] for a in sandbox_board.applications()] == [1015]
    assert api.recorded == [(f"{sandbox_board.url}/jobs/1015", "Oscorp Energy", "sandbox")]
    assert reporter.activities("applying_jobs")[-1]["reason"] == "application cap reached"


def test_max_applications_caps_one_run_and_broken_reporting_changes_nothing(sandbox_board, tmp_path,
                                                                            chromium_path):
    reporter = RecordingReporter(fail_everything=True)  # every reporter call raises
    _, result = run_bot(sandbox_board, tmp_path / "out", reporter, DJANGO_REMOTE, chromium_path=chromium_path,
                        max_applications=2)
    assert result.outcome == "completed"
    assert [a["job_id"] for a in sandbox_board.applications()] == [1001, 1013]
    assert reporter.stats["jobs_applied"] == 2 and reporter.stats["jobs_failed"] == 1


def test_stop_from_the_dashboard_ends_the_run_stopped(sandbox_board, tmp_path, chromium_path):
    reporter = RecordingReporter(stop_after_submitted=2)
    runner, result = run_bot(sandbox_board, tmp_path / "out", reporter, chromium_path=chromium_path)
    assert (result.outcome, result.exit_code) == ("stopped", 2)
    assert reporter.completion() == (False, "Stopped by user")
    assert [a["job_id"] for a in sandbox_board.applications()] == [1001, 1003]
    assert "finalizing" not in reporter.activities()
    assert not runner.closed_browser.is_connected()


def test_dry_run_fills_forms_but_submits_nothing(sandbox_board, tmp_path, chromium_path, fake_model):
    reporter = RecordingReporter()
    _, result = run_bot(sandbox_board, tmp_path / "out", reporter, DJANGO_REMOTE, chromium_path=chromium_path,
                        dry_run=True, llm=LLMClient(fake_model.url))
    assert result.outcome == "completed"
    assert sandbox_board.state.snapshot() == {"applications": [], "rejected": []}
    assert "submitting_application" not in reporter.activities()
    assert len([d for d in reporter.activities("applying_jobs") if d.get("dry_run")]) == 5
    # Free-text questions still went to the model: 1001, 1013, 1015 (motivation) and 1016 (project).
    assert reporter.stats == {"jobs_found": 5, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 4}
    assert len(fake_model.requests) == 4
    assert not list((tmp_path / "out").glob("applied-*.json"))


def test_refused_login_fails_the_run_and_closes_the_browser(sandbox_board, tmp_path, chromium_path):
    reporter = RecordingReporter()
    config = {"chromium_path": chromium_path}
    profile_path = tmp_path / "p.json"
    profile_path.write_text(json.dumps(ADA))
    cfg = RunConfig(board_url=sandbox_board.url, board_email=DEMO_EMAIL, board_password="wrong",
                    output_dir=tmp_path / "out", profile_path=profile_path, **config)
    runner = BotRunner(cfg, reporter, None, ConsoleProgress(quiet=True))
    result = run_in_thread(runner)
    assert (result.outcome, result.exit_code) == ("failed", 1)
    success, error = reporter.completion()
    assert success is False and "refused the login" in error and "Invalid email or password" in error
    assert reporter.activities()[-1] == "linkedin_login"
    assert not runner.closed_browser.is_connected()


def test_a_page_that_times_out_is_one_failed_application(tmp_path, chromium_path):
    with SandboxBoard(slow_seconds=5) as slow_board:
        reporter = RecordingReporter()
        _, result = run_bot(slow_board, tmp_path / "out", reporter, {"desired_titles": ["Flask"]},
                            chromium_path=chromium_path, page_timeout_ms=1000)
    assert result.outcome == "completed"
    assert reporter.stats["jobs_found"] == 1 and reporter.stats["jobs_failed"] == 1
    [failed] = reporter.activities("application_failed")
    assert failed["company"] == "Umbrella Health" and "Timeout" in failed["error"]


def test_keepalive_heartbeats_while_a_page_is_slow(tmp_path, chromium_path):
    with SandboxBoard(slow_seconds=2) as slow_board:
        reporter = RecordingReporter()
        run_bot(slow_board, tmp_path / "out", reporter, {"desired_titles": ["Flask"]}, chromium_path=chromium_path,
                heartbeat_interval=0.3)
    beats = reporter.heartbeats()
    start = [a for a, _ in beats].index("creating_resume")
    end = [a for a, _ in beats].index("answering_questions")
    between = beats[start + 1:end]
    assert between and all(a == "applying_jobs" and d["current_company"] == "Umbrella Health" for a, d in between)
    assert reporter.stats["jobs_applied"] == 1


def test_unreachable_server_without_a_local_profile_fails_cleanly(sandbox_board, tmp_path, chromium_path):
    reporter = RecordingReporter()
    _, result = run_bot(sandbox_board, tmp_path / "out", reporter, api=FakeServerAPI(ADA, reachable=False),
                        chromium_path=chromium_path)
    assert result.exit_code == 1 and "could not load your profile" in result.error
    assert reporter.completion()[0] is False
    assert "browser_opening" not in reporter.activities()


def test_missing_chromium_is_a_clear_failure(sandbox_board, tmp_path):
    reporter = RecordingReporter()
    _, result = run_bot(sandbox_board, tmp_path / "out", reporter, chromium_path="/nonexistent/chromium")
    assert result.exit_code == 1
    assert reporter.completion() == (False, "Chromium not found at /nonexistent/chromium (set JOBELIX_CHROMIUM)")
