"""The "Launch bot" token lives as long as the run: never on the process's command line (which
`ps` shows every local user), revoked when the run ends (docs/security.md "Launch tokens")."""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import authenticate_token, create_token
from core.errors import ApplicationError
from sessions_app import services
from sessions_app.launch import LAUNCH_TOKEN_NAME, TOKEN_ENV, launch_bot
from sessions_app.models import BotSession
from tests.sessions_app.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
FINAL = {"jobs_found": 1, "jobs_applied": 1, "jobs_failed": 0, "credits_used": 0}


def process_cmdlines() -> dict[int, bytes]:
    """Every process's command line, as `ps` reads it (/proc/<pid>/cmdline)."""
    lines = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines[int(entry.name)] = (entry / "cmdline").read_bytes()
            except OSError:
                continue  # gone meanwhile
    return lines


def environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.decode().split("=", 1) for item in raw.split(b"\0") if b"=" in item)


def status_with(raw: str, server) -> int:
    return requests.get(f"{server.url}/api/autoapply/bot/status", headers={"Authorization": f"Bearer {raw}"},
                        timeout=10).status_code


def test_the_launched_bot_gets_its_token_by_environment_and_loses_it_when_the_run_ends(user, live, settings):
    settings.JOBELIX_DEMO_LAUNCH = True
    settings.JOBELIX_BOT_COMMAND = [sys.executable, "-m", "bot.simulate", "--pause", "0.3", "--jobs", "2"]
    launch = launch_bot(user, live.url + "/")

    raw = environment_of(launch.pid)[TOKEN_ENV]  # the child's own environment (readable by its user only)
    token = ApiToken.objects.get(user=user, name=launch.token_name)
    assert authenticate_token(raw) == token and token.prefix == raw[:12]
    own = process_cmdlines()
    assert launch.pid in own and b"bot.simulate" in own[launch.pid]
    assert [pid for pid, line in own.items() if raw.encode() in line or token.prefix.encode() in line] == []

    session = wait_until(lambda: BotSession.objects.filter(user=user, status="completed").first(), timeout=60,
                         message="the launched simulator to complete its run")
    assert session.token_id == token.id
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert authenticate_token(raw) is None
    assert status_with(raw, live) == 401


def test_a_command_that_would_show_the_token_is_refused_before_any_token_exists(user, settings):
    settings.JOBELIX_DEMO_LAUNCH = True
    settings.JOBELIX_BOT_COMMAND = [sys.executable, "-m", "bot.simulate", "--token", "{token}"]
    with pytest.raises(ApplicationError) as refused:
        launch_bot(user, "http://127.0.0.1:9/")
    assert refused.value.status == 500 and "JOBELIX_API_TOKEN" in refused.value.message
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_bot_that_exits_without_a_session_loses_its_token(user, settings):
    settings.JOBELIX_DEMO_LAUNCH = True
    settings.JOBELIX_BOT_COMMAND = [sys.executable, "-c", "import time; time.sleep(0.5)"]
    launch = launch_bot(user, "http://127.0.0.1:9/")
    token = ApiToken.objects.get(user=user, name=launch.token_name)
    assert token.revoked_at is None
    wait_until(lambda: ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=False).exists(), timeout=20,
               message="the token to be revoked once the process exited")


def launch_token(user, when=None):
    """A token as launch_bot makes it (the process itself is not needed here)."""
    return create_token(user, LAUNCH_TOKEN_NAME.format(when or timezone.now()), "bot")


def revoked(token) -> bool:
    token.refresh_from_db()
    return token.revoked_at is not None


@pytest.mark.parametrize("success", [True, False])
def test_completing_or_failing_revokes_the_launch_token_but_never_a_users_own(user, make_user, success):
    token, raw = launch_token(user)
    session = services.start_session(user, "2.0.0", "linux", token=token)
    services.complete_session(user, session.id, success, None if success else "boom", FINAL)
    assert revoked(token) and authenticate_token(raw) is None

    other = make_user("own-token")
    own, own_raw = create_token(other, "Launch from my laptop", "bot")  # named by its owner, not a launch token
    session = services.start_session(other, "2.0.0", "linux", token=own)
    services.complete_session(other, session.id, success, None, FINAL)
    assert not revoked(own) and authenticate_token(own_raw) == own


def test_a_stop_keeps_the_token_until_the_bot_reports_then_revokes_it(user):
    token, _ = launch_token(user)
    session = services.start_session(user, "2.0.0", "linux", token=token)
    services.stop_session(user, session.id)
    assert not revoked(token)  # the bot still sends its final stats with it
    services.complete_session(user, session.id, False, "Stopped by user", FINAL)
    assert revoked(token)


def test_the_reaper_revokes_stale_runs_unsettled_stops_and_abandoned_launches(user, make_user, settings):
    long_ago = timezone.now() - 2 * timedelta(seconds=settings.BOT_SESSION_STALE_AFTER_SECONDS)
    silent, _ = launch_token(user)
    services.start_session(user, "2.0.0", "linux", token=silent)
    BotSession.objects.filter(token=silent).update(last_heartbeat_at=long_ago)

    stopper = make_user("stopper")
    stopped, _ = launch_token(stopper)
    services.stop_session(stopper, services.start_session(stopper, "2.0.0", "linux", token=stopped).id)
    BotSession.objects.filter(token=stopped).update(stopped_at=long_ago)

    never_started = make_user("never-started")
    abandoned, _ = launch_token(never_started)
    ApiToken.objects.filter(pk=abandoned.pk).update(created_at=long_ago)
    fresh, _ = launch_token(never_started)  # its process may still be starting

    assert services.reap_stale_sessions() == 2
    assert BotSession.objects.get(token=silent).status == "stale"
    assert BotSession.objects.get(token=stopped).completed_at == long_ago
    assert revoked(silent) and revoked(stopped) and revoked(abandoned)
    assert not revoked(fresh)


def test_a_new_start_that_closes_a_silent_launched_run_revokes_its_token(user):
    token, _ = launch_token(user)
    old = services.start_session(user, "2.0.0", "linux", token=token)
    BotSession.objects.filter(pk=old.pk).update(last_heartbeat_at=timezone.now() - timedelta(hours=1))
    services.start_session(user, "2.0.0", "linux")
    assert BotSession.objects.get(pk=old.pk).status == "stale" and revoked(token)
