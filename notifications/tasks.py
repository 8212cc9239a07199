"""Celery tasks of notifications: thin wrappers over notifications.services; they take ids.

Delivery retries a bounded number of times (NOTIFICATIONS_MAX_RETRIES, backing off from
NOTIFICATIONS_RETRY_SECONDS); what went out is never sent again (services.deliver)."""
from __future__ import annotations

from django.conf import settings

from jobelix.celery import app
from notifications import services


@app.task(name="notifications.notify_scrape_run")
def notify_scrape_run(run_id: int) -> int:
    return services.notify_scrape_run(run_id)


@app.task(name="notifications.notify_bot_session")
def notify_bot_session(session_id: str) -> int:
    return services.notify_bot_session(session_id)


@app.task(name="notifications.deliver", bind=True)
def deliver(self, notification_id: int) -> bool:
    try:
        return services.deliver(notification_id)
    except services.DeliveryFailed as exc:
        raise self.retry(exc=exc, max_retries=settings.NOTIFICATIONS_MAX_RETRIES,
                         countdown=settings.NOTIFICATIONS_RETRY_SECONDS * 2 ** self.request.retries)
