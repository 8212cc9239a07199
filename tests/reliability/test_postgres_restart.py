"""PostgreSQL restarted under a running app (`make reliability`).

A private PostgreSQL (pgserver in a tmp dir, so the shared embedded server other
test runs use is never touched) is migrated, daphne runs on it with persistent
connections (DB_CONN_MAX_AGE=60, the production setting), bots heartbeat, and
the server is restarted with `pg_ctl restart -m fast`. Requests during the
restart may fail; afterwards the same daphne process answers 200 again, with
no restart of its own, and the stored state is each bot's last acknowledged
heartbeat.
"""
import asyncio
import os
import shutil
import subprocess
import sys
import time

import pytest

from jobelix.embedded import DATA_DIR, EmbeddedPostgres
from tests.conftest import BASE_DIR, child_env
from tests.reliability.helpers import Bot, Dashboard, http_client, wait_until
from tests.support import run_async

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.reliability]

BOTS = 4
CREATE_USERS = """
from django.contrib.auth import get_user_model
from accounts.services import create_token
for i in range(BOTS):
    user = get_user_model().objects.create(username=f"pgfault-{i}", email=f"pgfault-{i}@example.com")
    print("TOKEN", create_token(user, "reliability", "bot")[1])
"""


def test_app_recovers_from_a_postgres_restart(start_daphne):
    # Under .jobelix/ (not pytest's 0700 tmp dirs): the server runs as the `pgserver` system user.
    root = DATA_DIR / f"reliability-pg-{os.getpid()}"
    pg = EmbeddedPostgres(root=root)
    url = pg.start()
    try:
        env = child_env(DATABASE_URL=url, DB_CONN_MAX_AGE=60)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env,
                       check=True, timeout=300)
        made = subprocess.run([sys.executable, "manage.py", "shell", "-c", CREATE_USERS.replace("BOTS", str(BOTS))], cwd=BASE_DIR,
                              env=env, check=True, timeout=120, capture_output=True, text=True)
        tokens = [line.split()[1] for line in made.stdout.splitlines() if line.startswith("TOKEN ")]
        assert len(tokens) == BOTS, made.stderr
        server = start_daphne(DATABASE_URL=url, DB_CONN_MAX_AGE=60)
        pid = server.proc.pid
        marks = {}

        async def scenario():
            async with http_client(BOTS * 2) as http:
                dashboards = [Dashboard(server.ws_url, token).start() for token in tokens]
                assert await wait_until(lambda: all(d.live.is_set() for d in dashboards), 30)
                bots = [await Bot(server.url, token, http, 0.25).start() for token in tokens]
                end = time.monotonic() + 14
                running = asyncio.gather(*(bot.run(end) for bot in bots))
                await asyncio.sleep(3)
                marks["restart"] = time.monotonic()
                await asyncio.to_thread(pg._pg_ctl, ["-w", "restart", "-m", "fast"])
                marks["back"] = time.monotonic()
                await running
                marks["end"] = time.monotonic()
                await asyncio.sleep(2)
                for dashboard in dashboards:
                    await dashboard.stop()
                return bots, dashboards

        bots, dashboards = run_async(scenario())
        assert server.proc.poll() is None and server.proc.pid == pid  # the app was not restarted
        failures_after = [(t - marks["back"], s) for b in bots for t, s in b.log if s != 200 and t > marks["back"] + 2]
        during = {}
        for bot in bots:
            for t, status in bot.log:
                if marks["restart"] <= t <= marks["back"] + 2:
                    during[status] = during.get(status, 0) + 1
        recovered = min((t for b in bots for t, s in b.log if s == 200 and t > marks["back"]), default=None)
        print(f"\n[reliability] postgres restart took {marks['back'] - marks['restart']:.1f} s; answers during it "
              f"and 2 s after: {during}; first 200 {recovered - marks['back']:.2f} s after PostgreSQL was back; "
              f"failures later: {len(failures_after)}")
        assert recovered is not None
        assert 500 not in during, during  # an unreachable database is a 503 with Retry-After, not a crash
        assert not failures_after, failures_after[:10]
        assert all(bot.log[-1][1] == 200 for bot in bots)
        check = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from sessions_app.models import BotSession\n"
             "for s in BotSession.objects.all(): print('S', s.id, s.jobs_found, s.jobs_applied, s.jobs_failed, s.credits_used)"],
            cwd=BASE_DIR, env=env, check=True, timeout=120, capture_output=True, text=True)
        stored = {parts[1]: tuple(map(int, parts[2:]))
                  for parts in (line.split() for line in check.stdout.splitlines()) if parts and parts[0] == "S"}
        for bot in bots:
            assert stored[bot.session_id] == tuple(Bot.stats(bot.acknowledged).values())
    finally:
        pg.stop(force=True)
        shutil.rmtree(root, ignore_errors=True)
