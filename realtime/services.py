"""publish(): the one way an event leaves Jobelix (store in PostgreSQL, send through Redis)."""
import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Max
from django.db.models.functions import Greatest
from django.utils import timezone
from psycopg.types.json import Jsonb

from core.errors import ApplicationError
from core.wire import iso
from realtime import catalogue, events, outbox
from realtime.channels import CHANNELS
from realtime.models import Event, PurgeMark, envelope

logger = logging.getLogger(__name__)


# The advisory-lock class of event streams: pg_advisory_xact_lock(STREAM_LOCK, user id or 0).
STREAM_LOCK = 0x4A42  # "JB"


class WireJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but a datetime left in a payload becomes the one wire format (core.wire)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return iso(o)
        return super().default(o)


def stream_of(user_id: int | None) -> int:
    """The stream key of an event: its user's id, 0 for the global stream."""
    return user_id or 0


def _checked_payload(channel: str, type: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` as it is stored and sent: normalised to JSON types now, so the stored row and the
    live message are identical; a channel or type the catalogue lacks is refused."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    catalogue.check(type, channel)  # a type the catalogue lacks, or on another channel: refused
    return json.loads(json.dumps(data, cls=WireJSONEncoder))


def publish(user, channel: str, type: str, data: dict[str, Any]) -> Event:
    """Store the event in the caller's transaction; hand it to the outbox once that commits.

    If Redis is down the event is still stored: clients get it on resume
    (`?last_event_id=`) or from `GET /api/v1/events`. `user` None = global event.

    Ids grow in commit order within a stream (the user's, or the global one): the
    insert takes that stream's transaction-level advisory lock, held until commit,
    so call publish() as the last write of a transaction. No lock is shared by all
    streams; the resume rule (selectors.replay) covers events of other streams
    that were still in flight. The request never waits for Redis (realtime.outbox).
    """
    payload = _checked_payload(channel, type, data)
    user_id = user.pk if user is not None else None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [STREAM_LOCK, stream_of(user_id)])
        event = Event.objects.create(user=user, channel=channel, type=type, data=payload)
        frame = encode(event.envelope())  # the one encoding: every socket gets this text
        transaction.on_commit(
            lambda: outbox.send(stream_of(user_id), event.id, user_id, channel, frame, payload))
    return event


INSERT_SQL = """
    WITH stream AS (SELECT pg_advisory_xact_lock(%(lock)s, %(stream)s))
    INSERT INTO realtime_event (user_id, channel, type, data, created_at)
    SELECT %(user_id)s, %(channel)s, %(type)s, %(data)s, %(created_at)s FROM stream RETURNING id
"""


async def apublish_and_commit(cursor: Any, user_id: int | None, channel: str,
                              sent: Sequence[tuple[str, dict[str, Any]]], before: str = "") -> None:
    """publish() for the async fast paths, ending their open transaction on `cursor` (an
    AsyncClientCursor of realtime.db): `before` (the transaction's last writes, bound and
    without results), the stream lock and one insert per (type, data) of `sent`, and the
    COMMIT in one statement string, so one round trip; then the events go to the outbox."""
    now = timezone.now()
    payloads, statements = [], [before] if before else []
    for type, data in sent:
        payload = _checked_payload(channel, type, data)
        payloads.append((type, payload))
        statements.append(cursor.mogrify(INSERT_SQL, {
            "lock": STREAM_LOCK, "stream": stream_of(user_id), "user_id": user_id, "channel": channel,
            "type": type, "data": Jsonb(payload), "created_at": now}))
    await cursor.execute("; ".join(statements + ["COMMIT"]))  # bound already: no parameters
    ids = []
    while True:  # the inserts' results are the only ones with rows
        if cursor.description is not None:
            ids.append((await cursor.fetchone())[0])
        if not cursor.nextset():
            break
    for event_id, (type, payload) in zip(ids, payloads, strict=True):
        frame = encode(envelope(event_id, type, channel, payload, now))
        outbox.send(stream_of(user_id), event_id, user_id, channel, frame, payload)


def encode(envelope: dict[str, Any]) -> str:
    """The one encoding of an event: every socket gets this text."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


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
