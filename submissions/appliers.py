"""Appliers: the pluggable step that actually applies to one posting.

``settings.SUBMISSIONS_APPLIER`` names a callable ``applier(request: dict) -> dict | None``.
``request`` is plain data (see ``worker.applier_request``): submission_id, job_id,
attempt, target_name, applicant {...}, posting {... url, apply_url ...} or None, and for
appliers that fill forms: answers (the owner's saved answers), review, screenshot_path.
Raising means it failed, and the exception's message is recorded as the submission's
error. Returning None means the application went in; an applier that knows more returns
one of these outcomes (services.pipeline.record_outcome stores them):

* ``{"status": "submitted", "confirmation": str, "screenshot": path | None, "answers": {label: value}}``
* ``{"status": "review", "screenshot": path, "answers": {...}}``: review mode, nothing was sent
  (only an applier whose ``supports_review`` attribute is true is asked for it)
* ``{"status": "needs_answer", "message": str, "questions": [{name, label, kind, options, required}]}``
* ``{"status": "needs_human", "reason": str}``: a captcha or other human check; nothing was sent

Appliers need no Django, so the bot's browser applier (bot.applier.browser_apply, the
default) lives outside the project.

A failure message is shown to the user, so it never carries what a board answered (a
hostile board could echo anything) nor an internal address: only a status or a kind
of failure. Sending goes through the outgoing-fetch guard (core/net.py).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from core.errors import ApplicationError
from core.net import OutgoingAddressRefused, OutgoingPolicy, guarded_client


class ApplyError(ApplicationError):
    """An application the board refused or could not receive.

    It never reaches an HTTP answer: the worker records its message on the submission.
    (``core.errors`` needs no Django, so appliers still do not either.)
    """

    status = 502
    code = "apply_failed"


def _posting(request: dict) -> dict:
    posting = request.get("posting")
    if not posting:
        raise ApplyError("The job posting no longer exists.")
    if not posting.get("active", True):
        raise ApplyError("The job posting is closed.")
    return posting


def record_only(request: dict) -> None:
    """Checks the posting can be applied to and records the submission.

    It sends nothing anywhere (for tests and dry runs); the default applier is the bot's
    browser applier, and ``post_json`` serves boards with a JSON intake.
    """
    posting = _posting(request)
    if not (posting.get("apply_url") or posting.get("url")):
        raise ApplyError("The job posting has no application URL.")


def post_json(request: dict, timeout: float = 15.0, *, policy: OutgoingPolicy | None = None) -> None:
    """POST the applicant as JSON to the posting's apply URL (boards with a JSON intake).

    The URL comes from a scraped board: every hop of the POST passes the outgoing-fetch
    guard (`policy`, default from settings), and the board's reply body is never read.
    """
    from django.conf import settings  # the outgoing-fetch settings; imported here so appliers load without Django

    posting = _posting(request)
    url = posting.get("apply_url") or posting.get("url")
    if not url:
        raise ApplyError("The job posting has no application URL.")
    host = urlsplit(url).hostname or "the board"
    body = {
        "submission_id": request["submission_id"],
        "posting_id": posting["id"],
        "title": posting["title"],
        "applicant": request["applicant"],
    }
    policy = policy or OutgoingPolicy.from_settings()
    try:
        with guarded_client(policy, max_redirects=settings.OUTGOING_MAX_REDIRECTS, timeout=timeout,
                            follow_redirects=True) as client, client.stream("POST", url, json=body) as response:
            status = response.status_code
    except OutgoingAddressRefused as exc:
        raise ApplyError("The application URL leads to an address Jobelix does not send applications to.") from exc
    except httpx.TimeoutException as exc:
        raise ApplyError(f"{host} did not answer in time.") from exc
    except httpx.TooManyRedirects as exc:
        raise ApplyError(f"{host} redirected too many times.") from exc
    except httpx.HTTPError as exc:
        raise ApplyError(f"Could not reach {host}: {exc.__class__.__name__}") from exc
    if status >= 400:
        raise ApplyError(f"The board answered HTTP {status}.")
