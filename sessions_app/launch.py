"""Launching the bot from the auto-apply page (the "Launch bot" button).

Two ways, chosen by settings (``launch``):

* hosted (JOBELIX_HOSTED_BOT, on by default, and what runs with DEBUG=0): the request only queues
  ``sessions_app.run_hosted_bot`` on the browser queue; a Celery worker with Chromium runs the bot
  (``run_hosted``) with a fresh token it revokes at the end, and the bot reports to the server like
  any bot, so the status card follows it live;
* the development launch (JOBELIX_DEMO_LAUNCH, on with DEBUG): the web process starts the bot
  command as a detached local process (``launch_bot``).

Kept apart from `sessions_app.services` (the bot protocol's writes); only the page uses it.

The token lives exactly as long as the run (docs/security.md "Launch tokens"):
the process gets it in its environment (JOBELIX_API_TOKEN), never on its command
line, which any local user can read with `ps`; it is revoked when the run's
session ends (completed, failed, stale, or a stop settled) and when the process
exits, and the reaper revokes one whose process never started a session.
"""
from __future__ import annotations

import logging
import os
import subprocess
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection
from django.utils import timezone

from accounts.models import ApiToken, Profile
from accounts.services import create_token, revoke_token
from core.dispatch import dispatch_on_commit
from core.errors import ApplicationError, PermissionDenied
from sessions_app import services
from sessions_app.models import BotSession

logger = logging.getLogger(__name__)

TOKEN_ENV = "JOBELIX_API_TOKEN"
# Launch tokens are named by this module only: "Launch 2026-11-30 13:02:28".
LAUNCH_TOKEN_NAME = "Launch {:%Y-%m-%d %H:%M:%S}"
LAUNCH_TOKEN_PATTERN = r"^Launch [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"


@dataclass
class Launch:
    pid: int
    token_name: str
    log_path: Path
    command: list[str]


def _launch_tokens():
    return ApiToken.objects.filter(
        scope=ApiToken.Scope.BOT, is_service=False, revoked_at__isnull=True, name__regex=LAUNCH_TOKEN_PATTERN)


def launch_bot(user, api_url: str) -> Launch:
    """Start the bot for `user` as a detached process with a fresh `bot` token.

    The command line is the JOBELIX_BOT_COMMAND setting (tests point it at
    `python -m bot.simulate`); the token is in the process's environment as
    JOBELIX_API_TOKEN. The bot reports back to `api_url` (JOBELIX_API_URL) and
    applies on the board at JOBELIX_SANDBOX_BOARD_URL (JOBELIX_BOARD_URL).
    Output goes to a log file under .jobelix/bot-logs/.
    """
    if not settings.JOBELIX_DEMO_LAUNCH:
        raise PermissionDenied("Launching the bot from the page is disabled (JOBELIX_DEMO_LAUNCH).")
    command = list(settings.JOBELIX_BOT_COMMAND)
    if any("{token}" in part for part in command):
        raise ApplicationError(
            f"JOBELIX_BOT_COMMAND must not contain {{token}}: the launched bot reads its token from ${TOKEN_ENV}, "
            "never from its command line.", status=500, code="launch_misconfigured")
    now = timezone.now()
    _refuse_if_running(user)

    token_name = LAUNCH_TOKEN_NAME.format(now)
    token, raw = create_token(user, token_name, ApiToken.Scope.BOT)
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    env.update({
        TOKEN_ENV: raw,
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
            revoke_token(user, token.pk)
            raise ApplicationError(f"Could not start the bot: {exc}", status=500, code="launch_failed")
    # Reap the child when it exits (no zombies in a long-lived server) and end its token with it.
    threading.Thread(target=_revoke_when_exited, args=(process, user, token.pk),
                     name=f"bot-launch-{process.pid}", daemon=True).start()
    logger.info("launched bot for user %s: pid %s, %s", user.pk, process.pid, command)
    return Launch(pid=process.pid, token_name=token_name, log_path=log_path, command=command)


def _revoke_when_exited(process: subprocess.Popen, user, token_id: int) -> None:
    process.wait()
    close_old_connections()
    try:
        revoke_token(user, token_id)
    except Exception:  # the reaper revokes it later (revoke_abandoned_launch_tokens)
        logger.exception("could not revoke launch token %s after pid %s exited", token_id, process.pid)
    finally:
        connection.close()


def revoke_launch_token(session: BotSession) -> None:
    """The run of `session` is over: revoke its token if the page launched it (a user's own bot token stays)."""
    if session.token_id is not None and _launch_tokens().filter(pk=session.token_id).exists():
        revoke_token(session.user, session.token_id)


def revoke_abandoned_launch_tokens(now: datetime) -> int:
    """Revoke launch tokens older than the stale window that no live session uses: their process
    never started a session, or the server restarted before it saw the process exit."""
    abandoned = (
        _launch_tokens().filter(created_at__lt=now - services.stale_after())
        .exclude(bot_sessions__status__in=BotSession.ACTIVE_STATUSES)
        .select_related("user")
    )
    return sum(revoke_token(token.user, token.pk) for token in abandoned)


def launch_enabled() -> bool:
    """Whether the page offers "Launch bot"."""
    return settings.JOBELIX_DEMO_LAUNCH or settings.JOBELIX_HOSTED_BOT


def launch(user, api_url: str) -> dict[str, object]:
    """The button: the development launch when it is on, else a hosted run; what the API answers."""
    if settings.JOBELIX_DEMO_LAUNCH or not settings.JOBELIX_HOSTED_BOT:
        started = launch_bot(user, api_url)
        return {"launched": True, "hosted": False, "pid": started.pid, "token_name": started.token_name}
    queue_hosted_run(user, api_url)
    return {"launched": True, "hosted": True, "pid": None, "token_name": ""}


def _live_session(user) -> BotSession | None:
    return BotSession.objects.filter(
        user=user, status__in=BotSession.ACTIVE_STATUSES, last_heartbeat_at__gte=timezone.now() - services.stale_after()
    ).first()


def _refuse_if_running(user) -> None:
    live = _live_session(user)
    if live is not None:
        raise services.already_running(live.id)


def queue_hosted_run(user, api_url: str) -> None:
    """Queue a hosted run of the bot for this user on the browser queue (409 while their bot runs)."""
    from sessions_app.tasks import run_hosted_bot  # tasks -> launch: import on use

    _refuse_if_running(user)
    dispatch_on_commit(run_hosted_bot, user.pk, api_url.rstrip("/"), queue=settings.BROWSER_QUEUE)
    logger.info("queued a hosted bot run for user %s on %s", user.pk, settings.BROWSER_QUEUE)


def run_hosted(user_id: int, api_url: str) -> str:
    """The hosted run, in a browser-queue worker: the bot runner in this process with a fresh `bot` token
    (revoked when the run ends), reporting to api_url, on the board at JOBELIX_SANDBOX_BOARD_URL, with the
    profile's daily cap and pace. Returns the run's outcome ("busy" when the user's bot already runs: a
    second copy of the task, or a bot started elsewhere)."""
    from bot.api import JobelixAPI
    from bot.console import ConsoleProgress
    from bot.llm import LLMClient
    from bot.reporter import StatusReporter
    from bot.runner import DEFAULT_CHROMIUM, BotRunner, RunConfig, board_credentials

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return "missing"
    if _live_session(user) is not None:
        return "busy"
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    now = timezone.now()
    # A launch token: revoked when the run ends, or by the reaper if this worker dies mid-run.
    token, raw = create_token(user, LAUNCH_TOKEN_NAME.format(now), ApiToken.Scope.BOT)
    email, password = board_credentials()
    config = RunConfig(
        board_url=settings.JOBELIX_SANDBOX_BOARD_URL, site="sandbox", board_email=email, board_password=password,
        daily_cap=profile.daily_cap, apply_delay=float(profile.apply_delay_seconds),
        chromium_path=os.environ.get("JOBELIX_CHROMIUM", DEFAULT_CHROMIUM),
        output_dir=Path(settings.JOBELIX_BOT_OUTPUT) / f"user-{user.pk}",
    )
    try:
        runner = BotRunner(config, StatusReporter(raw, base_url=api_url), JobelixAPI(api_url, raw),
                           ConsoleProgress(quiet=True), llm=LLMClient.from_env())
        result = runner.run()
    finally:
        revoke_token(user, token.pk)
    logger.info("hosted bot run for user %s: %s %s", user.pk, result.outcome, result.error)
    return result.outcome
