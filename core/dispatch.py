"""Work to start after a commit, kept until the broker has it.

`transaction.on_commit(lambda: task.delay(id))` loses the work when the broker is
down at commit time (and the exception turned the request into a 500 after its
writes had committed). Instead:

    dispatch_on_commit(tasks.analyze_job, job.id)

writes a DispatchIntent row in the caller's transaction and, once it commits,
sends the task; the row is marked dispatched when the broker took the message. If
sending fails, the failure is logged, the answer is unaffected and the row stays:
the `core.redispatch_pending` beat task (every minute) sends rows left
undispatched for DISPATCH_RETRY_AFTER_SECONDS. A task may therefore run twice
(sent, then sent again because marking it failed): every task takes ids and is
idempotent (docs/architecture.md), which makes that harmless.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import DispatchIntent

logger = logging.getLogger(__name__)


def dispatch_on_commit(task: Task, *args: Any, **options: Any) -> None:
    """Record `task(*args)` in the current transaction and send it once that commits.

    `options` are apply_async options (`task_id`, `queue`) and, like `args`, must be JSON.
    Outside a transaction the row is written and the task sent at once.
    """
    transaction.on_commit(record_dispatch(task, *args, **options))


def record_dispatch(task: Task, *args: Any, **options: Any) -> Callable[[], bool]:
    """Write the intent now; return the call that sends it, for the caller's own on_commit.

    dispatch_on_commit() is this plus the on_commit; a caller registers the send itself
    when its on_commit callback should be its own (tests tell callbacks apart by name).
    """
    intent = DispatchIntent.objects.create(task=task.name, args=list(args), options=options)
    return lambda: _send(intent.pk, task, list(args), options)


def _send(intent_id: int, task: Task, args: list[Any], options: dict[str, Any]) -> bool:
    """Hand one intent to the broker; never raises (the row stays for the beat task)."""
    try:
        task.apply_async(args=tuple(args), **options)
    except Exception as exc:  # broker down or unreachable: the beat task sends it later
        logger.warning("could not queue %s%s (intent #%s kept for a retry): %s",
                       task.name, tuple(args), intent_id, exc)
        _mark(intent_id, error=f"{type(exc).__name__}: {exc}")
        return False
    _mark(intent_id, error=None)
    return True


def _mark(intent_id: int, error: str | None) -> None:
    changes: dict[str, Any] = {"attempts": F("attempts") + 1}
    if error is None:
        changes["dispatched_at"] = timezone.now()
    else:
        changes["last_error"] = error[:500]
    try:
        DispatchIntent.objects.filter(pk=intent_id).update(**changes)
    except Exception as exc:  # the database hiccuped: the beat task finds the row as it was
        logger.warning("could not record the dispatch of intent #%s: %s", intent_id, exc)


def failed_to_send(task: Task, *args: Any) -> bool:
    """True when `task(*args)` was asked for, sending it failed, and it has not been sent since."""
    return DispatchIntent.objects.filter(
        task=task.name, args=list(args), dispatched_at__isnull=True, attempts__gt=0).exists()


def redispatch_pending(now=None) -> int:
    """The beat task's body: send intents undispatched for DISPATCH_RETRY_AFTER_SECONDS.

    Stops at the first failure (the broker is still down: the next run tries again).
    Also forgets sent intents older than DISPATCH_KEEP_HOURS, and gives up (with an
    error in the log) on unsent ones that old. Returns how many were sent.
    """
    from jobelix.celery import app

    now = now or timezone.now()
    keep = timedelta(hours=settings.DISPATCH_KEEP_HOURS)
    DispatchIntent.objects.filter(dispatched_at__lt=now - keep).delete()
    for expired in DispatchIntent.objects.filter(dispatched_at__isnull=True, created_at__lt=now - keep):
        logger.error("giving up on %s after %s attempts: %s", expired, expired.attempts, expired.last_error)
        expired.delete()
    app.loader.import_default_modules()  # every app's tasks registered, whatever process runs this
    cutoff = now - timedelta(seconds=settings.DISPATCH_RETRY_AFTER_SECONDS)
    sent = 0
    pending = DispatchIntent.objects.filter(dispatched_at__isnull=True, created_at__lte=cutoff).order_by("created_at")
    for intent_id in list(pending.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            # skip_locked: two beat runs (or two processes) never send the same row at once.
            intent = DispatchIntent.objects.select_for_update(skip_locked=True).filter(
                pk=intent_id, dispatched_at__isnull=True).first()
            if intent is None:
                continue
            task = app.tasks.get(intent.task)
            if task is None:
                logger.error("intent #%s names an unknown task %r", intent.pk, intent.task)
                DispatchIntent.objects.filter(pk=intent.pk).update(last_error=f"unknown task {intent.task!r}")
                continue
            if not _send(intent.pk, task, list(intent.args), dict(intent.options)):
                break
            sent += 1
    return sent
