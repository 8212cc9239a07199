"""Launching the bot from the auto-apply page (the demo's "Launch bot" button).

Kept apart from `sessions_app.services` (the bot protocol's writes): this starts
an operating-system process with a fresh token, and only the page uses it.
"""
from __future__ import annotations

import logging
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from accounts.services import create_token
from core.errors import ApplicationError, PermissionDenied
from sessions_app.models import BotSession
from sessions_app.services import already_running, stale_after

logger = logging.getLogger(__name__)


@dataclass
class Launch:
    pid: int
    token_name: str
    log_path: Path
    command: list[str]


def _redact(command: list[str], secret: str) -> list[str]:
    return [part.replace(secret, "<token>") for part in command]


def launch_bot(user, api_url: str) -> Launch:
    """Start the bot for `user` as a detached process with a fresh `bot` token.

    The command line is the JOBELIX_BOT_COMMAND setting, with `{token}` replaced
    by the new token (tests point it at `python -m bot.simulate`). The bot
    reports back to `api_url` (JOBELIX_API_URL) and applies on the board at
    JOBELIX_SANDBOX_BOARD_URL (JOBELIX_BOARD_URL). Output goes to a log file
    under .jobelix/bot-logs/.
    """
    if not settings.JOBELIX_DEMO_LAUNCH:
        raise PermissionDenied("Launching the bot from the page is disabled (JOBELIX_DEMO_LAUNCH).")
    now = timezone.now()
    live = BotSession.objects.filter(
        user=user, status__in=BotSession.ACTIVE_STATUSES, last_heartbeat_at__gte=now - stale_after()
    ).first()
    if live is not None:
        raise already_running(live.id)

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
            raise ApplicationError(f"Could not start the bot: {exc}", status=500, code="launch_failed")
    # Reap the child when it exits, so a long-lived server collects no zombies.
    threading.Thread(target=process.wait, name=f"bot-launch-{process.pid}", daemon=True).start()
    logger.info("launched bot for user %s: pid %s, %s", user.pk, process.pid, _redact(command, raw))
    return Launch(pid=process.pid, token_name=token_name, log_path=log_path, command=_redact(command, raw))
