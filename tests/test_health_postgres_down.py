"""/health with PostgreSQL stopped under a running app, in the default (embedded) setup.

A private embedded PostgreSQL (pgserver, like `make run`'s, but its own: the shared
server other test runs use is never stopped) serves a daphne with the default
persistent connections. With PostgreSQL stopped, /health answers 503 naming it
within a few seconds, while the other checks stay ok; once it is started again the
same daphne answers 200, without a restart of its own. /health runs `SELECT 1` only,
so the private database needs no migrations."""
import atexit
import os
import shutil
import time

import httpx
import pytest

from jobelix.embedded import DATA_DIR, EmbeddedPostgres

pytestmark = pytest.mark.django_db(transaction=True)

PROMPT_SECONDS = 5.0


def timed_health(url: str) -> tuple[float, httpx.Response]:
    start = time.monotonic()
    response = httpx.get(f"{url}/health", timeout=30)
    return time.monotonic() - start, response


def test_health_names_a_stopped_postgres_and_recovers(start_daphne, celery_worker):
    # Under .jobelix/ (not pytest's 0700 tmp dirs): as root, pgserver runs postgres as its own system user.
    root = DATA_DIR / f"health-pg-{os.getpid()}"
    pg = EmbeddedPostgres(root=root)
    url = pg.start()
    try:
        server = start_daphne(DATABASE_URL=url, DB_CONN_MAX_AGE=60)  # settings' default: persistent connections
        pid = server.proc.pid
        _, up = timed_health(server.url)
        assert up.status_code == 200, up.text

        pg._pg_ctl(["-w", "stop", "-m", "fast"])
        elapsed, down = timed_health(server.url)
        assert down.status_code == 503, down.text
        body = down.json()
        assert body["status"] == "degraded" and body["failing"] == ["postgres"]
        assert body["checks"]["postgres"]["status"] == "error" and body["checks"]["postgres"]["error"]
        assert body["checks"]["redis"]["status"] == "ok" and body["checks"]["celery"]["status"] == "ok"
        assert elapsed < PROMPT_SECONDS, f"/health took {elapsed:.1f} s to report the database down"
        assert timed_health(server.url)[1].status_code == 503  # and keeps saying so

        pg.server.ensure_postgres_running()
        back = time.monotonic()
        while True:
            _, again = timed_health(server.url)
            if again.status_code == 200 or time.monotonic() - back > PROMPT_SECONDS:
                break
            time.sleep(0.2)
        assert again.status_code == 200, again.text
        assert again.json()["failing"] == []
        assert server.proc.poll() is None and server.proc.pid == pid  # the app itself was not restarted
        print(f"\n[health] 503 after {elapsed:.2f} s with PostgreSQL down; 200 again "
              f"{time.monotonic() - back:.2f} s after it was back")
    finally:
        pg.stop(force=True)
        # pgserver's own exit hook would log about this server after pytest closed its streams.
        atexit.unregister(pg.server._cleanup)
        type(pg.server)._instances.pop(pg.server.pgdata, None)
        shutil.rmtree(root, ignore_errors=True)
