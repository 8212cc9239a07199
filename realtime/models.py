"""The event log: every event ever published, so clients can resume and poll."""
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from core.wire import iso


class Event(models.Model):
    """One published event. `user` None means global (every subscriber of the channel)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=32)
    type = models.CharField(max_length=64)
    data = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["user", "channel", "id"], name="event_user_channel_id"),
            models.Index(fields=["channel", "id"], name="event_channel_id"),
        ]

    def __str__(self):
        return f"#{self.id} {self.type} ({self.channel})"

    def envelope(self) -> dict:
        return envelope(self.id, self.type, self.channel, self.data, self.created_at)


class PurgeMark(models.Model):
    """The highest event id the retention purge deleted: resuming from below it needs a resync."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    purged_up_to = models.BigIntegerField(default=0)
    purged_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"events purged up to #{self.purged_up_to}"


def envelope(
    event_id: int | None, type_: str, channel: str, data: dict[str, Any], when: datetime | None = None
) -> dict[str, Any]:
    """The wire format of every message: {"id", "type", "channel", "data", "timestamp"}."""
    return {"id": event_id, "type": type_, "channel": channel, "data": data, "timestamp": iso(when or timezone.now())}
