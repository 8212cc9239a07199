"""Reads of the event log: what a user may see, replay after an id, the resync rule."""
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q

from core.errors import NotFound, PermissionDenied
from realtime.channels import base_channel, is_staff_view, parse_id, scoped
from realtime.models import Event, PurgeMark


def visible_events(user_id: int, channels) -> "Q":
    """Events the watched user may see on these channel names (staff views and scoped channels,
    whose access was checked on subscribe, included)."""
    scopes = [scope for scope in map(scoped, channels) if scope is not None]
    plain = [c for c in channels if scoped(c) is None]
    own = sorted({base_channel(c) for c in plain if not is_staff_view(c)})
    staff = sorted({base_channel(c) for c in plain if is_staff_view(c)})
    query = Q(pk__in=[])
    for channel, key, value in scopes:
        query |= Q(channel=channel, **{f"data__{key}": value})
    if own:
        query |= Q(channel__in=own) & (Q(user_id=user_id) | Q(user__isnull=True))
    if staff:
        query |= Q(channel__in=staff)
    return query


def watched_user_id(viewer, wanted: str | None) -> int:
    """Whose events a socket or a poll shows: the viewer's own, or (staff only) those of
    the existing user named by `user_id`. A user_id never grants access by itself."""
    if wanted in (None, "", str(viewer.id)):
        return viewer.id
    if not viewer.is_staff:
        raise PermissionDenied("user_id must be your own.")
    watched = parse_id(wanted)
    if watched is None or not get_user_model().objects.filter(pk=watched).exists():
        raise NotFound("No such user.")
    return watched


@dataclass
class Replay:
    events: list
    resync_required: bool
    last_event_id: int
    has_more: bool = False


def replay(user_id: int, channels, after: int, limit: int | None = None) -> Replay:
    """Events after `after`, in id order, for a resuming client (at most `limit` of them).

    Ids are assigned in commit order (realtime.services.publish), so "after N" loses
    nothing and repeats nothing. Past the retention window (missed events purged, or
    more than REALTIME_RETENTION_EVENTS of them) the client must reload instead:
    resync_required. Below that, a smaller `limit` pages (`has_more`).
    """
    retention = settings.REALTIME_RETENTION_EVENTS
    page = min(limit or retention, retention)
    newest = last_event_id()
    if after > newest or (after > 0 and after < purged_up_to()):
        # Missed events were purged (or the id is from another database): reload.
        return Replay([], True, newest)
    visible = Event.objects.filter(visible_events(user_id, channels), id__gt=after).order_by("id")
    events = list(visible[: page + 1])
    has_more = len(events) > page
    if has_more and (page == retention or visible.values("id")[retention : retention + 1].exists()):
        return Replay([], True, max(after, newest))
    events = events[:page]
    last = max([after] + [e.id for e in events])
    return Replay(events, False, last, has_more)


def purged_up_to() -> int:
    return PurgeMark.objects.filter(pk=1).values_list("purged_up_to", flat=True).first() or 0


def last_event_id() -> int:
    """The newest event id (never below what the purge removed, so it never goes back)."""
    newest = Event.objects.aggregate(newest=Max("id"))["newest"] or 0
    return newest or purged_up_to()


def recent_events(user_id: int, channels, limit: int = 20, up_to: int | None = None) -> list[dict]:
    """The newest events a user may see (ids up to `up_to`), oldest first: what a page shows before live ones."""
    events = Event.objects.filter(visible_events(user_id, channels))
    if up_to is not None:
        events = events.filter(id__lte=up_to)
    events = events.order_by("-id")[:limit]
    return [event.envelope() for event in reversed(events)]
