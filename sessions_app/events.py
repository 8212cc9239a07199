"""The event types bot sessions publish, their payload schemas and builders.

One type: `bot.session_updated`, the whole session (the same shape as the status
API's sessions, built by `selectors.serialize_session`), after every write.
"""
from __future__ import annotations

from typing import Any

from realtime.catalogue import (
    BOOL,
    INT,
    NULLABLE_OBJECT,
    NULLABLE_WIRE_TIME,
    STR,
    WIRE_TIME,
    event_type,
    obj,
)
from sessions_app.models import STAT_FIELDS, BotSession
from sessions_app.selectors import serialize_session

SESSION_SCHEMA: dict[str, Any] = obj({
    "id": STR,
    "session_id": STR,
    "user_id": INT,
    "status": {"enum": list(BotSession.Status.values)},
    "is_active": BOOL,
    "bot_version": STR,
    "platform": STR,
    "current_activity": STR,
    "activity_emoji": STR,
    "activity_message": STR,
    "activity_details": NULLABLE_OBJECT,
    "error_message": STR,
    "started_at": WIRE_TIME,
    "last_heartbeat_at": NULLABLE_WIRE_TIME,
    "stopped_at": NULLABLE_WIRE_TIME,
    "completed_at": NULLABLE_WIRE_TIME,
    "updated_at": WIRE_TIME,
    "elapsed_seconds": INT,
    **dict.fromkeys(STAT_FIELDS, INT),
})

SESSION_UPDATED = event_type(
    "bot.session_updated", "bot", SESSION_SCHEMA,
    "Every write to a bot session (start, heartbeat, complete, stop, stale): the whole session.",
)


def session_updated(session: BotSession) -> dict[str, Any]:
    """The `bot.session_updated` payload: the session as the status API shows it."""
    return serialize_session(session)
