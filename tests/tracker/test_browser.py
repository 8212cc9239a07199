"""In real Chromium: a job posted through the API appears on the open jobs page with
its match badge, and moving a kanban card moves it in a second open tab."""
import re

import httpx
import pytest

from accounts.models import Profile
from tracker import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_job_posted_through_the_api_appears_live_with_its_badge(user, make_token, daphne_server, celery_worker,
                                                                 new_page, login):
    Profile.objects.create(user=user, skills=["Go", "Kubernetes", "PostgreSQL"], desired_titles=["Platform Engineer"],
                           remote_preference="remote", years_experience=6)
    page = login(new_page(), daphne_server, user)
    page.goto(f"{daphne_server.url}/jobs/")
    page.wait_for_selector("#live-status[data-state=live]")

    # Over HTTP like the bot does (Playwright's event loop owns this thread, so no in-process publish).
    response = httpx.post(f"{daphne_server.url}/api/v1/jobs", headers={"Authorization": f"Bearer {make_token(user)}"},
                          json={"company": "Cyberdyne", "job_title": "Platform Engineer", "location": "Remote",
                                "job_description": "## Requirements\n- Go and Kubernetes\n- PostgreSQL\n"
                                                   "## Nice to have\n- Terraform",
                                "job_url": "https://cyberdyne.example/jobs/42", "source": "bot"}, timeout=15)
    assert response.status_code == 201, response.text
    job = response.json()

    row = page.locator(f'#jobs-table tr[data-job-id="{job["id"]}"]')
    row.wait_for()
    assert row.locator("a").inner_text() == "Platform Engineer"
    badge = row.locator(".match-badge")
    badge.locator("text=/Apply now/").wait_for(timeout=30000)
    assert re.match(r"^\d+(\.\d)?% · Apply now$", badge.inner_text())
    assert "apply_now" in badge.get_attribute("class")


def test_moving_a_kanban_card_moves_it_in_a_second_tab(user, daphne_server, new_page, login):
    job, _ = services.create_job(user, company="Soylent", job_title="Frontend Engineer", job_url="https://s.example/9")
    app = services.create_application(user, job.id)
    first = login(new_page(), daphne_server, user)
    second = login(new_page(), daphne_server, user)
    for page in (first, second):
        page.goto(f"{daphne_server.url}/applications/")
        page.wait_for_selector("#live-status[data-state=live]")
    card = f'.kanban-card[data-application-id="{app.id}"]'

    # Drag and drop in the first tab...
    first.drag_and_drop(card, '.kanban-column[data-status="applied"] .kanban-cards')
    second.locator(f'.kanban-column[data-status="applied"] {card}').wait_for()
    assert second.locator('.kanban-column[data-status="applied"] .count').inner_text() == "1"
    assert second.locator('.kanban-column[data-status="saved"] .count').inner_text() == "0"

    # ...and the accessible fallback: pick a status on the card, press Move.
    first.select_option(f"{card} select", "interviewing")
    first.click(f"{card} button:has-text('Move')")
    second.locator(f'.kanban-column[data-status="interviewing"] {card}').wait_for()
    assert second.locator(f"{card} select").input_value() == "interviewing"
    assert first.locator(f'.kanban-column[data-status="interviewing"] {card}').count() == 1

    history = list(app.status_history.order_by("changed_at").values_list("old_status", "new_status"))
    assert history == [("", "saved"), ("saved", "applied"), ("applied", "interviewing")]
