from celery import shared_task
from django.conf import settings

from realtime import services


@shared_task(name="realtime.purge_old_events")
def purge_old_events() -> int:
    """Beat task: drop events past the retention window (idempotent)."""
    return services.purge_old_events(settings.REALTIME_RETENTION_HOURS)
