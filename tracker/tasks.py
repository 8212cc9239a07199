"""Celery tasks: thin wrappers over tracker.services; they take ids and are idempotent.

Bound to the project app (not shared_task) so they never follow another Celery app
that becomes "current" in the same process."""
from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime

from jobelix.celery import app
from tracker import services


@app.task(acks_late=True, name="tracker.tasks.analyze_job")
def analyze_job(job_id: int) -> None:
    services.analyze_job(job_id)


@app.task(acks_late=True, name="tracker.tasks.recompute_recommendations_for_user")
def recompute_recommendations_for_user(user_id: int) -> None:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        services.refresh_posting_analyses()
        services.recompute_recommendations(user)


@app.task(acks_late=True, name="tracker.tasks.recompute_recommendations_for_all_users")
def recompute_recommendations_for_all_users(posting_ids=None) -> int:
    """Call after a scrape run: reads new/changed postings once, then recomputes
    every user's recommendations (one task per user)."""
    services.refresh_posting_analyses(posting_ids)
    user_ids = list(services.users_to_recommend_for().values_list("pk", flat=True))
    for user_id in user_ids:
        recompute_recommendations_for_user.delay(user_id)
    return len(user_ids)


def _moment(now: str | None):
    """Beat sends no argument (now); a caller may pass the moment as ISO 8601 (catch-up, tests)."""
    if not now:
        return None
    moment = parse_datetime(now)
    if moment is None:
        raise ValueError(f"not an ISO 8601 datetime: {now!r}")
    return moment


@app.task(acks_late=True, name="tracker.tasks.send_interview_reminders")
def send_interview_reminders(now: str | None = None) -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): interview.reminder 1 day, 1 hour, 15 minutes before."""
    return services.send_interview_reminders(_moment(now))


@app.task(acks_late=True, name="tracker.tasks.send_followup_due")
def send_followup_due(now: str | None = None) -> int:
    """Every 5 minutes: followup.due once for follow-ups due within TRACKER_FOLLOWUP_DUE_HOURS."""
    return services.send_followup_due(_moment(now))
