"""publish(): the one way an event leaves Jobelix (store in PostgreSQL, send through Redis)."""
import asyncio
import json
import logging
import os
import threading
from datetime import datetime, timedelta
from typing import Any

from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Max
from django.db.models.functions import Greatest
from django.utils import timezone

from core.errors import ApplicationError
from core.wire import iso
from realtime import catalogue, events
from realtime.channels import CHANNELS, groups_to_publish
from realtime.models import Event, PurgeMark

logger = logging.getLogger(__name__)


# Any constant key: the transaction-level advisory lock that orders event ids.
EVENT_ORDER_LOCK = 0x4A6F62656C6978  # "Jobelix"

class WireJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but a datetime left in a payload becomes the one wire format (core.wire)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return iso(o)
        return super().default(o)


def publish(user, channel: str, type: str, data: dict[str, Any]) -> Event:
    """Store the event in the caller's transaction; send it through Redis once that commits.

    If Redis is down the event is still stored: clients get it on resume
    (`?last_event_id=`) or from `GET /api/v1/events`. `user` None = global event.

    Event ids must appear in commit order, or a client resuming "after N" could
    skip an event that committed late with a smaller id. So the insert takes a
    transaction-level advisory lock, held until commit: call publish() as the
    last write of a transaction to keep that lock short.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    catalogue.check(type, channel)  # a type the catalogue lacks, or on another channel: refused
    # Normalise to JSON types now, so the stored row and the live message are identical.
    payload = json.loads(json.dumps(data, cls=WireJSONEncoder))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_ORDER_LOCK])
        event = Event.objects.create(user=user, channel=channel, type=type, data=payload)
        transaction.on_commit(lambda: send_event(event))
    return event


def send_event(event: Event) -> bool:
    """Push a stored event to its Redis groups; never raises (the log has it)."""
    message = {"type": "realtime.event", "event": event.envelope()}

    async def send():
        layer = get_channel_layer()
        for group in groups_to_publish(event.user_id, event.channel, event.data):
            await layer.group_send(group, message)

    try:
        _sender.run(send(), timeout=SEND_TIMEOUT_SECONDS)
        return True
    except Exception as exc:
        logger.warning("event %s stored but not sent live (%r); clients will resume it", event.id, exc)
        return False


SEND_TIMEOUT_SECONDS = 5.0


class _Sender:
    """One event loop in a daemon thread, per process, for every live send.

    async_to_sync would build a loop (and so a new Redis connection pool) per call
    and refuses to run beside a running loop; one long-lived loop keeps the
    channel layer's connections warm and works from any thread.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._loop = None
        self._pid = None

    def _ensure_loop(self):
        with self._lock:
            if self._loop is None or self._pid != os.getpid():  # new process after fork
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="realtime-sender", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, coro, timeout):
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure_loop())
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise


_sender = _Sender()


def broadcast(type: str, message: str, severity: str = "info", action_required: bool = False) -> Event:
    """A system notification or maintenance notice to everyone (sent by staff from the admin)."""
    if type not in events.BROADCAST_TYPES:
        raise ApplicationError(f"Broadcasts are {' or '.join(events.BROADCAST_TYPES)}.")
    with transaction.atomic():
        return publish(None, "system", type, events.broadcast_payload(message, severity, action_required))


def purge_old_events(retention_hours: int) -> int:
    """Delete events older than the retention window and remember how far it went."""
    cutoff = timezone.now() - timedelta(hours=retention_hours)
    with transaction.atomic():
        old = Event.objects.filter(created_at__lt=cutoff)
        highest = old.aggregate(m=Max("id"))["m"]
        if highest is None:
            return 0
        deleted, _ = old.delete()
        PurgeMark.objects.get_or_create(pk=1)
        PurgeMark.objects.filter(pk=1).update(
            purged_up_to=Greatest(F("purged_up_to"), highest), purged_at=timezone.now()
        )
    return deleted
