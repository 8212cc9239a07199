"""Lever's candidate application form (jobs.lever.co/<company>/<posting id>/apply).

Public structure used (docs/bot.md, "Application forms"): the form is on the
posting URL + /apply (form#application-form); each question sits in an
li.application-question whose .application-label holds its title (custom
question cards have no <label> tied to their controls); the location box shows
its suggestions in .dropdown-results; a sent application lands on .../thanks.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Frame, Locator

from .base import JobDetails, JobRef
from .forms import SUCCESS_JS, Field, configured_hosts
from .generic import GenericFormAdapter

HOSTS = {"jobs.lever.co", "jobs.eu.lever.co"}
POSTING_PATH = re.compile(r"^/(?P<company>[^/]+)/(?P<id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                          r"[0-9a-fA-F]{12})(?:/apply)?/?$")


class LeverAdapter(GenericFormAdapter):
    name = "Lever"
    source = "lever"
    form_selector = "form#application-form"
    question_container = "li.application-question"
    question_title = ".application-label"
    submit_name = re.compile(r"^\s*submit application\s*$", re.I)

    @classmethod
    def job_for_url(cls, url: str) -> tuple[str, JobRef] | None:
        """jobs.lever.co/<company>/<uuid>[/apply] (EU host too; $JOBELIX_LEVER_URL's host for a replica).
        The posting URL, without /apply, is the job's identity."""
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        if parts.hostname.lower() not in HOSTS and parts.netloc not in configured_hosts("JOBELIX_LEVER_URL"):
            return None
        match = POSTING_PATH.match(parts.path)
        if match is None:
            return None
        base_url = f"{parts.scheme}://{parts.netloc}"
        return base_url, JobRef(match["id"].lower(), f"{base_url}/{match['company']}/{match['id']}", "", "")

    def goto_form(self, job: JobDetails) -> None:
        if not urlsplit(self.page.url).path.rstrip("/").endswith("/apply"):
            self.page.goto(job.url.rstrip("/") + "/apply")

    def suggestions(self, field: Field) -> Locator:
        return self.form_root().locator(".dropdown-results > *")

    def confirmation(self, root: Frame, before_url: str) -> str | None:
        """Lever answers a sent form with .../thanks ("Application submitted!")."""
        if not urlsplit(root.url).path.rstrip("/").endswith("/thanks"):
            return None
        return root.evaluate(SUCCESS_JS) or " ".join(root.locator("body").inner_text().split())[:500]
