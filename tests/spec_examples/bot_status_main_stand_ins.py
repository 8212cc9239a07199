"""Stand-ins for what the spec's `main.py` leaves to the bot: the tiny prelude that lets it run as written.

specs/bot-status-integration.md, Step 3, calls functions it marks "Your existing
function" / "Your function" and reads a `config` it never defines. This runs
main.py (bot_status_main.py, copied unchanged) as `__main__` with those names
in its globals, the way `python main.py --playwright <API_TOKEN>` would run it
inside the bot that defines them:

    python bot_status_main_stand_ins.py main.py --playwright <API_TOKEN>

The search finds three jobs: the first has screening questions, the second's
submission fails. JOBELIX_SPEC_LOGIN_FAILS=1 makes the LinkedIn login fail.
"""
from __future__ import annotations

import os
import runpy
import sys
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Job:
    title: str
    company: str
    has_questions: bool = False
    questions: list[str] = field(default_factory=list)
    submit_fails: bool = False


JOBS = [
    Job("Backend Developer", "Acme Corp", has_questions=True, questions=["Can you work remotely?"]),
    Job("Platform Engineer", "Initech", submit_fails=True),
    Job("Data Engineer", "Globex"),
]


def launch_chromium() -> dict[str, bool]:
    return {"open": True}


def login_to_linkedin(browser: dict[str, bool]) -> None:
    if os.environ.get("JOBELIX_SPEC_LOGIN_FAILS"):
        raise RuntimeError("LinkedIn login failed: captcha")


def search_jobs(browser: dict[str, bool], config: dict[str, str]) -> list[Job]:
    return list(JOBS)


def generate_tailored_resume(job: Job) -> str:
    return f"Resume for {job.title} at {job.company}"


def generate_answers_with_gpt(questions: list[str]) -> list[str]:
    return ["Yes" for _ in questions]


def apply_to_job(browser: dict[str, bool], job: Job, resume: str, answers: list[str] | None) -> None:
    if job.submit_fails:
        raise RuntimeError("Submit button not found")


def cleanup_browser(browser: dict[str, bool]) -> None:
    browser["open"] = False


def stand_ins() -> dict[str, Any]:
    return {
        "config": {"position": "Software Engineer", "location": "Remote"},
        "launch_chromium": launch_chromium,
        "login_to_linkedin": login_to_linkedin,
        "search_jobs": search_jobs,
        "generate_tailored_resume": generate_tailored_resume,
        "generate_answers_with_gpt": generate_answers_with_gpt,
        "apply_to_job": apply_to_job,
        "cleanup_browser": cleanup_browser,
    }


if __name__ == "__main__":
    script = os.path.abspath(sys.argv[1])
    sys.argv = sys.argv[1:]  # main.py sees ["main.py", "--playwright", token], as if run directly
    sys.path.insert(0, os.path.dirname(script))  # like `python main.py`: its directory first
    runpy.run_path(script, init_globals=stand_ins(), run_name="__main__")
