"""The auto-apply page in real Chromium, driven by StatusReporter against a live daphne."""
import re
import sys

import pytest
from playwright.sync_api import expect

from bot.reporter import StatusReporter
from sessions_app import services
from sessions_app.models import BotSession


@pytest.fixture
def autoapply_page(new_page, login, live, user):
    def open_page(server=live, wait_live=True):
        page = new_page()
        login(page, server, user)
        page.goto(f"{server.url}/autoapply/")
        if wait_live:
            expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        return page
    return open_page


def test_card_follows_heartbeats_and_stop_reaches_the_bot(autoapply_page, user, reporter_for):
    page = autoapply_page()
    expect(page.locator("#bot-empty")).to_be_visible()
    reporter, _ = reporter_for(user)

    assert reporter.start_session("2.0.0", "linux")
    expect(page.locator("#bot-status")).to_have_text("starting")
    expect(page.locator("#bot-platform")).to_contain_text("linux")

    assert reporter.send_heartbeat("searching_jobs", {"query": "SWE", "location": "Remote"})
    expect(page.locator("#bot-activity-message")).to_have_text("Searching for matching jobs...")
    expect(page.locator("#bot-activity-emoji")).to_have_text("🔍")
    expect(page.locator("#bot-activity-details")).to_contain_text("query: SWE")
    expect(page.locator("#bot-status")).to_have_text("running")

    reporter.increment_jobs_found(25)
    reporter.increment_jobs_applied()
    reporter.increment_jobs_failed(2)
    reporter.increment_credits_used(3)
    assert reporter.send_heartbeat("application_submitted", {"company": "Acme"})
    expect(page.locator("#stat-jobs_found")).to_have_text("25")
    expect(page.locator("#stat-jobs_applied")).to_have_text("1")
    expect(page.locator("#stat-jobs_failed")).to_have_text("2")
    expect(page.locator("#stat-credits_used")).to_have_text("3")
    expect(page.locator("#bot-activity-emoji")).to_have_text("🎉")

    # An unknown code is shown as sent, as text.
    assert reporter.send_heartbeat("<b>custom_step</b>", {"note": "<i>x</i>"})
    expect(page.locator("#bot-activity-message")).to_have_text("<b>custom_step</b>")
    assert page.locator("#bot-card b, #bot-card i").count() == 0

    # The elapsed time ticks while the bot runs.
    elapsed = page.locator("#bot-elapsed")
    first = elapsed.text_content()
    expect(elapsed).not_to_have_text(first, timeout=5000)

    page.click("#bot-stop")
    expect(page.locator("#bot-status")).to_have_text("stopping")
    expect(page.locator("#bot-stopping")).to_be_visible()
    expect(page.locator("#bot-stop")).to_be_hidden()

    assert reporter.send_heartbeat("applying_jobs") is False
    assert reporter.stopped is True
    assert reporter.complete_session(success=False, error_message="Stopped by user")
    expect(page.locator("#bot-status")).to_have_text("stopped")
    expect(page.locator("#bot-summary")).to_contain_text("applied to 1 of 25 jobs found, 2 failed, 3 credits")
    expect(page.locator("#bot-error")).to_have_text("Stopped by user")
    expect(page.locator("#bot-launch-hint")).to_be_visible()  # launching from the page is off here
    expect(page.locator(f'#bot-history tr[data-session-id="{reporter.session_id}"]')).to_contain_text("stopped")
    frozen = elapsed.text_content()
    page.wait_for_timeout(1500)
    assert elapsed.text_content() == frozen  # a finished run's time stands still


def test_finished_run_shows_its_summary_and_keeps_it_after_reload(autoapply_page, user, reporter_for):
    page = autoapply_page()
    reporter, _ = reporter_for(user)
    assert reporter.start_session("2.0.0", "win32")
    reporter.increment_jobs_found(4)
    reporter.increment_jobs_applied(3)
    reporter.increment_jobs_failed(1)
    assert reporter.send_heartbeat("finalizing")
    expect(page.locator("#bot-activity-message")).to_have_text("Finishing up...")
    assert reporter.complete_session(success=True)

    summary = page.locator("#bot-summary")
    expect(summary).to_contain_text("Finished (completed)")
    expect(summary).to_contain_text("applied to 3 of 4 jobs found, 1 failed")
    expect(page.locator("#bot-error")).to_be_hidden()
    expect(page.locator("#bot-stop")).to_be_hidden()

    page.reload()
    expect(page.locator("#bot-summary")).to_contain_text("applied to 3 of 4 jobs found")
    expect(page.locator("#bot-history tbody tr")).to_have_count(1)


def test_card_updates_through_the_polling_fallback_when_the_socket_fails(new_page, login, live, user,
                                                                         reporter_for):
    page = new_page()
    page.route_web_socket(re.compile(r".*/api/v1/ws.*"), lambda ws: ws.close(code=1011))
    login(page, live, user)
    page.goto(f"{live.url}/autoapply/")
    reporter, _ = reporter_for(user)
    assert reporter.start_session("2.0.0", "linux")
    reporter.increment_jobs_found(7)
    assert reporter.send_heartbeat("jobs_found", {"count": 7})
    expect(page.locator("#live-status")).to_have_attribute("data-state", "polling", timeout=20000)
    expect(page.locator("#stat-jobs_found")).to_have_text("7", timeout=20000)
    expect(page.locator("#bot-activity-message")).to_have_text("Jobs retrieved")


def test_launch_button_runs_the_bot_command_and_the_card_follows_it(new_page, login, user, start_daphne,
                                                                    transactional_db):
    command = f"{sys.executable} -m bot.simulate --pause 0.2 --jobs 2"
    server = start_daphne(JOBELIX_DEMO_LAUNCH="1", JOBELIX_BOT_COMMAND=command)
    page = new_page()
    login(page, server, user)
    page.goto(f"{server.url}/autoapply/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    page.click("#bot-launch")
    expect(page.locator("#bot-status")).to_have_text("running", timeout=30000)
    expect(page.locator("#bot-summary")).to_contain_text("Finished (completed)", timeout=60000)
    expect(page.locator("#bot-summary")).to_contain_text("applied to 2 of 2 jobs found")
    launch_again = page.locator("#bot-launch")
    expect(launch_again).to_be_visible()
    expect(launch_again).to_have_text("Launch again")


def test_a_stop_the_bot_never_acknowledges_is_shown_stopped_once_the_window_passes(
        new_page, login, user, start_daphne, make_token, transactional_db, settings):
    """Issue 14: no reaper runs here (no worker, no beat): the card alone stops saying "stopping"
    when the stale window has passed, and the reaper's later event changes nothing visible."""
    window = 8
    server = start_daphne(BOT_SESSION_STALE_AFTER_SECONDS=str(window))
    page = new_page()
    login(page, server, user)
    page.goto(f"{server.url}/autoapply/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#bot-card")).to_have_attribute("data-stale-after-seconds", str(window))

    reporter = StatusReporter(make_token(user), server.url)
    assert reporter.start_session("2.0.0", "linux")
    reporter.increment_jobs_found(4)
    reporter.increment_jobs_applied(1)
    assert reporter.send_heartbeat("applying_jobs", {"progress": "1/4"})
    expect(page.locator("#bot-status")).to_have_text("running")

    page.click("#bot-stop")
    badge = page.locator("#bot-status")
    row = page.locator(f'#bot-history tr[data-session-id="{reporter.session_id}"]')
    expect(badge).to_have_text("stopping")
    expect(page.locator("#bot-stopping")).to_be_visible()
    expect(row).to_contain_text("stopping")
    expect(page.locator("#bot-launch-hint")).to_be_hidden()

    # The bot never comes back. Once the window has passed the run is over.
    expect(badge).to_have_text("stopped", timeout=window * 1000 + 10000)
    expect(page.locator("#bot-stopping")).to_be_hidden()
    expect(page.locator("#bot-summary")).to_contain_text("Finished (stopped)")
    expect(page.locator("#bot-summary")).to_contain_text("applied to 1 of 4 jobs found")
    expect(page.locator("#bot-launch-hint")).to_be_visible()
    expect(row).not_to_contain_text("stopping")
    expect(row).to_contain_text("stopped")
    session = BotSession.objects.get(pk=reporter.session_id)
    assert (session.status, session.completed_at) == ("stopped", None)  # the server has not settled it yet

    page.reload()  # the page's initial state (completed_at still null) renders it over, too
    expect(badge).to_have_text("stopped")
    expect(page.locator("#bot-summary")).to_contain_text("Finished (stopped)")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    row_text = row.text_content()

    settings.BOT_SESSION_STALE_AFTER_SECONDS = window
    assert services.reap_stale_sessions() == 1  # the reaper's visit: an event with completed_at
    assert BotSession.objects.get(pk=reporter.session_id).completed_at == session.stopped_at
    # Barrier: events arrive in order, so once the next run shows, the reaper's event was handled.
    next_run = StatusReporter(make_token(user), server.url)
    assert next_run.start_session("2.0.1", "linux")
    expect(badge).to_have_text("starting")
    expect(page.locator("#bot-history tbody tr")).to_have_count(2)
    assert row.text_content() == row_text  # still stopped, same duration: the run ended at the stop
    assert "stopping" not in page.locator("#bot-history").text_content()
