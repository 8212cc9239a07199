"""Reads for bot sessions, and the one JSON shape of a session (API, events, page)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from core.wire import iso
from sessions_app import activities
from sessions_app.models import STAT_FIELDS, BotSession

HISTORY_WINDOW = timedelta(hours=24)


def serialize_session(session: BotSession, now: datetime | None = None) -> dict[str, Any]:
    """The whole session, as the status endpoint returns it and `bot.session_updated` carries it.

    `elapsed_seconds` is computed here so the page ticks from the server's clock,
    not the browser's.
    """
    now = now or timezone.now()
    activity = activities.describe(session.current_activity)
    end = session.ended_at or now
    data = {
        "id": str(session.id),
        "session_id": str(session.id),
        "user_id": session.user_id,
        "status": session.status,
        "is_active": session.is_active,
        "bot_version": session.bot_version,
        "platform": session.platform,
        "current_activity": session.current_activity,
        "activity_emoji": activity.emoji,
        "activity_message": activity.message,
        "activity_details": session.activity_details,
        "error_message": session.error_message,
        "started_at": iso(session.started_at),
        "last_heartbeat_at": iso(session.last_heartbeat_at),
        "stopped_at": iso(session.stopped_at),
        "completed_at": iso(session.completed_at),
        "updated_at": iso(session.updated_at),
        "elapsed_seconds": max(0, int((end - session.started_at).total_seconds())),
    }
    data.update({name: getattr(session, name) for name in STAT_FIELDS})
    return data


def recent_sessions(user, now: datetime | None = None) -> QuerySet[BotSession]:
    """The user's sessions started in the last 24 hours, newest first."""
    now = now or timezone.now()
    return BotSession.objects.filter(user=user, started_at__gte=now - HISTORY_WINDOW).order_by("-started_at")


def active_session(user) -> BotSession | None:
    return BotSession.objects.filter(user=user, status__in=BotSession.ACTIVE_STATUSES).order_by("-started_at").first()


def status_for(user, now: datetime | None = None) -> dict[str, Any]:
    """`GET /api/autoapply/bot/status`: the current session and the last 24 hours.

    The current session is the live one, else the newest of the last 24 hours
    (so a finished run still shows its summary), else None.
    """
    now = now or timezone.now()
    history = list(recent_sessions(user, now)[:200])
    current = active_session(user) or (history[0] if history else None)
    return {
        "server_time": iso(now),
        "current_session": serialize_session(current, now) if current else None,
        "sessions": [serialize_session(session, now) for session in history],
    }

