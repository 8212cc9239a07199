"""The scraping page in real Chromium: Start, the bar and the grid move live, the run lands in the history."""
import uuid

import pytest
from playwright.sync_api import expect

from scraping.models import Company, ScrapeRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_start_moves_the_bar_and_grid_live_and_ends_in_history(
    live_boards, scrape_queue, start_daphne, new_page, login, staff_user
):
    for i, latency in enumerate([0.3, 0.6, 0.9, 1.2, 1.5, 1.8]):
        source = ("greenhouse", "lever", "ashby", "jsonld")[i % 4]
        token = f"page-{i}-{uuid.uuid4().hex[:6]}"
        live_boards.add_company(source, token, count=i + 1)
        live_boards.slow(token, latency)
        Company.objects.create(name=f"Company {i}", **live_boards.company_fields(source, token))
    server = start_daphne(SCRAPING_QUEUE=scrape_queue)
    page = new_page()
    login(page, server, staff_user)
    page.goto(f"{server.url}/scraping/")
    page.wait_for_selector("#live-status[data-state=live]")
    assert page.locator("#panel-empty").is_visible()
    # Remember every value the bar and the grid take, and prove the page never reloads.
    page.evaluate(
        """() => {
        window.__stayed = true;
        window.__progress = [];
        window.__rowStates = [];
        new MutationObserver(() => window.__progress.push(+document.getElementById('run-progress').getAttribute('aria-valuenow')))
          .observe(document.getElementById('run-progress'), {attributes: true});
        new MutationObserver(() => window.__rowStates.push(
            Array.from(document.querySelectorAll('#company-grid .c-status')).map(td => td.textContent).join(',')))
          .observe(document.querySelector('#company-grid tbody'), {subtree: true, childList: true, characterData: true});
    }"""
    )

    page.click("#scrape-start")
    page.wait_for_function("() => document.querySelectorAll('#company-grid tbody tr').length === 6")
    assert page.locator("#scrape-start").is_disabled() and page.locator("#scrape-stop").is_enabled()
    page.wait_for_function("() => document.getElementById('run-status').textContent === 'completed'", timeout=30000)

    run = ScrapeRun.objects.get()
    assert run.status == "completed" and run.jobs_found == 21
    progress = page.evaluate("window.__progress")
    assert any(0 < value < 100 for value in progress), progress  # the bar moved between start and end
    assert progress[-1] == 100
    row_states = page.evaluate("window.__rowStates")
    assert any("completed" in s and ("running" in s or "pending" in s) for s in row_states), row_states
    assert page.locator("#run-progress-text").inner_text() == "100%"
    assert page.locator("#run-jobs-found").inner_text() == "21"
    grid = page.locator("#company-grid tbody tr")
    assert [grid.nth(i).locator(".c-status").inner_text() for i in range(6)] == ["completed"] * 6
    assert grid.nth(5).locator(".c-jobs").inner_text() == "6"
    history = page.locator(f"#run-history tbody tr[data-run-id='{run.pk}']")
    expect(history).to_contain_text("completed")
    expect(history).to_contain_text("21")
    assert page.locator(f"#runs-chart rect.bar[data-run-id='{run.pk}']").count() == 1
    assert page.locator("#scrape-reset").is_enabled() and page.locator("#scrape-start").is_enabled()
    assert page.evaluate("window.__stayed") is True

    page.click("#scrape-reset")
    page.wait_for_selector("#live-panel", state="hidden")
    assert page.locator(f"#run-history tbody tr[data-run-id='{run.pk}']").count() == 1


def test_users_who_are_not_staff_watch_read_only(live_boards, scrape_queue, start_daphne, new_page, login, user):
    from scraping import services

    token = f"watch-{uuid.uuid4().hex[:6]}"
    live_boards.add_company("lever", token, count=2)
    live_boards.slow(token, 1.0)
    Company.objects.create(name="Watched", source="lever", board_token=token)
    server = start_daphne(SCRAPING_QUEUE=scrape_queue)
    page = new_page()
    login(page, server, user)
    page.goto(f"{server.url}/scraping/")
    page.wait_for_selector("#live-status[data-state=live]")
    assert page.locator("#scrape-start").count() == 0 and page.get_by_text("read-only").is_visible()
    services.start_run(None)
    page.wait_for_function("() => document.getElementById('run-status').textContent === 'completed'", timeout=30000)
    assert page.locator("#company-grid .c-name").inner_text() == "Watched"
    assert page.locator("#run-jobs-found").inner_text() == "2"
