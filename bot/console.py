"""The bot's progress display in the terminal: one line per step, with the running stats."""

from __future__ import annotations

import sys
import time

ACTIVITY_MESSAGES = {
    "browser_opening": "Opening Chrome browser...",
    "browser_opened": "Browser ready",
    "linkedin_login": "Logging into {board}...",
    "linkedin_login_done": "Logged into {board}",
    "searching_jobs": "Searching for matching jobs...",
    "jobs_found": "Jobs retrieved",
    "creating_resume": "Generating tailored resume...",
    "answering_questions": "Answering screening questions...",
    "submitting_application": "Submitting application...",
    "application_submitted": "Application submitted!",
    "application_failed": "Application encountered error",
    "applying_jobs": "Applying to jobs...",
    "finalizing": "Finishing up...",
}

DETAIL_ORDER = ("job_title", "company", "count", "already_applied", "question_count", "progress", "query",
                "location", "error", "dry_run", "reason")


class ConsoleProgress:
    """Writes `HH:MM:SS [found F | applied A | failed X] message - details` lines to a stream."""

    def __init__(self, stream=None, quiet: bool = False):
        self.stream = stream or sys.stdout
        self.quiet = quiet

    def _write(self, line: str) -> None:
        if self.quiet:
            return
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError, UnicodeEncodeError):
            pass  # a closed or odd terminal must not stop the bot

    def activity(self, code: str, details: dict | None, stats: dict) -> None:
        details = details or {}
        message = ACTIVITY_MESSAGES.get(code, code).format(board=details.get("board", "the job board"))
        shown = [f"{k}={details[k]}" for k in DETAIL_ORDER if k in details and details[k] not in (None, "")]
        counters = (f"found {stats.get('jobs_found', 0)} | applied {stats.get('jobs_applied', 0)} | "
                    f"failed {stats.get('jobs_failed', 0)}")
        suffix = f"  ({', '.join(shown)})" if shown else ""
        self._write(f"{time.strftime('%H:%M:%S')} [{counters}] {message}{suffix}")

    def note(self, text: str) -> None:
        self._write(f"{time.strftime('%H:%M:%S')} {text}")

    def summary(self, result) -> None:
        s = result.stats
        self._write("")
        self._write(f"Run {result.outcome}: {s.get('jobs_found', 0)} found, {s.get('jobs_applied', 0)} applied, "
                    f"{s.get('jobs_failed', 0)} failed, {s.get('credits_used', 0)} credits used.")
        if result.error:
            self._write(f"Reason: {result.error}")
        if result.resume_dir:
            self._write(f"Tailored resumes: {result.resume_dir}")
