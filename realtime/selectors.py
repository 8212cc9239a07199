"""Reads of the event log: what a user may see, replay after an id, the resync rule."""
from dataclasses import dataclass
from django.conf import settings
from django.db.models import Max, Q

from realtime.channels import base_channel, is_staff_view
from realtime.models import Event, PurgeMark


def visible_events(user_id: int, channels) -> "Q":
    """Events the watched user may see on these channel names (staff views included)."""
    own = sorted({base_channel(c) for c in channels if not is_staff_view(c)})
    staff = sorted({base_channel(c) for c in channels if is_staff_view(c)})
    query = Q(pk__in=[])
    if own:
        query |= Q(channel__in=own) & (Q(user_id=user_id) | Q(user__isnull=True))
    if staff:
        query |= Q(channel__in=staff)
    return query


@dataclass
class Replay:
    events: list
    resync_required: bool
    last_event_id: int


def replay(user_id: int, channels, after: int, limit: int | None = None) -> Replay:
    """Events after `after`, in id order, for a resuming client.

    Ids are assigned in commit order (realtime.services.publish), so "after N" loses
    nothing and repeats nothing. Past the retention window (too old, or more than REALTIME_RETENTION_EVENTS
    missed) the client must reload instead: resync_required.
    """
    limit = limit or settings.REALTIME_RETENTION_EVENTS
    newest = last_event_id()
    purged_up_to = PurgeMark.objects.filter(pk=1).values_list("purged_up_to", flat=True).first() or 0
    if after > newest or (after > 0 and after < purged_up_to):
        # Missed events were purged (or the id is from another database): reload.
        return Replay([], True, newest)
    events = list(
        Event.objects.filter(visible_events(user_id, channels), id__gt=after).order_by("id")[: limit + 1]
    )
    if len(events) > limit:
        return Replay([], True, max(after, newest))
    last = max([after] + [e.id for e in events])
    return Replay(events, False, last)


def last_event_id() -> int:
    return Event.objects.aggregate(newest=Max("id"))["newest"] or 0
