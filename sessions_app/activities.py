"""The one registry of bot activity codes: emoji and message for each.

The codes are the wire format of ``POST /api/autoapply/bot/heartbeat``
(docs/bot-sessions.md). The auto-apply page gets this registry from the
server-rendered page (``json_script``), so the JavaScript keeps no second copy.
Unknown codes are accepted and shown as sent (escaped).
"""

from __future__ import annotations

from typing import NamedTuple


class Activity(NamedTuple):
    emoji: str
    message: str


ACTIVITIES: dict[str, Activity] = {
    "browser_opening": Activity("🌐", "Opening Chrome browser..."),
    "browser_opened": Activity("✅", "Browser ready"),
    "linkedin_login": Activity("🔐", "Logging into LinkedIn..."),
    "linkedin_login_done": Activity("✅", "Logged into LinkedIn"),
    "searching_jobs": Activity("🔍", "Searching for matching jobs..."),
    "jobs_found": Activity("📋", "Jobs retrieved"),
    "creating_resume": Activity("📄", "Generating tailored resume..."),
    "answering_questions": Activity("💬", "Answering screening questions..."),
    "submitting_application": Activity("📤", "Submitting application..."),
    "application_submitted": Activity("🎉", "Application submitted!"),
    "application_failed": Activity("⚠️", "Application encountered error"),
    "applying_jobs": Activity("⚡", "Applying to jobs..."),
    "finalizing": Activity("🏁", "Finishing up..."),
}

UNKNOWN_EMOJI = "🤖"


def describe(code: str | None) -> Activity:
    """Emoji and message for a code; an unknown code is shown as sent."""
    if not code:
        return Activity("⏳", "Waiting for the bot...")
    return ACTIVITIES.get(code) or Activity(UNKNOWN_EMOJI, code)


def registry_for_client() -> dict[str, dict[str, str]]:
    """The registry as plain JSON for the page (``{% json_script %}``)."""
    return {code: {"emoji": a.emoji, "message": a.message} for code, a in ACTIVITIES.items()}
