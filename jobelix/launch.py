"""`make run` and `make test`: one entry point that prepares the servers.

    python -m jobelix.launch run     # embedded servers, migrate, bootstrap users, run all processes
    python -m jobelix.launch test -- [pytest args]
    python -m jobelix.launch bench -- [bench/script.py [--option value] …]
    python -m jobelix.launch reliability -- [pytest args]   # the slow tests/reliability tests

Embedded PostgreSQL/Redis start only when DATABASE_URL / REDIS_URL are unset.
Ctrl-C (or SIGTERM) stops every process started here, embedded servers included.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time

from core.loopback import is_loopback_host
from jobelix import browser
from jobelix.embedded import BASE_DIR, DATA_DIR, EmbeddedPostgres, EmbeddedRedis

PYTHON = sys.executable


def start_services() -> list:
    """Point DATABASE_URL/REDIS_URL at embedded servers unless given; return stoppers."""
    stoppers = []
    if not os.environ.get("DATABASE_URL"):
        pg = EmbeddedPostgres()
        os.environ["DATABASE_URL"] = pg.start()
        stoppers.append(pg.stop)
        print(f"[jobelix] embedded PostgreSQL: {os.environ['DATABASE_URL']}", flush=True)
    if not os.environ.get("REDIS_URL"):
        redis = EmbeddedRedis()
        os.environ["REDIS_URL"] = redis.start()
        stoppers.append(redis.stop)
        print(f"[jobelix] embedded Redis: {os.environ['REDIS_URL']}", flush=True)
    return stoppers


def stop_services(stoppers):
    for stop in reversed(stoppers):
        try:
            stop()
        except Exception as exc:  # keep stopping the others
            print(f"[jobelix] while stopping a server: {exc}", file=sys.stderr)


def manage(*args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=True)


def web_concurrency() -> int:
    """WEB_CONCURRENCY daphne processes; by default one per core (each runs one event loop)."""
    return int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening socket of its own for one web process: SO_REUSEPORT lets the kernel spread
    connections evenly over the processes (one shared socket split them 1:2), and the backlog
    is ours (daphne's -b/-p listens with 50)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def daphne_command(fd: int | None = None, verbosity: int = 1, bind: tuple[str, int] | None = None) -> list[str]:
    """daphne on an inherited socket (or `bind` host, port), with WebSocket protocol pings from the
    realtime settings: a peer that does not answer one within REALTIME_PING_TIMEOUT is dropped."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobelix.settings")
    from django.conf import settings

    where = ["--fd", str(fd)] if fd is not None else ["-b", bind[0], "-p", str(bind[1])] if bind else []
    return [PYTHON, "-m", "jobelix.serve", *where, "-v", str(verbosity),
            "--ping-interval", str(settings.REALTIME_PING_INTERVAL),
            "--ping-timeout", str(settings.REALTIME_PING_TIMEOUT), "jobelix.asgi:application"]


def web_processes(host: str, port: int, count: int, verbosity: int = 1) -> list[tuple[list[str], socket.socket]]:
    """`count` daphne commands, each with its own SO_REUSEPORT socket on host:port (IPv4)."""
    result = []
    for _ in range(count):
        sock = listen_socket(host, port)
        result.append((daphne_command(sock.fileno(), verbosity), sock))
    return result


def processes(port: int) -> dict[str, list[str]]:
    """The Procfile of `make run`: one OS process each (web: WEB_CONCURRENCY of them)."""
    celery = [PYTHON, "-m", "celery", "-A", "jobelix"]
    procs: dict[str, list[str]] = {}
    for n, (cmd, sock) in enumerate(web_processes(os.environ.get("HOST", "127.0.0.1"), port, web_concurrency())):
        name = "web" if n == 0 else f"web{n + 1}"
        procs[name] = cmd
        _inherited[name] = sock
    procs |= {
        "worker": celery + ["worker", "-Q", "celery,analysis", "-n", "worker@%h", "--loglevel", "INFO",
                            "--pool", "threads", "--concurrency", "4"],
        # The browser queue (submission jobs, hosted bot runs): a worker that may start Chromium.
        "browser": celery + ["worker", "-Q", os.environ.get("BROWSER_QUEUE", "browser"), "-n", "browser@%h",
                             "--loglevel", "INFO", "--pool", "threads", "--concurrency", "2"],
        "beat": celery + ["beat", "--loglevel", "INFO",
                          "--schedule", str(DATA_DIR / "celerybeat-schedule")],
    }
    sandbox_port = os.environ.get("JOBELIX_SANDBOX_PORT", "8765")
    procs["sandbox"] = [PYTHON, "-m", "bot.sandbox", "--port", sandbox_port]
    if os.environ.get("JOBELIX_DEMO_BOARDS_URL"):
        # Demo career pages (schema.org JobPosting) that the demo companies point at.
        boards_port = os.environ["JOBELIX_DEMO_BOARDS_URL"].rsplit(":", 1)[1]
        procs["boards"] = [PYTHON, "-m", "devtools.career_boards", "--port", boards_port,
                           "--companies", "4", "--jobs", "6"]
    if os.environ.get("JOBELIX_ATS_PORT"):
        # Greenhouse, Lever, Ashby form replicas and their companies' career pages (devtools/ats/server.py).
        procs["ats"] = [PYTHON, "-m", "devtools.ats.server", "--demo", "--port", os.environ["JOBELIX_ATS_PORT"]]
    return procs


_inherited: dict[str, socket.socket] = {}  # name -> the listening socket its process inherits


def supervise(procs: dict[str, list[str]]) -> int:
    """Run the processes, prefix their output, stop all when one dies or on Ctrl-C."""
    import threading

    children: dict[str, subprocess.Popen] = {}
    stopping = threading.Event()

    def pump(name, stream):
        for line in iter(stream.readline, b""):
            sys.stdout.write(f"{name:>7} | {line.decode(errors='replace')}")
            sys.stdout.flush()

    def request_stop(*_):
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    for name, cmd in procs.items():
        fds = (_inherited[name].fileno(),) if name in _inherited else ()
        child = subprocess.Popen(cmd, cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, pass_fds=fds)
        children[name] = child
        threading.Thread(target=pump, args=(name, child.stdout), daemon=True).start()
    exit_code = 0
    while not stopping.is_set():
        for name, child in children.items():
            if child.poll() is not None:
                print(f"[jobelix] {name} exited with {child.returncode}; stopping everything", flush=True)
                exit_code = child.returncode or 1
                stopping.set()
                break
        stopping.wait(0.5)
    print("[jobelix] stopping…", flush=True)
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    return exit_code


def refuse_public_debug() -> str | None:
    """DEBUG=1 shows tracebacks and creates demo users with known passwords: loopback only."""
    host = os.environ.get("HOST", "127.0.0.1")
    debug = os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
    if debug and not is_loopback_host(host):
        return (f"[jobelix] refusing to serve DEBUG=1 on HOST={host}: DEBUG is for loopback only "
                "(set HOST=127.0.0.1, or DEBUG=0 with SECRET_KEY and ALLOWED_HOSTS).")
    return None


def run() -> int:
    os.environ.setdefault("DEBUG", "1")
    refusal = refuse_public_debug()
    if refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobelix.settings")
    port = int(os.environ.get("PORT", "8000"))
    os.environ.setdefault("JOBELIX_DEMO_BOARDS_URL", "http://127.0.0.1:8767")
    sandbox_port = os.environ.setdefault("JOBELIX_SANDBOX_PORT", "8765")
    os.environ.setdefault("JOBELIX_SANDBOX_BOARD_URL", f"http://127.0.0.1:{sandbox_port}")
    os.environ.setdefault("OUTGOING_ALLOW_LOOPBACK", "1")  # the demo boards above are on loopback
    # The ATS replicas' ports (devtools.ats.server --demo: one per ATS, then the career pages), exported
    # as the JOBELIX_*_URL lines it prints so the bot routes their postings to its adapters.
    ats_port = int(os.environ.setdefault("JOBELIX_ATS_PORT", "8811"))
    for i, ats in enumerate(("GREENHOUSE", "LEVER", "ASHBY")):
        os.environ.setdefault(f"JOBELIX_{ats}_URL", f"http://127.0.0.1:{ats_port + i}")
    os.environ.setdefault("JOBELIX_ATS_CAREERS_URL", f"http://127.0.0.1:{ats_port + 4}")
    stoppers = start_services()
    try:
        manage("migrate", "--noinput")
        manage("bootstrap")
        subprocess.run([PYTHON, "-m", "devtools.demo"], cwd=BASE_DIR, check=True)  # demo companies
        print(f"\n[jobelix] Jobelix is starting at http://127.0.0.1:{port}/  (Ctrl-C stops everything)\n",
              flush=True)
        return supervise(processes(port))
    finally:
        stop_services(stoppers)
        print("[jobelix] stopped.", flush=True)


def loopback_environment(run_id: str, allowed_hosts: str):
    """Production-like settings (DEBUG off) served over plain HTTP on loopback, with this
    run's own Redis key prefix, so its channel groups and Celery queues meet no other run's."""
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("OUTGOING_ALLOW_LOOPBACK", "1")  # fake boards and models on 127.0.0.1
    os.environ.setdefault("INSECURE_COOKIES", "1")  # plain HTTP on loopback: cookies without Secure
    os.environ.setdefault("SECRET_KEY", f"{run_id}-" + secrets.token_hex(16))
    os.environ.setdefault("ALLOWED_HOSTS", allowed_hosts)
    os.environ.setdefault("REDIS_PREFIX", f"jobelix-{run_id}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobelix.settings")


def test(pytest_args: list[str]) -> int:
    run_id = secrets.token_hex(4)
    loopback_environment(f"test-{run_id}", "127.0.0.1,localhost,testserver")
    # The test runner creates and drops this database: one per run, beside the others on the server.
    os.environ["DATABASE_TEST_NAME"] = f"test_jobelix_{run_id}"
    os.environ.setdefault("DB_CONN_MAX_AGE", "0")
    stoppers = start_services()
    try:
        return subprocess.call([PYTHON, "-m", "pytest", *pytest_args], cwd=BASE_DIR)
    finally:
        stop_services(stoppers)


def reliability(pytest_args: list[str]) -> int:
    """`make reliability`: the slow load/fault tests (marker `reliability`), which `make test` leaves out."""
    os.environ["JOBELIX_RELIABILITY"] = "1"
    return test(["tests/reliability", "-m", "reliability", *pytest_args])


def fresh_database(name: str) -> str:
    """(Re)create database `name` on the configured server; return its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(os.environ["DATABASE_URL"])
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def bench_commands(args: list[str]) -> list[tuple[str, list[str]]]:
    """`a.py --x 1 b.py` -> [("a.py", ["--x", "1"]), ("b.py", [])]: options follow their script."""
    commands: list[tuple[str, list[str]]] = []
    for arg in args:
        if arg.endswith(".py") or not commands:
            commands.append((arg, []))
        else:
            commands[-1][1].append(arg)
    return commands


def bench(scripts: list[str]) -> int:
    """Run bench/ scripts (all by default) on a fresh `jobelix_bench` database; they print figures."""
    loopback_environment("bench" + secrets.token_hex(3), "127.0.0.1,localhost")
    stoppers = start_services()
    try:
        os.environ["DATABASE_URL"] = fresh_database("jobelix_bench")
        manage("migrate", "--noinput", "-v", "0")
        if not scripts:
            scripts = sorted(str(p.relative_to(BASE_DIR)) for p in (BASE_DIR / "bench").glob("*.py")
                             if not p.name.startswith("_"))
        failed = 0
        for script, script_args in bench_commands(scripts):
            print(f"\n=== {' '.join([script, *script_args])}", flush=True)
            failed += subprocess.call([PYTHON, script, *script_args], cwd=BASE_DIR) != 0
        return 1 if failed else 0
    finally:
        stop_services(stoppers)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {"run", "test", "bench", "reliability", "services"}:
        print(__doc__)
        return 2
    command, rest = argv[0], [a for a in argv[1:] if a != "--"]
    if command != "services":
        browser.provide_or_exit()  # first: find/provision Chromium, export JOBELIX_CHROMIUM (jobelix/browser.py)
    if command == "run":
        return run()
    if command == "test":
        return test(rest)
    if command == "bench":
        return bench(rest)
    if command == "reliability":
        return reliability(rest)
    # `services`: start the embedded servers and print their URLs (for manual use).
    start_services()
    return 0


if __name__ == "__main__":
    sys.exit(main())
