"""Every write to bot sessions, and the `bot.session_updated` event each one causes.

Each change runs in one transaction with the session row locked
(select_for_update), and publishes the whole session on channel `bot` to its
user as the last write of that transaction. Refusals are `core.errors`
ApplicationErrors (turned into JSON by `core.api.json_error_handler`); nothing
is written when one is raised. Launching the bot from the page: `sessions_app.launch`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.errors import ApplicationError, Conflict, NotFound
from notifications import services as notifications
from realtime import publish
from realtime.models import Event
from sessions_app import events, launch
from sessions_app.models import STAT_FIELDS, BotSession

Status = BotSession.Status
STALE_MESSAGE = "No heartbeat from the bot for {minutes} minutes."


class SessionOver(Conflict):
    """409 for a session that is no longer live; the body names its `status`.

    `stopped: true` tells the bot the user pressed Stop (spec: bot-status-integration),
    so the body is `{"error", "stopped", "status"}` then, else `{"error", "status"}`.
    A subclass because `status` in the body is the session's, not the HTTP status.
    """

    code = "session_over"

    def __init__(self, message: str, session_status: str, *, stopped: bool = False) -> None:
        super().__init__(message)
        self.extra = {"stopped": True, "status": session_status} if stopped else {"status": session_status}


def already_running(session_id: UUID | None) -> Conflict:
    """The 409 of a start (or launch) while the user's bot is alive; the body names the live session."""
    return Conflict("A bot session is already running.", session_id=str(session_id) if session_id else None)


def stale_after() -> timedelta:
    return timedelta(seconds=settings.BOT_SESSION_STALE_AFTER_SECONDS)


def _publish(session: BotSession) -> None:
    publish(session.user, "bot", events.SESSION_UPDATED, events.session_updated(session))
    notifications.bot_session_changed(session)  # a failed or stale session is notified after commit


def _lock_user_session(user, session_id: UUID) -> BotSession:
    session = BotSession.objects.select_for_update().select_related("user").filter(pk=session_id, user=user).first()
    if session is None:
        raise NotFound("No such bot session.")
    return session


def _check_stats(session: BotSession, stats: dict[str, int]) -> None:
    """Counters only go up: a lower value is a bot bug or a replayed request."""
    lower = [name for name in STAT_FIELDS if stats[name] < getattr(session, name)]
    if lower:
        raise ApplicationError(
            f"Stats never go down: {', '.join(lower)} is lower than the stored value.",
            fields={name: f"must be at least {getattr(session, name)}" for name in lower},
        )


def _mark_stale(session: BotSession, now: datetime) -> None:
    minutes = int(stale_after().total_seconds() // 60)
    session.status = Status.STALE
    session.completed_at = now
    session.error_message = session.error_message or STALE_MESSAGE.format(minutes=minutes)
    session.save(update_fields=["status", "completed_at", "error_message", "updated_at"])
    _publish(session)
    launch.revoke_launch_token(session)


def start_session(user, bot_version: str, platform: str, token=None) -> BotSession:
    """Open a session (`starting`). 409 if the user's bot is already alive; a silent one is closed as stale."""
    now = timezone.now()
    with transaction.atomic():
        for existing in BotSession.objects.select_for_update().select_related("user").filter(
            user=user, status__in=BotSession.ACTIVE_STATUSES
        ):
            if existing.last_heartbeat_at and existing.last_heartbeat_at >= now - stale_after():
                raise already_running(existing.id)
            _mark_stale(existing, now)
        try:
            with transaction.atomic():
                session = BotSession.objects.create(
                    user=user, token=token, bot_version=bot_version, platform=platform,
                    started_at=now, last_heartbeat_at=now,
                )
        except IntegrityError:
            # Another start won the race (the one-active-session constraint).
            winner = BotSession.objects.filter(user=user, status__in=BotSession.ACTIVE_STATUSES).first()
            raise already_running(winner.id if winner else None)
        _publish(session)
    return session


def record_heartbeat(user, session_id: UUID, activity: str, details: dict[str, Any] | None,
                     stats: dict[str, int]) -> BotSession:
    """Store the bot's activity and stats; the first heartbeat moves `starting` to `running`.

    The row is updated every time; the event is coalesced (see `_coalesce`) for a bot
    repeating itself faster than every BOT_HEARTBEAT_COALESCE_SECONDS.
    """
    with transaction.atomic():
        session = _lock_user_session(user, session_id)
        if session.status == Status.STOPPED:
            raise SessionOver("The session was stopped by the user.", session.status, stopped=True)
        if not session.is_active:
            raise SessionOver(f"The session is already {session.status}.", session.status)
        _check_stats(session, stats)
        changed = heartbeat_changes(session.status, session.current_activity, activity)
        now = timezone.now()
        session.status = Status.RUNNING
        session.current_activity = activity
        session.activity_details = details
        for name in STAT_FIELDS:
            setattr(session, name, stats[name])
        session.last_heartbeat_at = now
        session.save(update_fields=[
            "status", "current_activity", "activity_details", *STAT_FIELDS, "last_heartbeat_at", "updated_at",
        ])
        if not _coalesce(session, changed, now):
            _publish(session)
    return session


def heartbeat_changes(status: str, current_activity: str, activity: str) -> bool:
    """A heartbeat that moves the session to `running` or to another activity (always published)."""
    return status != Status.RUNNING or current_activity != activity


def _coalesce(session: BotSession, changed: bool, now: datetime) -> bool:
    """True when this heartbeat publishes no event of its own (issue 12: heartbeat floods).

    A heartbeat that changes the session's status or activity is always published. A
    repeat (same status and activity: new stats or details at most) is published when
    fewer than BOT_HEARTBEAT_BURST repeats in a row were published since the last
    change, or when the session's latest event is BOT_HEARTBEAT_COALESCE_SECONDS old;
    else only the row is updated. So a bot repeating itself is heard at once a few
    times (the spec's own examples check three jobs in a row, one heartbeat each, and
    expect an event for each), then at most once every 2 s however fast it sends; what
    the folded heartbeats carried is in the row (the status API) and in the next event.
    """
    history = coalescing_history(session, changed)
    return history is not None and coalesced(list(history), now)


def coalescing_history(session: BotSession, changed: bool) -> QuerySet | None:
    """The events `coalesced` decides on (the session's latest `bot.session_updated`, newest
    first), or None when the heartbeat is published whatever they hold (a change, or
    coalescing off). A query, so the heartbeat fast path runs the same one on its connection."""
    if changed or settings.BOT_HEARTBEAT_COALESCE_SECONDS <= 0:
        return None
    return (
        Event.objects.filter(user_id=session.user_id, channel="bot", type=events.SESSION_UPDATED,
                             data__session_id=str(session.pk))
        .order_by("-id").values_list("created_at", "data__status", "data__current_activity")
        [:settings.BOT_HEARTBEAT_BURST + 1]
    )


def coalesced(latest: list[tuple[Any, ...]], now: datetime) -> bool:
    """The rule of `_coalesce` on the rows of `coalescing_history`: (created_at, status, activity)."""
    states = [tuple(row[1:]) for row in latest]
    repeats = next((i for i in range(len(states) - 1) if states[i] != states[i + 1]), len(states) - 1)
    if repeats < settings.BOT_HEARTBEAT_BURST:
        return False
    return latest[0][0] > now - timedelta(seconds=settings.BOT_HEARTBEAT_COALESCE_SECONDS)


def complete_session(user, session_id: UUID, success: bool, error_message: str | None,
                     final_stats: dict[str, int] | None) -> BotSession:
    """Freeze the final stats: `completed` or `failed`; a session the user stopped stays `stopped`.

    Without `final_stats` the stored stats (the last heartbeat's) are the final ones:
    a client that never counted must not wipe what its heartbeats reported.

    A session the reaper closed as `stale` still takes the bot's own word when it
    finally reports (a slow bot is not a dead one).
    """
    with transaction.atomic():
        session = _lock_user_session(user, session_id)
        finished_stop = session.status == Status.STOPPED and session.completed_at is not None
        if session.status in (Status.COMPLETED, Status.FAILED) or finished_stop:
            raise SessionOver(f"The session is already {session.status}.", session.status)
        if final_stats is not None:
            _check_stats(session, final_stats)
            for name in STAT_FIELDS:
                setattr(session, name, final_stats[name])
        if session.status != Status.STOPPED:
            session.status = Status.COMPLETED if success else Status.FAILED
        session.error_message = error_message or ""
        session.completed_at = timezone.now()
        session.save(update_fields=["status", "error_message", *STAT_FIELDS, "completed_at", "updated_at"])
        _publish(session)
        launch.revoke_launch_token(session)
    return session


def stop_session(user, session_id: UUID | None = None) -> BotSession:
    """The user stops their bot (dashboard, token, or admin). The bot learns it at its next heartbeat.

    Without a session id, the user's live session is stopped. Stopping twice is harmless.
    """
    with transaction.atomic():
        if session_id is None:
            session = (
                BotSession.objects.select_for_update().select_related("user")
                .filter(user=user, status__in=BotSession.ACTIVE_STATUSES).order_by("-started_at").first()
            )
            if session is None:
                raise NotFound("No running bot session.")
        else:
            session = _lock_user_session(user, session_id)
        if session.status == Status.STOPPED:
            return session
        if not session.is_active:
            raise SessionOver(f"The session is already {session.status}.", session.status)
        session.status = Status.STOPPED
        session.stopped_at = timezone.now()
        session.save(update_fields=["status", "stopped_at", "updated_at"])
        _publish(session)
    return session


def reap_stale_sessions(now: datetime | None = None) -> int:
    """Close live sessions with no heartbeat for BOT_SESSION_STALE_AFTER_SECONDS; returns how many.

    Also settles stops the bot never acknowledged (stopped, then no complete within
    the same window): they stay `stopped` and get `completed_at` = `stopped_at`, the
    last moment the run is known to have been going, so history and the card show
    a finished run (not "stopping") and its duration does not depend on when the
    reaper ran. One short transaction per session (skip_locked: a session being
    written by a heartbeat right now is alive anyway). Idempotent: running it twice
    changes nothing.
    """
    now = now or timezone.now()
    cutoff = now - stale_after()
    silent = (
        Q(status__in=BotSession.ACTIVE_STATUSES, last_heartbeat_at__lt=cutoff)
        | Q(status=Status.STOPPED, stopped_at__lt=cutoff)
    )
    candidates = BotSession.objects.filter(silent, completed_at__isnull=True)
    reaped = 0
    for pk in list(candidates.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            session = (
                BotSession.objects.select_for_update(skip_locked=True).select_related("user")
                .filter(silent, pk=pk, completed_at__isnull=True).first()
            )
            if session is None:
                continue
            if session.status == Status.STOPPED:
                session.completed_at = session.stopped_at
                session.save(update_fields=["completed_at", "updated_at"])
                _publish(session)
                launch.revoke_launch_token(session)
            else:
                _mark_stale(session, now)
            reaped += 1
    launch.revoke_abandoned_launch_tokens(now)
    return reaped


def purge_old_sessions(retention_days: int, now: datetime | None = None) -> int:
    """Delete finished sessions older than the retention window (0 or less keeps everything)."""
    if not retention_days or retention_days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=retention_days)
    with transaction.atomic():
        deleted, _ = (
            BotSession.objects.filter(started_at__lt=cutoff).exclude(status__in=BotSession.ACTIVE_STATUSES).delete()
        )
    return deleted
