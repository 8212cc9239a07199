"""The demo in real Chromium: "Launch bot" on the Auto-apply page starts the real bot (python -m bot,
its own headless Chromium) on the sandbox board, and the status card follows it to the summary."""


import pytest
from playwright.sync_api import expect

from bot.sandbox import SandboxBoard

from .test_bot_e2e import (
    PROFILE,  # noqa: F401  (the profile the job_seeker fixture stores)
    job_seeker,  # noqa: F401  (fixture)
)

WATCH_ACTIVITY = """() => {
  window.__activities = [];
  const target = document.getElementById('bot-activity-message');
  new MutationObserver(records => {
    for (const r of records) for (const n of r.addedNodes) window.__activities.push(n.textContent);
  }).observe(target, {childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture
def board():
    with SandboxBoard(slow_seconds=0.2) as sandbox:
        yield sandbox


def test_launch_bot_runs_the_real_bot_and_the_card_shows_it(transactional_db, start_daphne, new_page, login,
                                                             job_seeker, board, tmp_path, chromium_path):  # noqa: F811
    user, _ = job_seeker
    server = start_daphne(JOBELIX_DEMO_LAUNCH="1", JOBELIX_SANDBOX_BOARD_URL=board.url,
                          JOBELIX_BOT_OUTPUT=str(tmp_path / "bot-output"),
                          JOBELIX_CHROMIUM=chromium_path)
    page = new_page()
    login(page, server, user)
    page.goto(f"{server.url}/autoapply/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    page.evaluate(WATCH_ACTIVITY)

    page.click("#bot-launch")
    expect(page.locator("#bot-summary")).to_contain_text("Finished (completed)", timeout=120000)
    expect(page.locator("#bot-summary")).to_contain_text("applied to 4 of 5 jobs found")
    expect(page.locator("#stat-jobs_failed")).to_have_text("1")
    seen = page.evaluate("window.__activities")
    for message in ("Opening Chrome browser...", "Logging into LinkedIn...", "Jobs retrieved",
                    "Generating tailored resume...", "Answering screening questions...",
                    "Submitting application...", "Application submitted!", "Application encountered error",
                    "Finishing up..."):
        assert message in seen, f"{message!r} never shown; saw {seen}"
    assert seen.index("Opening Chrome browser...") < seen.index("Jobs retrieved") < seen.index("Finishing up...")
    assert sorted(a["job_id"] for a in board.applications()) == [1001, 1013, 1015, 1016]
    assert len(list((tmp_path / "bot-output" / "resumes").glob("*.pdf"))) == 5
