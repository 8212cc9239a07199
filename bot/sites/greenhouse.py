"""Greenhouse's candidate application form (job-boards.greenhouse.io, boards.greenhouse.io, gh_jid embeds).

Public structure used (docs/bot.md, "Application forms"): the posting page carries
the form itself (form#application-form); a company page with ?gh_jid=<id> shows
it in iframe#grnhse_iframe; the submit button reads "Submit application"; a sent
application lands on .../confirmation. Fields are read and filled by label like
any form (generic.GenericFormAdapter): react-select comboboxes, the checkbox
groups, the hidden file inputs behind "Attach" and the location typeahead.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Frame

from .base import JobDetails, JobRef
from .forms import SUCCESS_JS, configured_hosts
from .generic import GenericFormAdapter

HOSTS = {"job-boards.greenhouse.io", "job-boards.eu.greenhouse.io", "boards.greenhouse.io", "boards.eu.greenhouse.io"}
POSTING_PATH = re.compile(r"^/(?:embed/)?(?P<board>[A-Za-z0-9_.-]+)/jobs/(?P<id>\d+)/?$")
EMBED_PATH = re.compile(r"^/embed/job_app/?$")
EMBED_FRAME = "iframe#grnhse_iframe"


class GreenhouseAdapter(GenericFormAdapter):
    name = "Greenhouse"
    source = "greenhouse"
    form_selector = "form#application-form"
    submit_name = re.compile(r"^\s*submit application\s*$", re.I)

    @classmethod
    def job_for_url(cls, url: str) -> tuple[str, JobRef] | None:
        """A board posting (/<board>/jobs/<id>), the embed app (/embed/job_app?for=&token=), or any
        company page carrying ?gh_jid=<id> (the embedded board). $JOBELIX_GREENHOUSE_URL's host counts
        as Greenhouse's (a replica)."""
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        query = parse_qs(parts.query)
        base_url = f"{parts.scheme}://{parts.netloc}"
        if parts.hostname.lower() in HOSTS or parts.netloc in configured_hosts("JOBELIX_GREENHOUSE_URL"):
            match = POSTING_PATH.match(parts.path)
            if match:
                return base_url, JobRef(match["id"], url, "", "")
            token = (query.get("token") or [""])[0]
            if EMBED_PATH.match(parts.path) and token.isdigit():
                return base_url, JobRef(token, url, "", "")
        jid = (query.get("gh_jid") or [""])[0]
        if jid.isdigit():
            return base_url, JobRef(jid, url, "", "")
        return None

    def open_job(self, ref: JobRef) -> JobDetails:
        self.page.goto(ref.url)
        if "gh_jid=" in ref.url:  # the company page loads Greenhouse's embed script, which adds the iframe
            self.page.wait_for_selector(EMBED_FRAME)
            self.form_root().wait_for_load_state()
        return self.read_job(ref)

    def form_root(self) -> Frame:
        frame = self.page.query_selector(EMBED_FRAME)
        content = frame.content_frame() if frame is not None else None
        return content or self.page.main_frame

    def goto_form(self, job: JobDetails) -> None:
        return None  # the form is on the posting page (embedded: in the iframe)

    def confirmation(self, root: Frame, before_url: str) -> str | None:
        """Greenhouse sends a successful application to .../confirmation (embed: /embed/job_app/confirmation)."""
        if not urlsplit(root.url).path.rstrip("/").endswith("/confirmation"):
            return None
        return root.evaluate(SUCCESS_JS) or " ".join(root.locator("body").inner_text().split())[:500]
