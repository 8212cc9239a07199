"""In real Chromium: the schedule form (a cron schedule, its next run, pause, resume), the
notification settings on the profile page, the CSV download links, and the health panel
(updated live) with the staff debug panel of raw `scraping` events."""
import csv
import io
import zoneinfo
from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.wire import iso
from notifications.models import NotificationSettings
from scraping import services as scraping
from scraping.models import Company, JobPosting
from tracker import services as tracker

pytestmark = pytest.mark.django_db(transaction=True)


def next_local(tz: str, hour: int, minute: int):
    local = timezone.now().astimezone(zoneinfo.ZoneInfo(tz))
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (candidate + timedelta(days=1)).replace(hour=hour, minute=minute)
    return candidate.astimezone(UTC)


def test_staff_create_a_cron_schedule_see_its_next_run_pause_and_resume_it(daphne_server, new_page, login,
                                                                           staff_user):
    Company.objects.create(name="Acme", source="lever", board_token="acme")
    page = login(new_page(), daphne_server, staff_user)
    page.goto(f"{daphne_server.url}/scraping/")
    form = page.locator("#schedule-form")
    form.locator("input[name=name]").fill("nightly")
    form.locator("input[name=kind][value=cron]").check()
    form.locator("input[name=minute]").fill("30")
    form.locator("input[name=hour]").fill("3")
    form.locator("select[name=timezone]").select_option("Europe/Paris")
    form.locator("summary").click()
    form.get_by_label("Acme").check()
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Schedule saved.")
    row = page.locator("#schedule-list tr", has_text="nightly")
    expect(row.locator(".s-when")).to_have_text("30 3 * * * (Europe/Paris)")
    expect(row.locator(".s-next time")).to_have_attribute("datetime", iso(next_local("Europe/Paris", 3, 30)))
    expect(row.locator(".s-next time")).not_to_have_text(iso(next_local("Europe/Paris", 3, 30)))  # shown locally
    expect(row).to_contain_text("1 chosen")

    row.locator(".s-pause").click()
    expect(page.locator(".messages")).to_contain_text("Schedule nightly paused.")
    row = page.locator("#schedule-list tr", has_text="nightly")
    expect(row.locator(".s-state")).to_have_text("paused")
    expect(row.locator(".s-next")).to_have_text("paused")
    row.locator(".s-resume").click()
    row = page.locator("#schedule-list tr", has_text="nightly")
    expect(row.locator(".s-state")).to_have_text("active")
    expect(row.locator(".s-next time")).to_have_count(1)

    row.locator(".s-edit").click()  # Edit fills the form with the schedule
    expect(form.locator("input[name=name]")).to_have_value("nightly")
    expect(form.locator("input[name=hour]")).to_have_value("3")
    expect(form.locator("select[name=timezone]")).to_have_value("Europe/Paris")


def test_notification_settings_on_the_profile_page(daphne_server, new_page, login, user):
    page = login(new_page(), daphne_server, user)
    page.goto(f"{daphne_server.url}/profile/")
    section = page.locator("#notifications")
    expect(section).to_contain_text("alice@example.com")
    expect(section.locator("input[name=scrape_problems]")).to_have_count(0)  # staff only
    section.get_by_label("Email me").check()
    section.get_by_label("Webhook URL").fill("https://hooks.example/services/T0/B0/x")
    section.get_by_label("Minimum match score").fill("70")
    section.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Notification settings saved.")
    expect(section.get_by_label("Webhook URL")).to_have_value("https://hooks.example/services/T0/B0/x")
    expect(section.get_by_label("Email me")).to_be_checked()
    row = NotificationSettings.objects.get(user=user)
    assert row.email_enabled and row.min_match_score == 70

    section.get_by_label("Webhook URL").fill("javascript:alert(1)")
    page.evaluate("document.getElementById('notification-settings').noValidate = true")
    section.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Notification settings not saved")
    assert NotificationSettings.objects.get(user=user).webhook_url == "https://hooks.example/services/T0/B0/x"


def read_download(page, click) -> list[list[str]]:
    with page.expect_download() as info:
        click()
    download = info.value
    with open(download.path(), encoding="utf-8") as handle:
        return list(csv.reader(io.StringIO(handle.read())))


def test_export_links_download_csv(daphne_server, new_page, login, staff_user, settings):
    settings.SCRAPING_QUEUE = "seeds-e2e-nobody"  # the run below is never scraped
    acme = Company.objects.create(name="Acme", source="lever", board_token="acme")
    now = timezone.now()
    for n, title in enumerate(["Backend Engineer", "=HYPERLINK(\"http://evil\")", "Designer"]):
        JobPosting.objects.create(company=acme, external_id=str(n), title=title, first_seen=now, last_seen=now)
    run = scraping.start_run(staff_user)
    scraping.stop_run(staff_user)
    job, _ = tracker.create_job(staff_user, company="Acme", job_title="Backend Engineer")
    app = tracker.create_application(staff_user, job.pk, "saved")
    tracker.change_status(staff_user, app.pk, "applied")

    page = login(new_page(), daphne_server, staff_user)
    page.goto(f"{daphne_server.url}/scraping/")
    page.locator("#postings-export input[name=q]").fill("e")
    rows = read_download(page, lambda: page.click("#export-postings"))
    assert rows[0][:6] == ["posting_id", "company_id", "company", "source", "external_id", "title"]
    assert sorted(r[5] for r in rows[1:]) == ["'=HYPERLINK(\"http://evil\")", "Backend Engineer", "Designer"]

    rows = read_download(page, lambda: page.click("#export-runs"))
    assert rows[1][:2] == [str(run.pk), "stopped"] and rows[1][7] == "Acme"

    page.goto(f"{daphne_server.url}/applications/")
    rows = read_download(page, lambda: page.click("#export-applications"))
    assert rows[0][-1] == "status_history" and rows[1][5] == "applied"
    assert rows[1][-1].endswith("saved -> applied")


def test_the_health_panel_updates_live_and_staff_see_raw_scraping_events(daphne_server, new_page, login,
                                                                         staff_user, settings):
    settings.SCRAPING_QUEUE = "seeds-e2e-nobody"
    Company.objects.create(name="Acme", source="lever", board_token="acme")
    page = login(new_page(), daphne_server, staff_user)
    page.goto(f"{daphne_server.url}/scraping/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#h-process")).to_contain_text("CPU")
    expect(page.locator("#h-queues")).to_contain_text("celery:")
    expect(page.locator("#h-redis")).to_contain_text("memory")
    expect(page.locator("#h-database")).to_contain_text("connections")
    first = page.locator("#health-updated").get_attribute("datetime")
    # The poll (every 10 s) brings a new reading without any event or reload.
    page.wait_for_function(
        f"() => document.getElementById('health-updated').getAttribute('datetime') !== {first!r}", timeout=25_000)

    page.locator("#debug-panel summary").click()
    expect(page.locator("#debug-connection")).to_have_text("live")
    run = scraping.start_run(staff_user)
    raw = page.locator("#debug-events li code", has_text=f'"run_id":{run.pk},')
    expect(raw.first).to_contain_text('"type":"scraping.run_updated"')
    expect(raw.first).to_contain_text('"channel":"scraping"')
    expect(page.locator("#h-active")).to_have_text("1")  # a run changing refreshes the health panel too
    scraping.stop_run(staff_user)
    expect(page.locator("#debug-events li", has_text='"status":"stopped"')).to_have_count(1)
    expect(page.locator("#h-active")).to_have_text("0")
    assert int(page.locator("#debug-count").inner_text()) >= 2
