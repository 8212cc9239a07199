"""Stored XSS through scraped links (issue 12, page side), in real Chromium.

Postings, tracker jobs, interviews and recommendations whose link is `javascript:…` (or another
non-http scheme, however disguised) are written straight to the database, as an older,
unsanitised version stored them. The recommendations page (rendered, then redrawn live by
`recommendations.new` from the real service), the tracker pages and every job link on them
are clicked: no dialog opens, no script runs and no href in the DOM has a scheme other than
http(s). The link checks are proved on their own (a context that bypasses the page's CSP);
the policy is then proved to stop a hostile link that would slip through.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import Profile
from scraping.models import Company, JobPosting
from tracker import services
from tracker.models import Interview, Job, Recommendation

pytestmark = pytest.mark.django_db(transaction=True)

PYTHON_JOB = "## Requirements\n- Python and Django\n- PostgreSQL"
PAYLOAD = "alert(document.domain)"
HOSTILE = [
    f"javascript:{PAYLOAD}", f"JaVaScRiPt:{PAYLOAD}", f"  javascript:{PAYLOAD}", f"java\tscript:{PAYLOAD}",
    f"\x01javascript:{PAYLOAD}", f"javascript://jobs.example.com/%0a{PAYLOAD}",
    f"data:text/html,<script>{PAYLOAD}</script>", f"vbscript:{PAYLOAD}",
]
ALL_HREFS = "els => els.map(e => [e.getAttribute('href'), e.href])"


class Watch:
    """Every dialog any page of the context opens (a script ran), and the requests it tried off-site."""

    def __init__(self, context: BrowserContext, own_host: str):
        self.dialogs: list[str] = []
        self.off_site: list[str] = []
        self.own_host = own_host
        context.on("page", self.watch_page)
        context.route("**/*", self.gate)

    def watch_page(self, page: Page) -> None:
        page.on("dialog", self.on_dialog)

    def on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def gate(self, route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != self.own_host:
            self.off_site.append(url)  # the external job links we click: never leave the machine
            route.fulfill(status=200, content_type="text/plain", body="posting")
        else:
            route.continue_()


def bad_hrefs(page: Page) -> list[tuple[str, str]]:
    """Every href in the DOM whose scheme (as the browser resolves it) is not http(s)."""
    found = page.locator("[href]").evaluate_all(ALL_HREFS)
    assert found, f"no href at all on {page.url}"
    return [(raw, resolved) for raw, resolved in found if urlsplit(resolved).scheme not in ("http", "https")]


def click(page: Page, target) -> None:
    """Click a job title: an outside link opens its own tab (closed again), anything else is clicked in place."""
    if target.evaluate("e => e.tagName") == "A" and target.get_attribute("target") == "_blank":
        with page.context.expect_page() as opened:
            target.click()
        opened.value.close()
    else:
        target.click()
        page.wait_for_load_state()


def click_every_link(page: Page, url: str, selector: str) -> int:
    """Open `url` and click the n-th link matched by `selector`, for every n (a click may leave the page)."""
    page.goto(url)
    count = page.locator(selector).count()
    for index in range(count):
        page.goto(url)
        click(page, page.locator(selector).nth(index))
    return count


@pytest.fixture
def hostile_data(user):
    Profile.objects.create(user=user, skills=["Python", "Django", "PostgreSQL"], desired_titles=["Backend Engineer"],
                           remote_preference="remote", years_experience=5)
    board = Company.objects.create(name="Initech", source=Company.Source.GREENHOUSE, board_token="hostile")

    def postings(prefix: str, urls: list[str]) -> None:
        for n, url in enumerate(urls):
            JobPosting.objects.create(company=board, external_id=f"{prefix}{n}", title=f"{prefix} Backend Engineer {n}",
                                      location="Remote", description=PYTHON_JOB, url=url)

    postings("Early", [*HOSTILE[:4], "https://boards.example.com/initech/good"])
    # The user's own tracked job, its link rewritten as an old version stored it, and its interview's.
    job, _ = services.create_job(user, company="Hooli", job_title="Own Backend Engineer", location="Remote",
                                 job_description=PYTHON_JOB, job_url="https://hooli.example/jobs/1")
    services.analyze_job(job.id)
    Job.objects.filter(pk=job.pk).update(job_url=f"javascript:{PAYLOAD}//own-job")
    app = services.create_application(user, job.id)
    interview = services.schedule_interview(user, app.id, interview_type="technical",
                                            scheduled_date=timezone.now() + timedelta(days=2))
    Interview.objects.filter(pk=interview.pk).update(meeting_link=HOSTILE[1])
    services.refresh_posting_analyses()
    services.recompute_recommendations(user)
    return {"job": job, "postings": postings}


def test_hostile_links_never_run_script_rendered_redrawn_or_clicked(user, hostile_data, daphne_server, browser,
                                                                    login):
    context = browser.new_context(bypass_csp=True)  # the link checks alone must hold
    try:
        context.set_default_timeout(15000)
        watch = Watch(context, urlsplit(daphne_server.url).netloc)
        page = context.new_page()
        login(page, daphne_server, user)
        recommendations = f"{daphne_server.url}/recommendations/"

        page.goto(recommendations)
        rendered = Recommendation.objects.filter(user=user)
        assert rendered.filter(url__startswith="javascript:").exists()  # what the page was given
        items = page.locator("#recommendation-list > li")
        expect(items).to_have_count(rendered.count())
        expect(page.locator("#recommendation-list")).to_contain_text("Early Backend Engineer 0")
        assert bad_hrefs(page) == []
        assert page.locator("#recommendation-list a[href^='https://boards.example.com']").get_attribute("rel") \
            == "noopener noreferrer"

        # A live redraw: new hostile postings, recommended through the real service, published to the page.
        page.wait_for_selector("#live-status[data-state=live]")
        hostile_data["postings"]("Late", HOSTILE[4:])
        services.refresh_posting_analyses()
        assert services.recompute_recommendations(user)["count"] == len(HOSTILE[4:])  # recommendations.new
        expect(page.locator("#recommendation-list")).to_contain_text("Late Backend Engineer 3")
        expect(items).to_have_count(Recommendation.objects.filter(user=user).count())
        assert bad_hrefs(page) == []
        external = page.locator("#recommendation-list a[target=_blank]")
        expect(external).to_have_count(1)
        assert external.get_attribute("rel") == "noopener noreferrer"
        assert external.get_attribute("href") == "https://boards.example.com/initech/good"
        # Click every title the redraw made (the outside link and the link-less hostile ones; the
        # internal links are clicked on the rendered page below, as they leave this one).
        titles = page.locator("#recommendation-list > li > :nth-child(2)")
        expect(titles).to_have_count(Recommendation.objects.filter(user=user).count())
        for index in range(titles.count()):
            title = titles.nth(index)
            if title.get_attribute("href") is None or title.get_attribute("target") == "_blank":
                click(page, title)
        assert page.url == recommendations and watch.dialogs == []
        assert click_every_link(page, recommendations, "#recommendation-list a") == 2  # own job, the good posting

        job = hostile_data["job"]
        for path in ("/jobs/", f"/jobs/{job.id}/", "/applications/", "/interviews/"):
            page.goto(f"{daphne_server.url}{path}")
            assert bad_hrefs(page) == [], path
        expect(page.locator(".interview")).to_have_count(1)
        expect(page.locator(".interview")).not_to_contain_text("Join link")
        page.goto(f"{daphne_server.url}/jobs/{job.id}/")
        expect(page.locator("main a", has_text="Posting")).to_have_count(0)
        assert click_every_link(page, f"{daphne_server.url}/jobs/", "#jobs-table tbody a") == 1

        assert watch.dialogs == []
        assert set(watch.off_site) == {"https://boards.example.com/initech/good"}  # the one good link, clicked
    finally:
        context.close()


SLIP_A_LINK_IN = f"""() => {{
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));
  const a = document.createElement('a'); a.id = 'slipped'; a.textContent = ' slipped through';
  a.setAttribute('href', 'javascript:{PAYLOAD}'); document.querySelector('h1').append(a);
}}"""


@pytest.mark.parametrize("policy", ["bypassed", "enforced"])
def test_the_policy_stops_a_hostile_link_that_slipped_through(user, daphne_server, browser, login, policy):
    """With the policy bypassed the slipped-in link runs its script (so the check can fail); enforced, it cannot."""
    context = browser.new_context(bypass_csp=policy == "bypassed")
    try:
        page = login(context.new_page(), daphne_server, user)
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{daphne_server.url}/recommendations/")
        page.evaluate(SLIP_A_LINK_IN)
        page.click("#slipped")
        if policy == "bypassed":
            for _ in range(50):
                if dialogs:
                    break
                page.wait_for_timeout(100)
            assert dialogs == ["127.0.0.1"]  # alert(document.domain) ran
        else:
            page.wait_for_function("() => window.__violations.length > 0")
            assert page.evaluate("window.__violations") == ["script-src-elem"]
            page.wait_for_timeout(300)
            assert dialogs == []
    finally:
        context.close()
