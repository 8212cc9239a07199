"""Every write to bot sessions, and the `bot.session_updated` event each one causes.

Each change runs in one transaction with the session row locked
(select_for_update), and publishes the whole session on channel `bot` to its
user as the last write of that transaction. Errors are `SessionError`s that the
API turns into JSON 4xx answers; nothing is written when one is raised.
"""
from __future__ import annotations

import logging
import os
import subprocess
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from realtime import publish
from sessions_app.models import STAT_FIELDS, BotSession
from sessions_app.selectors import serialize_session

logger = logging.getLogger(__name__)

Status = BotSession.Status
EVENT_TYPE = "bot.session_updated"
STALE_MESSAGE = "No heartbeat from the bot for {minutes} minutes."


class SessionError(Exception):
    """A refused request: HTTP status, message, and extra fields for the JSON body."""

    def __init__(self, http_status: int, message: str, **extra):
        super().__init__(message)
        self.http_status = http_status
        self.message = message
        self.extra = extra

    def body(self) -> dict:
        return {"error": self.message, **self.extra}


def stale_after() -> timedelta:
    return timedelta(seconds=settings.BOT_SESSION_STALE_AFTER_SECONDS)


def _publish(session: BotSession) -> None:
    publish(session.user, "bot", EVENT_TYPE, serialize_session(session))


def _lock_user_session(user, session_id) -> BotSession:
    session = BotSession.objects.select_for_update().select_related("user").filter(pk=session_id, user=user).first()
    if session is None:
        raise SessionError(404, "No such bot session.")
    return session


def _check_stats(session: BotSession, stats: dict) -> None:
    """Counters only go up: a lower value is a bot bug or a replayed request."""
    lower = [name for name in STAT_FIELDS if stats[name] < getattr(session, name)]
    if lower:
        raise SessionError(
            400, f"Stats never go down: {', '.join(lower)} is lower than the stored value.",
            fields={name: f"must be at least {getattr(session, name)}" for name in lower},
        )


def _mark_stale(session: BotSession, now) -> None:
    minutes = int(stale_after().total_seconds() // 60)
    session.status = Status.STALE
    session.completed_at = now
    session.error_message = session.error_message or STALE_MESSAGE.format(minutes=minutes)
    session.save(update_fields=["status", "completed_at", "error_message", "updated_at"])
    _publish(session)


def start_session(user, bot_version: str, platform: str, token=None) -> BotSession:
    """Open a session (`starting`). 409 if the user's bot is already alive; a silent one is closed as stale."""
    now = timezone.now()
    with transaction.atomic():
        for existing in BotSession.objects.select_for_update().select_related("user").filter(
            user=user, status__in=BotSession.ACTIVE_STATUSES
        ):
            if existing.last_heartbeat_at and existing.last_heartbeat_at >= now - stale_after():
                raise SessionError(409, "A bot session is already running.", session_id=str(existing.id))
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
            raise SessionError(
                409, "A bot session is already running.", session_id=str(winner.id) if winner else None
            )
        _publish(session)
    return session


def record_heartbeat(user, session_id, activity: str, details, stats: dict) -> BotSession:
    """Store the bot's activity and stats; the first heartbeat moves `starting` to `running`."""
    with transaction.atomic():
        session = _lock_user_session(user, session_id)
        if session.status == Status.STOPPED:
            raise SessionError(409, "The session was stopped by the user.", stopped=True, status=session.status)
        if not session.is_active:
            raise SessionError(409, f"The session is already {session.status}.", status=session.status)
        _check_stats(session, stats)
        session.status = Status.RUNNING
        session.current_activity = activity
        session.activity_details = details
        for name in STAT_FIELDS:
            setattr(session, name, stats[name])
        session.last_heartbeat_at = timezone.now()
        session.save(update_fields=[
            "status", "current_activity", "activity_details", *STAT_FIELDS, "last_heartbeat_at", "updated_at",
        ])
        _publish(session)
    return session


def complete_session(user, session_id, success: bool, error_message: str | None, final_stats: dict) -> BotSession:
    """Freeze the final stats: `completed` or `failed`; a session the user stopped stays `stopped`.

    A session the reaper closed as `stale` still takes the bot's own word when it
    finally reports (a slow bot is not a dead one).
    """
    with transaction.atomic():
        session = _lock_user_session(user, session_id)
        finished_stop = session.status == Status.STOPPED and session.completed_at is not None
        if session.status in (Status.COMPLETED, Status.FAILED) or finished_stop:
            raise SessionError(409, f"The session is already {session.status}.", status=session.status)
        _check_stats(session, final_stats)
        if session.status != Status.STOPPED:
            session.status = Status.COMPLETED if success else Status.FAILED
        session.error_message = error_message or ""
        for name in STAT_FIELDS:
            setattr(session, name, final_stats[name])
        session.completed_at = timezone.now()
        session.save(update_fields=["status", "error_message", *STAT_FIELDS, "completed_at", "updated_at"])
        _publish(session)
    return session


def stop_session(user, session_id=None) -> BotSession:
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
                raise SessionError(404, "No running bot session.")
        else:
            session = _lock_user_session(user, session_id)
        if session.status == Status.STOPPED:
            return session
        if not session.is_active:
            raise SessionError(409, f"The session is already {session.status}.", status=session.status)
        session.status = Status.STOPPED
        session.stopped_at = timezone.now()
        session.save(update_fields=["status", "stopped_at", "updated_at"])
        _publish(session)
    return session


def reap_stale_sessions(now=None) -> int:
    """Close live sessions with no heartbeat for BOT_SESSION_STALE_AFTER_SECONDS; returns how many.

    Also closes stops the bot never acknowledged (stopped, then silent): they get
    their `completed_at`, so the page shows the run as finished.
    One short transaction per session (skip_locked: a session being written by a
    heartbeat right now is alive anyway). Idempotent: running it twice changes nothing.
    """
    now = now or timezone.now()
    cutoff = now - stale_after()
    silent = Q(status__in=BotSession.ACTIVE_STATUSES) | Q(status=Status.STOPPED, stopped_at__lt=cutoff)
    candidates = BotSession.objects.filter(silent, completed_at__isnull=True, last_heartbeat_at__lt=cutoff)
    reaped = 0
    for pk in list(candidates.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            session = (
                BotSession.objects.select_for_update(skip_locked=True).select_related("user")
                .filter(silent, pk=pk, completed_at__isnull=True, last_heartbeat_at__lt=cutoff).first()
            )
            if session is None:
                continue
            if session.status == Status.STOPPED:
                session.completed_at = now
                session.save(update_fields=["completed_at", "updated_at"])
                _publish(session)
            else:
                _mark_stale(session, now)
            reaped += 1
    return reaped


def purge_old_sessions(retention_days: int, now=None) -> int:
    """Delete finished sessions older than the retention window (0 or less keeps everything)."""
    if not retention_days or retention_days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=retention_days)
    with transaction.atomic():
        deleted, _ = (
            BotSession.objects.filter(started_at__lt=cutoff).exclude(status__in=BotSession.ACTIVE_STATUSES).delete()
        )
    return deleted


# --- launching the bot from the page (demo) ------------------------------------------

@dataclass
class Launch:
    pid: int
    token_name: str
    log_path: Path
    command: list


def _redact(command: list, secret: str) -> list:
    return [part.replace(secret, "<token>") for part in command]


def launch_bot(user, api_url: str) -> Launch:
    """Start the bot for `user` as a detached process with a fresh `bot` token.

    The command line is the JOBELIX_BOT_COMMAND setting, with `{token}` replaced
    by the new token (tests point it at `python -m bot.simulate`). The bot
    reports back to `api_url` (JOBELIX_API_URL) and applies on the board at
    JOBELIX_SANDBOX_BOARD_URL (JOBELIX_BOARD_URL). Output goes to a log file
    under .jobelix/bot-logs/.
    """
    from accounts.services import create_token

    if not settings.JOBELIX_DEMO_LAUNCH:
        raise SessionError(403, "Launching the bot from the page is disabled (JOBELIX_DEMO_LAUNCH).")
    now = timezone.now()
    live = BotSession.objects.filter(
        user=user, status__in=BotSession.ACTIVE_STATUSES, last_heartbeat_at__gte=now - stale_after()
    ).first()
    if live is not None:
        raise SessionError(409, "A bot session is already running.", session_id=str(live.id))

    token_name = f"Launch {now:%Y-%m-%d %H:%M:%S}"
    _, raw = create_token(user, token_name, "bot")
    template = list(settings.JOBELIX_BOT_COMMAND)
    command = [part.replace("{token}", raw) for part in template]
    if not any("{token}" in part for part in template):
        command.append(raw)
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    env.update({
        "JOBELIX_API_URL": api_url.rstrip("/"),
        "JOBELIX_BOARD_URL": settings.JOBELIX_SANDBOX_BOARD_URL,
        "PYTHONUNBUFFERED": "1",
    })
    log_dir = Path(settings.BASE_DIR) / ".jobelix" / "bot-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"launch-{now:%Y%m%d-%H%M%S}-{user.pk}.log"
    with open(log_path, "ab") as log:
        try:
            process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        except OSError as exc:
            raise SessionError(500, f"Could not start the bot: {exc}")
    # Reap the child when it exits, so a long-lived server collects no zombies.
    threading.Thread(target=process.wait, name=f"bot-launch-{process.pid}", daemon=True).start()
    logger.info("launched bot for user %s: pid %s, %s", user.pk, process.pid, _redact(command, raw))
    return Launch(pid=process.pid, token_name=token_name, log_path=log_path, command=_redact(command, raw))
