"""Realtime: the WebSocket protocol and the event log. `publish` is the one way to send.

    from realtime import publish
    publish(user, channel, events.SOME_TYPE, events.some_payload(obj))  # inside the write's transaction

The type and its payload builder come from the publishing app's events.py (realtime.catalogue).
"""
from typing import Any


def publish(user: Any, channel: str, type: str, data: dict[str, Any]) -> Any:
    from realtime.services import publish as _publish

    return _publish(user, channel, type, data)
