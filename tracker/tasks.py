"""Celery tasks: thin wrappers over tracker.services; they take ids and are idempotent.

Named "tracker.<function>"; callers import the task object (never send_task by a
name string). acks_late is set once in settings (CELERY_TASK_ACKS_LATE). Bound to
the project app (not shared_task) so they never follow another Celery app that
becomes "current" in the same process."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime

from jobelix.celery import app
from tracker import services
from tracker.analysis import time_budget

# The analysis tasks run on the `analysis` queue (CELERY_TASK_ROUTES) with a soft time limit:
# Celery's (prefork workers) and the analysis' own clock (any pool; tracker/analysis/budget.py).


@app.task(name="tracker.analyze_job", soft_time_limit=settings.TRACKER_ANALYSIS_SOFT_TIME_LIMIT)
def analyze_job(job_id: int) -> None:
    """Past its time budget the job is marked failed ("took too long"), not left analysing."""
    with time_budget(settings.TRACKER_ANALYSIS_SOFT_TIME_LIMIT):
        services.analyze_job(job_id)


@app.task(name="tracker.recompute_recommendations_for_user",
          soft_time_limit=settings.TRACKER_RECOMMENDATIONS_SOFT_TIME_LIMIT)
def recompute_recommendations_for_user(user_id: int, requested: bool = False) -> None:
    """`requested`: queued by the user's refresh, whose "one at a time" mark this clears when done."""
    try:
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is not None:
            with time_budget(settings.TRACKER_RECOMMENDATIONS_SOFT_TIME_LIMIT):
                services.refresh_posting_analyses()
                services.recompute_recommendations(user)
    finally:
        if requested:
            services.recommendations_refresh_done(user_id)


@app.task(name="tracker.recompute_recommendations_for_all_users",
          soft_time_limit=settings.TRACKER_RECOMMENDATIONS_SOFT_TIME_LIMIT)
def recompute_recommendations_for_all_users(posting_ids: Iterable[int] | None = None) -> int:
    """Call after a scrape run: reads new/changed postings once, then recomputes
    every user's recommendations (one task per user)."""
    with time_budget(settings.TRACKER_RECOMMENDATIONS_SOFT_TIME_LIMIT):
        services.refresh_posting_analyses(posting_ids)
    user_ids = list(services.users_to_recommend_for().values_list("pk", flat=True))
    for user_id in user_ids:
        recompute_recommendations_for_user.delay(user_id)
    return len(user_ids)


def _moment(now: str | None) -> datetime | None:
    """Beat sends no argument (now); a caller may pass the moment as ISO 8601 (catch-up, tests)."""
    if not now:
        return None
    moment = parse_datetime(now)
    if moment is None:
        raise ValueError(f"not an ISO 8601 datetime: {now!r}")
    return moment


@app.task(name="tracker.send_interview_reminders")
def send_interview_reminders(now: str | None = None) -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): interview.reminder 1 day, 1 hour, 15 minutes before."""
    return services.send_interview_reminders(_moment(now))


@app.task(name="tracker.send_followup_due")
def send_followup_due(now: str | None = None) -> int:
    """Every 5 minutes: followup.due once for follow-ups due within TRACKER_FOLLOWUP_DUE_HOURS."""
    return services.send_followup_due(_moment(now))
