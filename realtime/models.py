"""The event log: every event ever published, so clients can resume and poll."""
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from core.wire import iso


class XidField(models.Field):
    """A PostgreSQL `xid8` (a transaction id); only SQL reads it."""

    def db_type(self, connection: Any) -> str:
        return "xid8"


class SnapshotField(models.Field):
    """A PostgreSQL `pg_snapshot` (which transactions were still running); only SQL reads it."""

    def db_type(self, connection: Any) -> str:
        return "pg_snapshot"


class Event(models.Model):
    """One published event. `user` None means global (every subscriber of the channel).

    Its stream is its user's (or the global stream for user None): ids grow in commit
    order within a stream (realtime.services.publish). `xid` (the writing transaction)
    and `horizon` (the snapshot taken just before its id) let a resume "after N" also
    return the events of other streams that were still in flight when N was numbered
    (realtime.selectors.replay), so one id is an exact cursor over every stream.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=32)
    type = models.CharField(max_length=64)
    data = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    xid = XidField(db_default=models.Func(function="pg_current_xact_id", output_field=XidField()),
                   editable=False, null=True)
    horizon = SnapshotField(db_default=models.Func(function="pg_current_snapshot", output_field=SnapshotField()),
                            editable=False, null=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["user", "channel", "id"], name="event_user_channel_id"),
            models.Index(fields=["channel", "id"], name="event_channel_id"),
            models.Index(fields=["xid"], name="event_xid"),
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
