"""The bot as a submissions applier: ``SUBMISSIONS_APPLIER=bot.applier.browser_apply``.

The Celery apply worker (submissions.tasks.process_submission_job) calls
``browser_apply(request)`` once per posting; the request is plain data (see
submissions.worker.applier_request). This module applies to that one posting
with the same code as a bot run: the board adapter found from the posting's URL,
Chromium through Playwright, the tailored resume and the rule-based (or model)
answers, with the user's saved answers first. It returns what happened
(submissions.appliers describes the outcome dicts): submitted (the board's
confirmation, a screenshot of the form that was sent), review (review mode: the
form filled and screenshotted, nothing sent), needs_answer (required questions
nobody answered, listed for the user) or needs_human (a captcha: the bot stops).
Any other problem is raised as ApplyError with a message the user can read on
the Submissions page (a form's own validation messages included).

No Django here: the bot ships without the server.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .answers import Answerer
from .llm import LLMClient
from .profile import Profile
from .runner import (
    DEFAULT_CHROMIUM,
    RunConfig,
    apply_to_job,
    board_credentials,
    close_chromium,
    describe_error,
    launch_chromium,
)
from .sites import ADAPTERS, ApplicationError, FormRejected, NeedsAnswer, NeedsHuman, SiteError, adapter_for_url

logger = logging.getLogger(__name__)


class ApplyError(Exception):
    """The application did not go in; the message says why (recorded as the submission's error)."""


class UnsupportedBoard(ApplyError):
    """No bot adapter knows the posting's board."""


def browser_apply(request: dict) -> dict[str, Any]:
    """Apply to request["posting"] in headless Chromium as request["applicant"]; raise ApplyError on failure.

    request["answers"]: the user's saved answers ({question text: answer}); request["review"]: fill
    and screenshot only; request["screenshot_path"]: where the screenshot goes (the filled form in
    review mode, else the form right before it is sent).

    Environment: JOBELIX_CHROMIUM (default /usr/bin/chromium), JOBELIX_BOARD_EMAIL /
    JOBELIX_BOARD_PASSWORD (board login, default the sandbox demo account), JOBELIX_LLM_URL
    (optional model for free-text answers), JOBELIX_BOT_TIMEOUT (page timeout, seconds, default 30).
    """
    posting = request.get("posting")
    if not posting:
        raise ApplyError("The job posting no longer exists.")
    if not posting.get("active", True):
        raise ApplyError("The job posting is closed.")
    urls = [u for u in (posting.get("apply_url"), posting.get("url")) if u]
    if not urls:
        raise ApplyError("The job posting has no application URL.")
    found = next((f for f in map(adapter_for_url, urls) if f is not None), None)
    if found is None:
        raise UnsupportedBoard(f"The bot cannot apply on this board ({urls[0][:200]}); "
                               f"supported: {', '.join(sorted(ADAPTERS))}.")
    adapter_class, base_url, ref = found
    ref.title = ref.title or posting.get("title", "")
    ref.company = ref.company or posting.get("company", "")
    ref.location = ref.location or posting.get("location", "")

    profile = Profile.from_dict(request.get("applicant"))
    answerer = Answerer(profile, LLMClient.from_env())
    chromium = os.environ.get("JOBELIX_CHROMIUM", DEFAULT_CHROMIUM)
    timeout_ms = int(float(os.environ.get("JOBELIX_BOT_TIMEOUT", RunConfig.page_timeout_ms / 1000)) * 1000)
    email, password = board_credentials()
    review = bool(request.get("review"))
    screenshot = Path(request["screenshot_path"]) if request.get("screenshot_path") else None
    if review and screenshot is None:
        raise ApplyError("Review mode needs a screenshot path.")
    saved = {**profile.screening_answers, **(request.get("answers") or {})}

    pw = browser = None
    adapter_name = adapter_class.name
    try:
        with tempfile.TemporaryDirectory(prefix="jobelix-resume-") as resume_dir:
            try:
                pw, browser, page = launch_chromium(chromium)
            except Exception as exc:
                raise ApplyError(f"Could not start the browser: {describe_error(exc)}") from exc
            adapter = adapter_class(page, base_url, timeout_ms)
            if adapter.login_required:
                adapter.login(email, password)
            job, outcome = apply_to_job(adapter, answerer, profile, ref, Path(resume_dir), answers=saved,
                                        review_screenshot=screenshot if review else None,
                                        sent_screenshot=None if review else screenshot)
    except ApplyError:
        raise
    except NeedsAnswer as exc:
        return {"status": "needs_answer", "message": str(exc),
                "questions": [asdict(q) for q in exc.questions]}
    except NeedsHuman as exc:
        return {"status": "needs_human", "reason": exc.reason}
    except FormRejected as exc:
        raise ApplyError(f"{adapter_name} did not accept the form: {'; '.join(exc.messages)}") from exc
    except ApplicationError as exc:
        raise ApplyError(f"{adapter_name} refused the application: {describe_error(exc)}") from exc
    except SiteError as exc:
        raise ApplyError(describe_error(exc)) from exc
    except Exception as exc:  # Playwright timeouts, a crashed browser, a broken page
        raise ApplyError(f"{adapter_name}: {describe_error(exc)}") from exc
    finally:
        close_chromium(pw, browser)
    entered = dict(getattr(outcome, "answers", {}) or {})
    if review:
        return {"status": "review", "screenshot": str(screenshot), "answers": entered}
    if outcome is None or not outcome.submitted:
        raise ApplyError(f"{adapter_name} did not confirm the application.")
    logger.info("submission %s: applied to %s (%s), confirmation %s", request.get("submission_id"), job.url,
                job.title, outcome.confirmation or "-")
    return {"status": "submitted", "confirmation": outcome.confirmation,
            "screenshot": str(screenshot) if screenshot is not None and screenshot.exists() else None,
            "answers": entered}


def supports_url(url: str) -> bool:
    """Whether a bot adapter knows the board of this posting URL (auto-apply only picks those)."""
    return adapter_for_url(url) is not None


browser_apply.supports_review = True  # type: ignore[attr-defined]  # the worker may ask it to only fill
browser_apply.supports_url = supports_url  # type: ignore[attr-defined]
