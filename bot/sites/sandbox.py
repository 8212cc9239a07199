"""Adapter for the sandbox job board (bot/sandbox), driven through Playwright like a real board."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from ..profile import Profile
from .base import ApplicationError, FormQuestion, JobDetails, JobRef, SiteAdapter, SiteError, SubmitResult

READ_CARDS = """cards => cards.map(c => ({
  id: c.dataset.jobId,
  href: c.querySelector('a.job-link').getAttribute('href'),
  title: c.querySelector('a.job-link').textContent.trim(),
  company: (c.querySelector('.company') || {textContent: ''}).textContent.trim(),
  location: (c.querySelector('.location') || {textContent: ''}).textContent.trim(),
}))"""

READ_QUESTIONS = """els => els.map(el => ({
  name: el.dataset.name,
  kind: el.dataset.kind,
  required: el.dataset.required === 'true',
  label: el.querySelector('.question-label').textContent.replace(/\\s*\\*\\s*$/, '').trim(),
  options: el.dataset.kind === 'yesno'
    ? Array.from(el.querySelectorAll('input[type=radio]')).map(r => r.value)
    : Array.from(el.querySelectorAll('option')).map(o => o.value).filter(v => v),
}))"""


class SandboxAdapter(SiteAdapter):
    name = "Sandbox board"
    source = "sandbox"
    max_pages = 20  # guard against a pager that never ends
    job_path = re.compile(r"^/jobs/(\d+)(?:/apply)?/?$")

    @classmethod
    def job_for_url(cls, url: str) -> tuple[str, JobRef] | None:
        """`http://HOST:PORT/jobs/<id>[/apply]` where HOST is loopback (the sandbox binds there) or
        the host of $JOBELIX_BOARD_URL or $JOBELIX_SANDBOX_BOARD_URL (a sandbox served elsewhere)."""
        parts = urlsplit(url or "")
        match = cls.job_path.match(parts.path)
        if parts.scheme not in ("http", "https") or not parts.hostname or match is None:
            return None
        configured = {urlsplit(os.environ.get(name, "")).netloc for name in ("JOBELIX_BOARD_URL",
                                                                             "JOBELIX_SANDBOX_BOARD_URL")}
        if not (_is_loopback(parts.hostname) or parts.netloc in configured - {""}):
            return None
        base_url = f"{parts.scheme}://{parts.netloc}"
        job_id = match.group(1)
        return base_url, JobRef(job_id, f"{base_url}/jobs/{job_id}", "", "")

    def login(self, email: str, password: str) -> None:
        page = self.page
        page.goto(f"{self.base_url}/login")
        page.fill("#email", email)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("#login-button")
        error = page.query_selector(".form-error")
        if error is not None:
            raise SiteError(f"{self.name} refused the login: {error.inner_text().strip()}")

    def search(self, profile: Profile) -> list[JobRef]:
        found: dict[str, JobRef] = {}
        for keywords, location in self.search_queries(profile):
            url = f"{self.base_url}/jobs?{urlencode({'q': keywords, 'location': location})}"
            for _ in range(self.max_pages):
                self.page.goto(url)
                if self.page.query_selector("#results") is None:
                    raise SiteError(f"{self.name}: the search page has no results list ({self.page.url})")
                for card in self.page.eval_on_selector_all("#results li.job-card", READ_CARDS):
                    job_url = urljoin(self.page.url, card["href"])
                    found.setdefault(job_url, JobRef(card["id"], job_url, card["title"], card["company"],
                                                     card["location"]))
                next_link = self.page.query_selector("a.next-page")
                if next_link is None:
                    break
                url = urljoin(self.page.url, next_link.get_attribute("href"))
        return list(found.values())

    def open_job(self, ref: JobRef) -> JobDetails:
        page = self.page
        page.goto(ref.url)
        if page.query_selector("#job") is None:
            raise ApplicationError(f"the job page {ref.url} did not load")
        text = lambda sel: (page.text_content(f"#job {sel}") or "").strip()  # noqa: E731
        return JobDetails(
            id=ref.id, url=ref.url, title=text(".job-title") or ref.title, company=text(".company") or ref.company,
            location=text(".location") or ref.location, description=text(".description"),
            skills=[s.strip() for s in page.eval_on_selector_all("#job .skill", "els => els.map(e => e.textContent)")],
            salary=text(".salary"), employment_type=text(".employment-type"),
        )

    def open_application(self, job: JobDetails) -> list[FormQuestion]:
        page = self.page
        with page.expect_navigation():
            page.click("#apply-button")
        page.wait_for_selector("#application-form")
        return [FormQuestion(**q) for q in page.eval_on_selector_all("#application-form .question", READ_QUESTIONS)]

    def fill_application(self, questions: list[FormQuestion], answers: dict[str, str], resume: Path) -> None:
        page = self.page
        for q in questions:
            field = f'#application-form [name="{q.name}"]'
            if q.kind == "file":
                page.set_input_files(field, str(resume))
                continue
            value = answers.get(q.name)
            if value is None or value == "":
                continue
            if q.kind == "select":
                page.select_option(field, value=value)
            elif q.kind == "yesno":
                page.check(f'{field}[value="{value}"]')
            else:
                page.fill(field, str(value))

    def submit_application(self) -> SubmitResult:
        page = self.page
        with page.expect_navigation():
            page.click("#submit-application")
        confirmation = page.query_selector("#confirmation")
        if confirmation is not None:
            return SubmitResult(True, confirmation.get_attribute("data-application-id") or "")
        error = page.query_selector(".form-error")
        message = " ".join(error.inner_text().split()) if error else f"no confirmation page ({page.url})"
        raise ApplicationError(message[:300])


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
