"""Every event type realtime/events.py declares for publish(), through the real service."""
from realtime import events, services


def publish_every_event() -> None:
    """Both staff broadcasts, as the admin form sends them (services.broadcast)."""
    services.broadcast(events.SYSTEM_NOTIFICATION, "Catalogue check: a notification", "info", False)
    services.broadcast(events.SYSTEM_MAINTENANCE, "Catalogue check: maintenance at noon", "critical", True)
