"""POST /api/worker/update-progress on the server's loop: the workers' hot path.

The ordinary valid update (realtime.fasthttp: host, JSON body, a cached token from
the Bearer header of a scope UpdateProgressView accepts, within the view's throttle
budgets) skips DRF and Django's request cycle. What the token may touch is the
view's rule too (selectors.worker_reach: a user's worker token, a staff member's,
a service worker token on the jobs assigned to it). The progress
rules stay in one place (progress_rules + services.apply_progress_update, which
lock the job and submission rows and publish through the outbox), run on a small
pool of threads of their own, each keeping its PostgreSQL connection: the rules
are Python decisions on the locked rows, so raw SQL would have meant a second
copy of them. A refusal (an ApplicationError: nothing written) goes to the normal
view (submissions.api.UpdateProgressView), which answers it as it always has.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from accounts.models import ApiToken
from core import throttles
from core.errors import ApplicationError
from realtime.fasthttp import Caller, Fallback, Request, fast_path
from submissions import api

logger = logging.getLogger(__name__)
_threads = ThreadPoolExecutor(settings.SUBMISSIONS_PROGRESS_THREADS, thread_name_prefix="progress")


def _apply(body: dict[str, Any], token: ApiToken) -> dict[str, Any] | None:
    """The view's throttles, then its rules; None when the view should answer (429, a refusal)."""
    counted, _ = throttles.count(throttles.windows_of(api.UpdateProgressView.throttle_classes, Caller(token)))
    if counted is None:
        return None
    close_old_connections()  # these threads keep their connection: drop it if it broke or aged out
    try:
        return api.update_progress(body, token)
    except ApplicationError:
        throttles.give_back(counted)  # the view counts it when it answers
        return None
    except Exception:  # nothing committed (the database restarting…): the view answers, 503 or not
        logger.warning("progress fast path failed; the normal view answers", exc_info=True)
        throttles.give_back(counted)
        return None


@fast_path
async def update_progress(request: Request) -> dict[str, Any]:
    """A worker's progress report."""
    body = request.json()
    token = await request.token(api.UpdateProgressView, None)
    answer = await sync_to_async(_apply, thread_sensitive=False, executor=_threads)(body, token)
    if answer is None:
        raise Fallback
    return answer
