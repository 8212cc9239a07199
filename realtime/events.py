"""The realtime app's own event types and their payload builders.

Published (through `services.broadcast`, logged, replayed): the staff broadcasts
`system.notification` and `system.maintenance`. Not published: the consumer's protocol
frames (`id: null`, sent to one socket, never logged), declared with `via_publish=False`
so their schemas are in the catalogue too.
"""
from __future__ import annotations

from typing import Any

from core.wire import now_iso
from realtime.catalogue import BOOL, INT, NULLABLE_INT, STR, STR_LIST, WIRE_TIME, enum, event_type, obj

SEVERITIES = ("info", "warning", "critical")
# system.error codes (docs/realtime.md "Errors").
ERROR_CODES = (
    "invalid_json", "invalid_message", "unknown_action", "unknown_channel", "forbidden_channel",
    "not_subscribed", "frame_too_large", "rate_limited", "invalid_last_event_id", "too_many_sockets",
)

_BROADCAST = obj({"message": STR, "severity": enum(*SEVERITIES), "action_required": BOOL})

SYSTEM_NOTIFICATION = event_type(
    "system.notification", "system", _BROADCAST, "a staff broadcast to everyone (admin form); shown as a toast")
SYSTEM_MAINTENANCE = event_type(
    "system.maintenance", "system", _BROADCAST, "a staff maintenance notice to everyone (admin form)")
BROADCAST_TYPES = (SYSTEM_NOTIFICATION, SYSTEM_MAINTENANCE)


def broadcast_payload(message: str, severity: str, action_required: bool) -> dict[str, Any]:
    return {"message": message, "severity": severity, "action_required": action_required}


# --- the consumer's frames (never published) ----------------------------------------

SYSTEM_CONNECTED = event_type(
    "system.connected", "system",
    obj({"connection_id": STR, "user_id": STR, "channels": STR_LIST, "message": STR, "timestamp": WIRE_TIME}),
    "the welcome: connection id, the watched user, the subscribed channels", via_publish=False)
SYSTEM_SUBSCRIBED = event_type(
    "system.subscribed", "system", obj({"channel": STR, "subscriber_count": NULLABLE_INT}),
    "reply to subscribe (subscriber_count null when Redis cannot tell)", via_publish=False)
SYSTEM_UNSUBSCRIBED = event_type(
    "system.unsubscribed", "system", obj({"channel": STR}), "reply to unsubscribe", via_publish=False)
SYSTEM_CHANNELS = event_type(
    "system.channels", "system", obj({"channels": STR_LIST}), "reply to list_channels", via_publish=False)
SYSTEM_PING = event_type(
    "system.ping", "system", obj({"timestamp": WIRE_TIME}),
    "every REALTIME_PING_INTERVAL seconds; answer with pong", via_publish=False)
SYSTEM_ERROR = event_type(
    "system.error", "system", obj({"code": enum(*ERROR_CODES), "message": STR}),
    "bad input; the connection stays open", via_publish=False)
SYSTEM_RESYNC_REQUIRED = event_type(
    "system.resync_required", "system", obj({"last_event_id": INT, "message": STR}),
    "missed events cannot be replayed: reload, then continue after last_event_id", via_publish=False)


def connected(connection_id: str, user_id: int, channels: list[str]) -> dict[str, Any]:
    return {"connection_id": connection_id, "user_id": str(user_id), "channels": channels,
            "message": "Connected to WebSocket server", "timestamp": now_iso()}


def subscribed(channel: str, subscriber_count: int | None) -> dict[str, Any]:
    return {"channel": channel, "subscriber_count": subscriber_count}


def unsubscribed(channel: str) -> dict[str, Any]:
    return {"channel": channel}


def channel_list(channels: list[str]) -> dict[str, Any]:
    return {"channels": channels}


def ping() -> dict[str, Any]:
    return {"timestamp": now_iso()}


def error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def resync_required(last_event_id: int) -> dict[str, Any]:
    return {"last_event_id": last_event_id, "message": "Missed events are past the retention window; reload."}
