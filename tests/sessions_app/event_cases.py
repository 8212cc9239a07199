"""Every event type sessions_app declares, published through the real services.

`publish_every_event()` runs inside a test marked django_db(transaction=True)
(tests/sessions_app/test_events_catalogue.py, tests/realtime/test_catalogue.py).
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from sessions_app import services, tasks
from sessions_app.models import BotSession

ZERO = {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}


def publish_every_event() -> None:
    """bot.session_updated from each write: start, heartbeat, stop, complete, and the reaper (stale, settled stop)."""
    user = get_user_model().objects.create_user(f"events-bot-{uuid.uuid4().hex[:8]}")

    session = services.start_session(user, "1.0.0", "linux")
    services.record_heartbeat(user, session.id, "creating_resume", {"company": "Acme"}, {**ZERO, "jobs_found": 3})
    services.record_heartbeat(user, session.id, "made_up_activity", None, {**ZERO, "jobs_found": 3})
    services.complete_session(user, session.id, True, None, {**ZERO, "jobs_found": 3, "jobs_applied": 2})

    stopped = services.start_session(user, "1.0.0", "darwin")
    services.stop_session(user)
    services.complete_session(user, stopped.id, False, "Stopped by user", ZERO)

    # Stopped, and the bot never acknowledged: the reaper settles it (still `stopped`, now with completed_at).
    unacknowledged = services.start_session(user, "1.0.0", "linux")
    services.stop_session(user)
    BotSession.objects.filter(pk=unacknowledged.pk).update(stopped_at=timezone.now() - timedelta(hours=1))

    silent = services.start_session(user, "1.0.0", "win32")
    BotSession.objects.filter(pk=silent.pk).update(last_heartbeat_at=timezone.now() - timedelta(hours=1))
    tasks.reap_stale_sessions()  # the Celery task body, as a plain call
