"""Ashby's candidate application form (jobs.ashbyhq.com/<org>/<posting id>/application).

Public structure used (docs/bot.md, "Application forms"): one
.ashby-application-form-field-entry per question with its title label
(.ashby-application-form-question-title); Yes/No questions are two buttons; the
button reads "Submit Application"; the form is sent by the GraphQL operation
ApiSubmitSingleApplicationFormAction (POST .../non-user-graphql?op=...), whose
reply says FormSubmitSuccess, and the confirmation then replaces the form in
place (same URL).
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Response

from .base import ApplicationError, JobDetails, JobRef
from .forms import SUCCESS_JS, FormResult, NeedsHuman, configured_hosts
from .generic import GenericFormAdapter

HOSTS = {"jobs.ashbyhq.com"}
POSTING_PATH = re.compile(r"^/(?P<org>[^/]+)/(?P<id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                          r"[0-9a-fA-F]{12})(?:/application)?/?$")
SUBMIT_OPERATION = re.compile(r"non-user-graphql\?op=ApiSubmit\w*Form\w*Action")
SPAM = re.compile(r"spam|recaptcha", re.I)


class AshbyAdapter(GenericFormAdapter):
    name = "Ashby"
    source = "ashby"
    question_container = ".ashby-application-form-field-entry"
    question_title = ".ashby-application-form-question-title, label"  # the titled label, else the entry's first label
    required_marker = '[class*="_required"]'
    contained_only = True  # the "Autofill from resume" uploader above the form is not a question
    submit_name = re.compile(r"^\s*submit application\s*$", re.I)

    @classmethod
    def job_for_url(cls, url: str) -> tuple[str, JobRef] | None:
        """jobs.ashbyhq.com/<org>/<uuid>[/application] ($JOBELIX_ASHBY_URL's host for a replica).
        The posting URL, without /application, is the job's identity."""
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        if parts.hostname.lower() not in HOSTS and parts.netloc not in configured_hosts("JOBELIX_ASHBY_URL"):
            return None
        match = POSTING_PATH.match(parts.path)
        if match is None:
            return None
        base_url = f"{parts.scheme}://{parts.netloc}"
        return base_url, JobRef(match["id"].lower(), f"{base_url}/{match['org']}/{match['id']}", "", "")

    def __init__(self, page, base_url: str, timeout_ms: int = 30_000):
        super().__init__(page, base_url, timeout_ms)
        self._response: Response | None = None
        self._reply: dict[str, Any] | None = None
        self._replied = 0.0

    def goto_form(self, job: JobDetails) -> None:
        if not urlsplit(self.page.url).path.rstrip("/").endswith("/application"):
            self.page.goto(job.url.rstrip("/") + "/application")

    def wait_for_form(self, root: Frame) -> None:
        root.locator(self.question_container).first.wait_for(state="visible")  # after "Fetching application form"

    def click_submit(self, button: Locator) -> None:
        """Click and watch for the submit operation's reply: it, not the page text, says whether Ashby
        took the application. (A captcha may come first and hold the request back.)"""
        self._response, self._reply = None, None
        self.page.on("response", self._watch)
        button.click()

    def _watch(self, response: Response) -> None:
        if SUBMIT_OPERATION.search(response.url):
            self._response = response

    def _result(self) -> dict[str, Any]:
        data = (self._reply or {}).get("data") or {}
        action = next(iter(data.values()), None) or {}
        return action.get("applicationFormResult") or {}

    def confirmation(self, root: Frame, before_url: str) -> str | None:
        if self._result().get("__typename") != "FormSubmitSuccess":
            return None
        text = root.evaluate(SUCCESS_JS)  # the page swaps the form for its message right after the reply
        return text or ("Application submitted" if time.monotonic() - self._replied > 3 else None)

    def await_outcome(self, root: Frame, before_url: str) -> FormResult:
        deadline = time.monotonic() + self.timeout_ms / 1000
        try:
            while self._response is None:
                self.check_human()
                if time.monotonic() > deadline:
                    raise ApplicationError(f"{self.name}: the form sent no application after Submit")
                self.page.wait_for_timeout(150)
        finally:
            self.page.remove_listener("response", self._watch)
        self._replied = time.monotonic()
        try:
            self._reply = self._response.json()
        except (PlaywrightError, ValueError):
            raise ApplicationError(f"{self.name}: the submit request got no readable reply") from None
        if self._result().get("__typename") != "FormSubmitSuccess" and SPAM.search(str(self._reply)):
            raise NeedsHuman(f"{self.name} flagged the application as possible spam")
        return super().await_outcome(root, before_url)
