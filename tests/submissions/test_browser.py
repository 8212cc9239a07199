"""Real Chromium: the customer's progress page and the staff monitor move live while a worker reports."""
import re

import pytest
from playwright.sync_api import expect

from bot.progress import ProgressReporter


@pytest.mark.django_db(transaction=True)
def test_progress_page_and_staff_monitor_follow_a_worker_live(
    daphne_server, new_page, login, make_job, make_token, user, staff_user
):
    job = make_job(user, n=3)
    first, second, third = job.submissions.order_by("position")

    page = login(new_page(), daphne_server, user)
    page.goto(f"{daphne_server.url}/submissions/{job.pk}/")
    card = page.locator("#submission-job")
    expect(card.locator('[data-field="connection"]')).to_have_text("🟢 Live")
    expect(card.locator('[data-field="activity"]')).to_have_text("Waiting for a worker…")
    expect(card.locator('[data-field="total"]')).to_have_text("3")
    recent = page.locator("#recent-submissions li")
    expect(recent).to_have_count(3)
    expect(recent.locator(".badge")).to_have_text(["pending"] * 3)

    monitor = login(new_page(), daphne_server, staff_user)
    monitor.goto(f"{daphne_server.url}/staff/monitor/")
    expect(monitor.locator('[data-field="connection"]')).to_have_text("🟢 Live")
    row = monitor.locator(f'tr[data-job-id="{job.pk}"]')
    expect(row.locator('[data-field="customer"]')).to_have_text("alice")

    reporter = ProgressReporter(daphne_server.url, make_token(user, "worker"))
    assert reporter.report_job_started(job.pk)
    assert reporter.report_submission_started(job.pk, first.pk, first.target_name)
    expect(card.locator('[data-field="activity"]')).to_have_text(f"Processing {first.target_name}…")
    expect(card.locator('[data-field="status"]')).to_have_text("In progress")
    expect(row.locator('[data-field="activity"]')).to_have_text(f"Processing {first.target_name}…")
    expect(recent.first).to_contain_text(first.target_name)
    expect(recent.first.locator(".badge")).to_have_text("submitting")

    assert reporter.report_submission_success(job.pk, first.pk, 1, 0)
    expect(card.locator('[data-field="completed"]')).to_have_text("1")
    expect(card.locator('[data-field="percentage"]')).to_have_text("33.3%")
    expect(card.locator('[data-field="bar"]')).to_have_attribute("style", re.compile(r"width: 33\.33%"))
    expect(recent.first.locator(".badge")).to_have_text("submitted")
    expect(row.locator('[data-field="percentage"]')).to_have_text("33.3%")

    assert reporter.report_submission_started(job.pk, second.pk, second.target_name)
    assert reporter.report_submission_failed(job.pk, second.pk, "<b>captcha</b>", 1, 1)
    expect(card.locator('[data-field="failed"]')).to_have_text("1")
    expect(recent.first).to_contain_text(second.target_name)
    expect(recent.first.locator(".error")).to_have_text("<b>captcha</b>")  # shown as text, never as HTML
    expect(recent.locator(".badge")).to_have_text(["failed", "submitted", "pending"])  # latest first

    # A dropped connection is shown, and the page catches up once it is back.
    page.evaluate(
        "window.connectionShown = [];"
        "Jobelix.realtime.onStatus(function () {"
        "  window.connectionShown.push(document.querySelector('[data-field=connection]').textContent); });"
        "Jobelix.realtime.ws.close();"
    )
    page.wait_for_function("() => window.connectionShown.indexOf('🔴 Reconnecting…') >= 0")
    assert reporter.report_submission_started(job.pk, third.pk, third.target_name)
    assert reporter.report_submission_success(job.pk, third.pk, 2, 1)
    assert reporter.report_job_completed(job.pk, 2, 1)
    expect(card.locator('[data-field="connection"]')).to_have_text("🟢 Live", timeout=20000)
    expect(card.locator('[data-field="status"]')).to_have_text("Completed")
    expect(card.locator('[data-field="activity"]')).to_have_text("Finished.")
    expect(card.locator('[data-field="percentage"]')).to_have_text("100.0%")
    expect(card.locator('[data-field="completed"]')).to_have_text("2")
    expect(recent.locator(".badge")).to_have_text(["submitted", "failed", "submitted"])
    expect(recent.locator(".target")).to_have_text([third.target_name, second.target_name, first.target_name])

    # The monitor lists in-progress jobs only: the finished one leaves it.
    expect(row).to_have_count(0)
    expect(monitor.locator("tr.empty")).to_be_visible()
    expect(monitor.locator("#monitor-last-update")).not_to_have_text("—")
