"""Shared fixtures: real PostgreSQL, Redis, Celery worker, daphne and Chromium.

`make test` starts (or joins) the embedded servers and gives this run its own test
database (DATABASE_TEST_NAME) and Redis key prefix (REDIS_PREFIX: channel groups and
Celery queues), so runs never see each other's messages. Processes started here (daphne, Celery, private
Redis servers) point at the test database and are stopped at the end.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

# Playwright's sync API keeps an event loop in the main thread; Django's ORM
# would refuse to run next to it. Our tests never share a connection across it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from jobelix.embedded import free_port, start_redis_process, wait_for_port
from tests.support import live_workers, live_workers_idle

BASE_DIR = Path(__file__).resolve().parent.parent
# The browser jobelix.launch found or installed (jobelix/browser.py) and exported: every browser test
# (Playwright fixtures, the bot, the Celery applier) uses this one; require_chromium() fails without it.
CHROMIUM = os.environ.get("JOBELIX_CHROMIUM", "")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session", autouse=True)
def _drop_stray_connections(django_db_setup, django_db_blocker):
    """Child processes and ASGI threads may still hold connections when the run ends;
    end them so the test database can be dropped."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# --- users and tokens ---------------------------------------------------------

@pytest.fixture
def make_user(django_user_model):
    def make(username="alice", staff=False, **extra):
        return django_user_model.objects.create_user(
            username=username, password=PASSWORD, email=f"{username}@example.com",
            is_staff=staff, **extra,
        )
    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("bob")


@pytest.fixture
def staff_user(make_user):
    return make_user("staff", staff=True)


@pytest.fixture
def make_token():
    """make_token(user, scope="bot") -> the raw token string (the DB keeps only its hash)."""
    from accounts.services import create_token

    def make(user, scope="bot", name="test token"):
        return create_token(user, name, scope)[1]
    return make


@pytest.fixture
def api_client():
    """A DRF APIClient; `api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")` for tokens."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def session_client(user):
    """A Django test client logged in as `user` with CSRF checks enforced."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


# --- processes pointed at the test database -------------------------------------

def test_database_url() -> str:
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def child_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DATABASE_URL": test_database_url(), "PYTHONUNBUFFERED": "1", "DB_CONN_MAX_AGE": "0"})
    env.update({k: str(v) for k, v in overrides.items()})
    return env


class Process:
    """A child process with its output kept in a log file (shown when a test fails to start it)."""

    def __init__(self, name, cmd, env, tmp_dir: Path, port=None):
        self.name, self.cmd, self.env, self.port = name, cmd, env, port
        self.log_path = tmp_dir / f"{name}-{int(time.time() * 1000)}.log"
        self.proc = None

    def start(self, wait_port=True):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.cmd, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        if wait_port and self.port:
            try:
                wait_for_port(self.port, timeout=30, proc=self.proc)
            except Exception as exc:
                raise RuntimeError(f"{self.name} did not start: {exc}\n{self.log()}") from exc
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass

    def kill(self):
        self.stop(signal.SIGKILL)

    def restart(self):
        """Stop, then start the same command again (same port: clients reconnect to it)."""
        self.stop()
        return self.start()


class Daphne(Process):
    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"


@pytest.fixture(scope="session")
def process_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("processes")


@pytest.fixture
def start_daphne(django_db_setup, process_dir):
    """Factory: start_daphne(**env_overrides) -> a daphne process on a free loopback port."""
    started = []

    def start(**overrides):
        port = free_port()
        cmd = [sys.executable, "-m", "jobelix.serve", "-b", "127.0.0.1", "-p", str(port), "jobelix.asgi:application"]
        server = Daphne("daphne", cmd, child_env(**overrides), process_dir, port=port).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, django_db_blocker, process_dir):
    """One real daphne (HTTP + WebSocket) for the session. Tests using it need transactional_db."""
    port = free_port()
    cmd = [sys.executable, "-m", "jobelix.serve", "-b", "127.0.0.1", "-p", str(port), "jobelix.asgi:application"]
    with django_db_blocker.unblock():
        server = Daphne("daphne-session", cmd, child_env(), process_dir, port=port).start()
    yield server
    server.stop()


def start_celery_worker(process_dir, name="worker", **overrides) -> Process:
    from django.conf import settings

    from jobelix.celery import app

    node = f"{name}-{settings.REDIS_PREFIX}-{free_port()}@localhost"
    cmd = [
        sys.executable, "-m", "celery", "-A", "jobelix", "worker", "--pool", "threads", "--concurrency", "4",
        "--loglevel", "INFO", "--without-mingle", "--without-gossip", "-n", node,
    ]
    # Every queue `make run` consumes: the default, analysis (tracker) and browser (apply jobs, hosted runs).
    overrides.setdefault("CELERY_WORKER_QUEUES", "celery,analysis,browser")
    worker = Process(name, cmd, child_env(**overrides), process_dir).start(wait_port=False)
    pinger = app
    if overrides.get("REDIS_URL"):  # a worker on another Redis: ping it there
        from celery import Celery

        pinger = Celery(broker=overrides["REDIS_URL"], set_as_current=False)
        pinger.conf.broker_transport_options = app.conf.broker_transport_options
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.proc.poll() is not None:
            raise RuntimeError(f"Celery worker exited:\n{worker.log()}")
        if pinger.control.ping(destination=[node], timeout=0.5):
            worker.node = node
            if not overrides.get("REDIS_URL"):  # on this run's broker: the flush waits for it
                live_workers.append(worker)
            return worker
    worker.stop()
    raise RuntimeError(f"Celery worker did not answer a ping in 60 s:\n{worker.log()}")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, process_dir):
    """A real Celery worker process (threads pool) on this run's queue, against the test database."""
    with django_db_blocker.unblock():
        worker = start_celery_worker(process_dir)
    yield worker
    worker.stop()


# Celery workers this session started and has not stopped (start_celery_worker adds them).
@pytest.fixture(autouse=True)
def _workers_idle_before_flush(request):
    """A transactional test's database is flushed when it ends; a task still writing then
    deadlocks the flush (seen on fresh clones). Any live worker may hold one, even one the
    test did not ask for (a scrape queues analysis on the session's worker). So every such
    test lets them go idle first: this fixture is set up after the database helper, hence
    torn down before it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server"))
    if not transactional:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    live_workers_idle()  # still busy after a minute: the flush may yet get through


@pytest.fixture
def start_celery(django_db_setup, process_dir):
    """Factory for extra workers a test may kill: start_celery(**env) -> Process."""
    started = []

    def start(**overrides):
        worker = start_celery_worker(process_dir, name="worker-extra", **overrides)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


class RedisServer:
    """A private redis-server (the same binary as the embedded one) that a test may stop."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = start_redis_process(self.directory, self.port)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


# --- WebSocket helpers -------------------------------------------------------------

class WsListener:
    """A real WebSocket client in a thread, collecting every message it receives."""

    def __init__(self, url, headers=None, subprotocols=None):
        from websockets.sync.client import connect

        self.messages: list[dict] = []
        self._queue: queue.Queue = queue.Queue()
        self.close_code = None
        self.ws = connect(url, additional_headers=headers or {}, subprotocols=subprotocols, open_timeout=15)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        from websockets.exceptions import ConnectionClosed

        try:
            for raw in self.ws:
                message = json.loads(raw)
                self.messages.append(message)
                self._queue.put(message)
                if message.get("type") == "system.ping":
                    self.send({"action": "pong"})
        except ConnectionClosed as exc:
            self.close_code = exc.rcvd.code if exc.rcvd else None
        except Exception:
            pass
        finally:
            if self.close_code is None and getattr(self.ws, "close_code", None):
                self.close_code = self.ws.close_code
            self._queue.put(None)

    def send(self, message):
        self.ws.send(json.dumps(message) if not isinstance(message, (str, bytes)) else message)

    def wait_for(self, type_, timeout=10.0, predicate=None) -> dict:
        """The first message (already received or arriving) of this type that matches."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for message in self.messages[seen:]:
                seen += 1
                if message.get("type") == type_ and (predicate is None or predicate(message)):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no {type_} within {timeout}s; got {[m.get('type') for m in self.messages]}"
                )
            try:
                self._queue.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                pass

    def events(self, type_=None) -> list[dict]:
        return [m for m in self.messages if m.get("id") is not None and (type_ is None or m["type"] == type_)]

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        self._thread.join(5)


@pytest.fixture
def ws_listen():
    """ws_listen(server, token, channels="jobs,bot", **query) -> WsListener (closed after the test)."""
    opened = []

    def listen(server, token, channels="", **query):
        from urllib.parse import urlencode

        params = {"channels": channels, **query}  # the token in a header: ?token= is off by default
        listener = WsListener(f"{server.ws_url}?{urlencode(params)}", headers={"Authorization": f"Bearer {token}"})
        listener.wait_for("system.connected")
        opened.append(listener)
        return listener

    yield listen
    for listener in opened:
        listener.close()


# --- Browser -------------------------------------------------------------------------

def require_chromium() -> str:
    """The launcher's browser (JOBELIX_CHROMIUM); missing is a failure, never a skip."""
    if not CHROMIUM:
        pytest.fail("JOBELIX_CHROMIUM is not set: run the tests with `make test` (python -m jobelix.launch test), "
                    "which finds or installs Chromium first")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"JOBELIX_CHROMIUM={CHROMIUM} is not an executable file")
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable every browser test uses (see CHROMIUM)."""
    return require_chromium()


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Real headless Chromium through Playwright. Missing Chromium is a failure, not a skip."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """new_page() -> a fresh Page in its own context (own cookies); closed after the test."""
    contexts = []

    def make():
        context = browser.new_context()
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def login():
    """login(page, server, user) logs in through the real form and lands on the dashboard."""
    def do_login(page, server, user, password=PASSWORD):
        page.goto(f"{server.url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/dashboard/")
        return page
    return do_login
