"""Shared plumbing for the bench/ scripts: servers, users, WebSocket clients, figures.

The scripts run under `make bench` (jobelix.launch), which sets DATABASE_URL to a
fresh migrated `jobelix_bench` database, REDIS_URL, and REDIS_PREFIX (this run's
own Redis key prefix). Every loop here is bounded in count and
in time, every server is on 127.0.0.1 and is stopped when the script exits.
"""
from __future__ import annotations

import asyncio
import atexit
import json
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
LOG_DIR = BASE_DIR / ".jobelix" / "bench-logs"
PYTHON = sys.executable
RUN_TAG = "bench" + secrets.token_hex(4)

if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))


def require_bench_env():
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing:
        sys.exit(f"{', '.join(missing)} not set: run through `make bench ARGS=\"{sys.argv[0]}\"`.")


def setup_django():
    """Django in this (client) process: for creating users/tokens and reading results."""
    require_bench_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobelix.settings")
    # The bench process mixes asyncio clients with short ORM calls made between them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import logging

    import django

    django.setup()
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# --- processes -------------------------------------------------------------------------

_children: list[Server] = []


def child_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env["PYTHONUNBUFFERED"] = "1"
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def free_port() -> int:
    from jobelix.embedded import free_port as _free_port

    return _free_port()


class Server:
    """A server process of ours on 127.0.0.1 (daphne, the peer), with its output in a log file."""

    def __init__(self, name: str, cmd: list[str], port: int, env: dict | None = None):
        self.name, self.cmd, self.port = name, cmd, port
        self.env = env or child_env()
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{name}-{RUN_TAG}-{port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        from jobelix.embedded import wait_for_port

        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        _children.append(self)
        try:
            wait_for_port(self.port, timeout=timeout, proc=self.proc)
        except Exception as exc:
            self.stop()
            raise RuntimeError(f"{self.name} did not start ({exc}); log:\n{self.log_tail()}") from exc
        return self

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def rss_kib(self) -> int:
        return rss_kib(self.proc.pid)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass


def _stop_children():
    for child in reversed(_children):
        child.stop()


atexit.register(_stop_children)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


class WebServers(Server):
    """N daphne processes as `make run` starts them (jobelix.launch): each on its own SO_REUSEPORT
    socket on one port, passed with --fd; `-v 0`."""

    def __init__(self, name: str, processes: int, env: dict):
        from jobelix.launch import web_processes

        port = free_port()
        self.specs = web_processes("127.0.0.1", port, processes, verbosity=0)
        super().__init__(name, [], port, env)
        self.procs: list[subprocess.Popen] = []

    def start(self, timeout: float = 60) -> Server:
        from jobelix.embedded import wait_for_port

        log = open(self.log_path, "ab")
        for cmd, sock in self.specs:
            self.procs.append(subprocess.Popen(cmd, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL, start_new_session=True,
                                               pass_fds=(sock.fileno(),)))
            sock.close()
        self.proc = self.procs[0]
        _children.append(self)
        for proc in self.procs:
            wait_for_port(self.port, timeout=timeout, proc=proc)
        time.sleep(0.5 * len(self.procs))  # every process has its loop running
        return self

    def rss_kib(self) -> int:
        return sum(rss_kib(p.pid) for p in self.procs)

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def stop(self):
        for proc in self.procs:
            self.proc = proc
            super().stop()


# The bench's bots send as fast as the server answers, far above a real bot's pace: the
# throttles still run on every request (the same checks, the same Redis counters), with
# budgets no bench reaches; and every heartbeat is published (no coalescing), so both
# servers do the same work per heartbeat (docs/performance.md).
BENCH_SERVER_ENV = {
    "THROTTLE_WRITE_RATE": "1000000/min", "THROTTLE_USER_WRITE_RATE": "1000000/min",
    "THROTTLE_HEARTBEAT_RATE": "1000000/min", "THROTTLE_PROGRESS_RATE": "1000000/min",
    "BOT_HEARTBEAT_COALESCE_SECONDS": "0",
    "WS_MAX_SOCKETS_PER_USER": "100000",  # benches open many sockets per user (realtime/guards.py)
}


def start_daphne(name: str = "daphne", processes: int = 1, **env) -> Server:
    """`processes` web processes on one port (the bench's default: 1), with BENCH_SERVER_ENV."""
    return WebServers(name, processes, child_env(**{**BENCH_SERVER_ENV, **env})).start()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_peer(name: str = "peer-socketio", **env) -> Server:
    port = free_port()
    cmd = [PYTHON, str(BASE_DIR / "bench" / "_peer_socketio.py"), "--port", str(port)]
    return Server(name, cmd, port, child_env(**env)).start()


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS in /proc), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def raise_nofile(wanted: int) -> int:
    """Raise this process's open-file limit (children inherit it); return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- users and tokens (ORM in this process) -------------------------------------------------

def make_users(label: str, count: int, staff: bool = False, scope: str = "bot") -> list[tuple[int, str]]:
    """`count` users with a token each (`bot` scope unless told); returns [(user_id, raw_token)].

    bulk_create with unusable passwords: hashing 1,000 passwords would take minutes.
    """
    from django.contrib.auth import get_user_model

    from accounts.models import ApiToken, hash_token
    from accounts.services import TOKEN_PREFIX

    User = get_user_model()
    names = [f"{label}-{RUN_TAG}-{i}" for i in range(count)]
    users = [User(username=name, email=f"{name}@bench.invalid", is_staff=staff) for name in names]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=500)
    ids = dict(User.objects.filter(username__in=names).values_list("username", "id"))
    result, tokens = [], []
    for name in names:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        tokens.append(ApiToken(user_id=ids[name], name="bench", scope=scope,
                               prefix=raw[:12], token_hash=hash_token(raw)))
        result.append((ids[name], raw))
    ApiToken.objects.bulk_create(tokens, batch_size=500)
    return result


def close_db():
    """Let go of this process's DB connection before long asyncio phases."""
    from django.db import connection

    connection.close()


# --- figures ------------------------------------------------------------------------------

def percentile(values, p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms_summary(seconds: list[float]) -> str:
    if not seconds:
        return "no samples"
    ms = [s * 1000 for s in seconds]
    return (f"p50 {percentile(ms, 50):.2f} ms  p95 {percentile(ms, 95):.2f} ms  "
            f"p99 {percentile(ms, 99):.2f} ms  (n={len(ms)})")


def median(values):
    return statistics.median(values) if values else float("nan")


def figure(name: str, value: str):
    """One printed figure: `[bench] name: value` (docs/performance.md quotes these lines)."""
    print(f"[bench] {name}: {value}", flush=True)


class Budget:
    """A wall-clock budget for one phase: loops check `.left()` and stop when it runs out."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.end


# --- WebSocket clients (asyncio, `websockets`) ----------------------------------------------

class Client:
    """One WebSocket client: records arrival times of events, answers pings.

    `protocol` is "jobelix" (our envelope) or "socketio" (Engine.IO v4 / Socket.IO v5
    text frames, spoken by hand so both servers are driven by the same client code).
    """

    def __init__(self, url: str, protocol: str = "jobelix", auth: dict | None = None,
                 on_event=None, headers: dict | None = None, token: str | None = None):
        self.url, self.protocol, self.auth = url, protocol, auth or {}
        # Jobelix: a token goes as `Authorization: Bearer` (never in the URL); a session as a Cookie header.
        self.headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        self.on_event = on_event
        self.ws = None
        self.task = None
        self.connected = asyncio.Event()
        self.events: list[dict] = []
        self.errors: list[dict] = []
        self.close_code: int | None = None
        self.keep_events = True

    async def start(self, timeout: float = 30) -> Client:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, open_timeout=timeout, max_size=2**22, ping_interval=None,
                                close_timeout=2, compression=None, additional_headers=self.headers)
        self.task = asyncio.ensure_future(self._read())
        await asyncio.wait_for(self.connected.wait(), timeout)
        return self

    async def _read(self):
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                now = time.perf_counter()
                if self.protocol == "socketio":
                    await self._socketio_frame(raw, now)
                else:
                    await self._jobelix_frame(raw, now)
        except ConnectionClosed as exc:
            self.close_code = exc.rcvd.code if exc.rcvd else None
        except asyncio.CancelledError:
            raise
        finally:
            if self.close_code is None and self.ws is not None and self.ws.close_code is not None:
                self.close_code = self.ws.close_code
            self.connected.set()  # never leave a waiter hanging

    async def _jobelix_frame(self, raw, now):
        message = json.loads(raw)
        kind = message.get("type")
        if kind == "system.connected":
            self.connected.set()
        elif kind == "system.ping":
            await self.ws.send('{"action": "pong"}')
        elif kind == "system.error":
            self.errors.append(message)
        elif message.get("id") is not None:
            self._event(message, now)

    async def _socketio_frame(self, raw, now):
        # Engine.IO: "0{open}", "2" ping -> "3" pong, "4..." message; Socket.IO inside: "0" connect, "2" event.
        if raw.startswith("0{"):
            await self.ws.send("40" + json.dumps(self.auth))
        elif raw == "2":
            await self.ws.send("3")
        elif raw.startswith("40"):
            self.connected.set()
        elif raw.startswith("44"):  # connect refused
            self.close_code = 4401
            self.connected.set()
        elif raw.startswith("42"):
            name, data = json.loads(raw[2:])[:2]
            self._event(data if isinstance(data, dict) and "type" in data else {"type": name, "data": data}, now)

    def _event(self, event, now):
        if self.keep_events:
            self.events.append(event)
        if self.on_event is not None:
            self.on_event(self, event, now)

    async def send(self, message):
        await self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    async def close(self):
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 3)
            except Exception:
                pass
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except BaseException:
                pass


def jobelix_ws_url(server: Server, channels: str = "bot", **query) -> str:
    """The socket's URL; the client authenticates by header (Client(token=...)) or session cookie
    (Client(headers={"Cookie": session_cookie(...)})), never with a token in the query string."""
    return f"{server.ws}/api/v1/ws?{urlencode({'channels': channels, **query})}"


def session_cookie(user_id: int) -> str:
    """`sessionid=…` of a new logged-in session of that user: staff powers (`C:all` channels)
    come only with a staff session, never with a token (accounts.permissions)."""
    from django.contrib.auth import get_user_model
    from django.test import Client as DjangoClient

    client = DjangoClient()
    client.force_login(get_user_model().objects.get(pk=user_id))
    return f"sessionid={client.cookies['sessionid'].value}"


def socketio_ws_url(server: Server) -> str:
    return f"{server.ws}/socket.io/?EIO=4&transport=websocket"


async def open_clients(make_client, count: int, concurrency: int = 50, budget: Budget | None = None):
    """Connect `count` clients, `concurrency` at a time; returns (clients, per-connect seconds)."""
    clients: list[Client] = []
    durations: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(i):
        async with gate:
            if budget is not None and budget.expired():
                return
            client = make_client(i)
            t0 = time.perf_counter()
            await client.start()
            durations.append(time.perf_counter() - t0)
            if client.close_code is not None:
                raise RuntimeError(f"client {i} was refused (close {client.close_code})")
            clients.append(client)

    await asyncio.gather(*(one(i) for i in range(count)))
    return clients, durations


async def close_clients(clients, concurrency: int = 200):
    gate = asyncio.Semaphore(concurrency)

    async def one(client):
        async with gate:
            await client.close()

    await asyncio.gather(*(one(c) for c in clients))


# --- the bot protocol over HTTP ----------------------------------------------------------

def heartbeat_body(session_id: str, i: int, token: str | None = None) -> dict:
    """The i-th heartbeat of a bot: counters only go up, so stats are derived from i."""
    body = {
        "session_id": session_id,
        "activity": "applying",
        "details": {"job_title": f"Engineer {i}", "company": "Bench Inc"},
        "stats": {"jobs_found": i, "jobs_applied": i // 2, "jobs_failed": i // 10, "credits_used": i // 2},
    }
    if token is not None:
        body["token"] = token
    return body


def run(main_coro):
    """asyncio.run with a hard wall-clock cap, so a stuck phase cannot keep the script alive."""
    cap = float(os.environ.get("JOBELIX_BENCH_MAX_SECONDS", "2400"))

    async def capped():
        return await asyncio.wait_for(main_coro, cap)

    return asyncio.run(capped())
