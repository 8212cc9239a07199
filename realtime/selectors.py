"""Reads of the event log: what a user may see, replay after an id, the resync rule."""
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q
from django.db.models.expressions import RawSQL

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
    the existing user named by `user_id`, a numeric id or a username (the spec's clients
    send either). A user_id never grants access by itself."""
    if wanted in (None, "", str(viewer.id), viewer.get_username()):
        return viewer.id
    if not viewer.is_staff:
        raise PermissionDenied("user_id must be your own.")
    users = get_user_model().objects
    watched = parse_id(wanted)
    found = users.filter(pk=watched).values_list("pk", flat=True).first() if watched is not None else None
    if found is None:
        found = users.filter(**{get_user_model().USERNAME_FIELD: wanted}).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound("No such user.")
    return found


@dataclass
class Replay:
    events: list
    resync_required: bool
    last_event_id: int
    has_more: bool = False


# Events numbered before N whose transaction had not committed when N's snapshot was
# taken (the horizon of the newest event at or below N): they may commit after N.
# N's own transaction commits with N: its other events are not "later".
IN_FLIGHT_BEFORE = """
    SELECT e.id FROM realtime_event e,
        (SELECT horizon, xid FROM realtime_event WHERE id <= %s AND horizon IS NOT NULL
         ORDER BY id DESC LIMIT 1) h
    WHERE e.id < %s AND e.xid >= pg_snapshot_xmin(h.horizon) AND e.xid <> h.xid
      AND NOT pg_visible_in_snapshot(e.xid, h.horizon)
"""


def after_cursor(after: int) -> Q:
    """Every event a client that has seen `after` may still be missing.

    Ids grow in commit order within a stream (a user's, the global one), not across
    streams: an event of another stream can take a smaller id and commit later. Each
    event stores the snapshot taken just before its id; whatever was still running
    then is returned too (a client may get it twice: dedupe by id), so one id is an
    exact cursor over every stream a client follows, staff views included.
    """
    if after <= 0:
        return Q(id__gt=after)
    return Q(id__gt=after) | Q(pk__in=RawSQL(IN_FLIGHT_BEFORE, [after, after]))


def replay(user_id: int, channels, after: int, limit: int | None = None) -> Replay:
    """Events after `after`, in id order, for a resuming client (at most `limit` of them).

    "After N" is `after_cursor(N)`: it loses nothing, and repeats only events that
    were in flight when N was numbered. Past the retention window (missed events purged, or
    more than REALTIME_RETENTION_EVENTS of them) the client must reload instead:
    resync_required. Below that, a smaller `limit` pages (`has_more`).
    """
    retention = settings.REALTIME_RETENTION_EVENTS
    page = min(limit or retention, retention)
    newest = last_event_id()
    if after > newest or (after > 0 and after < purged_up_to()):
        # Missed events were purged (or the id is from another database): reload.
        return Replay([], True, newest)
    visible = Event.objects.filter(visible_events(user_id, channels), after_cursor(after)).order_by("id")
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
