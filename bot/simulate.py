"""A scripted bot run that exercises the status protocol without a browser.

``python -m bot.simulate [--token T] [--server URL] [--pause SECONDS]`` plays a
full run (browser, login, search, a few applications, finalizing, complete)
through :class:`bot.reporter.StatusReporter`, so the dashboard's status card can
be demonstrated and tested end to end. It stops as soon as the user presses Stop
(the next heartbeat answers 409 ``stopped``) and completes the session then.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform as platform_module
import sys
import time
from collections.abc import Sequence

from bot.reporter import StatusReporter

SIMULATOR_VERSION = "sim-1.0"

DEFAULT_JOBS = [
    {"company": "Acme Corp", "job_title": "Backend Developer", "questions": 3, "fails": False},
    {"company": "Globex", "job_title": "Python Engineer", "questions": 0, "fails": False},
    {"company": "Initech", "job_title": "Platform Engineer", "questions": 5, "fails": True},
    {"company": "Umbrella", "job_title": "Data Engineer", "questions": 2, "fails": False},
]


class StoppedByUser(Exception):
    """The server answered a heartbeat with 409 stopped."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--token", default=os.environ.get("JOBELIX_API_TOKEN"),
                        required=not os.environ.get("JOBELIX_API_TOKEN"),
                        help="a bot-scoped API token (default: $JOBELIX_API_TOKEN)")
    parser.add_argument("--server", default=None,
                        help="server base URL (default: $JOBELIX_API_URL or http://127.0.0.1:8000)")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="seconds between steps (default 1.0)")
    parser.add_argument("--jobs", type=int, default=len(DEFAULT_JOBS),
                        help=f"number of applications to play (default {len(DEFAULT_JOBS)})")
    parser.add_argument("--fail-run", metavar="MESSAGE", default=None,
                        help="end the run as failed with this error message")
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    return parser


def plan_jobs(count: int) -> list[dict]:
    """The first ``count`` scripted jobs, cycling through the list if needed."""
    count = max(0, count)
    return [dict(DEFAULT_JOBS[i % len(DEFAULT_JOBS)]) for i in range(count)]


def run(reporter: StatusReporter, pause: float, jobs: Sequence[dict],
        fail_run: str | None = None) -> str:
    """Play the run; returns "completed", "failed" or "stopped"."""

    def step(activity: str, details: dict | None = None) -> None:
        reporter.send_heartbeat(activity, details)
        if reporter.stopped:
            raise StoppedByUser()
        if pause > 0:
            time.sleep(pause)

    try:
        step("browser_opening")
        step("browser_opened")
        step("linkedin_login")
        step("linkedin_login_done")
        step("searching_jobs", {"query": "Software Engineer", "location": "Remote"})
        reporter.increment_jobs_found(len(jobs))
        step("jobs_found", {"count": len(jobs)})
        for index, job in enumerate(jobs, start=1):
            where = {"job_title": job["job_title"], "company": job["company"]}
            step("applying_jobs", {"progress": f"{index}/{len(jobs)}", "current_company": job["company"]})
            step("creating_resume", where)
            reporter.increment_credits_used()
            if job["questions"]:
                step("answering_questions", {**where, "question_count": job["questions"]})
                reporter.increment_credits_used()
            step("submitting_application", where)
            if job["fails"]:
                reporter.increment_jobs_failed()
                step("application_failed", {**where, "error": "Timeout waiting for the submit button"})
            else:
                reporter.increment_jobs_applied()
                step("application_submitted", where)
        step("finalizing")
    except StoppedByUser:
        reporter.complete_session(success=False, error_message="Stopped by user")
        return "stopped"
    if fail_run:
        reporter.complete_session(success=False, error_message=fail_run)
        return "failed"
    reporter.complete_session(success=True)
    return "completed"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(message)s")
    reporter = StatusReporter(args.token, args.server)
    if not reporter.start_session(SIMULATOR_VERSION, platform_module.system().lower() or sys.platform):
        print(f"Could not start a session on {reporter.base_url}: {reporter.last_error}", file=sys.stderr)
        return 2
    reporter.start_periodic_heartbeat()
    try:
        outcome = run(reporter, args.pause, plan_jobs(args.jobs), args.fail_run)
    except KeyboardInterrupt:
        reporter.complete_session(success=False, error_message="Interrupted")
        return 130
    finally:
        reporter.stop_periodic_heartbeat()
    print(f"Simulated run {outcome}: {reporter.stats}")
    return 0 if outcome in ("completed", "stopped") else 1


if __name__ == "__main__":
    sys.exit(main())
