from celery import shared_task
from django.conf import settings

from sessions_app import launch, services


@shared_task(name="sessions_app.reap_stale_sessions")
def reap_stale_sessions() -> int:
    """Beat task (every minute): close sessions silent for 5 minutes as `stale`, settle stops the
    bot never acknowledged as `stopped`; purge old history if set.

    Idempotent: a second run finds nothing left to close.
    """
    reaped = services.reap_stale_sessions()
    services.purge_old_sessions(settings.BOT_SESSION_RETENTION_DAYS)
    return reaped


@shared_task(name="sessions_app.run_hosted_bot")
def run_hosted_bot(user_id: int, api_url: str) -> str:
    """"Launch bot" with the hosted run: the bot runs in this worker (browser queue: it starts Chromium).

    Safe to deliver twice: a copy that finds the user's bot running returns "busy"."""
    return launch.run_hosted(user_id, api_url)
