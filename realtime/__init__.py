"""Realtime: the WebSocket protocol and the event log. `publish` is the one way to send.

    from realtime import publish
    publish(user, "bot", "bot.session_updated", {...})   # inside the write's transaction
"""


def publish(user, channel, type, data):
    from realtime.services import publish as _publish

    return _publish(user, channel, type, data)
