"""`make run` end to end, and the README's five-minute tour on it, in Chromium.

The launcher runs exactly as `make run` runs it (`python -m jobelix.launch run`, none of
the test run's settings), with its own data directory (JOBELIX_DATA_DIR) and free ports,
so it starts its own embedded PostgreSQL and Redis, migrates, bootstraps admin/demo,
adds the demo companies and runs daphne, a Celery worker, beat, the sandbox board and
the demo career pages. Then the tour: admin scrapes the four demo companies live;
demo launches the bot, whose status card ends on 10 found, 9 applied, 1 refused. Then
Ctrl-C, and nothing it started may be left: no process, no listening port, no
PostgreSQL or Redis."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.sync_api import expect

from jobelix.embedded import BASE_DIR, free_port
from tests.conftest import CHROMIUM
from tests.support import wait_until

pytestmark = pytest.mark.timeout(280)

# What the test run sets for itself and `make run` must not inherit (it decides them).
TEST_RUN_SETTINGS = {
    "DATABASE_URL", "REDIS_URL", "DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "REDIS_PREFIX", "DATABASE_TEST_NAME", "DB_CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
    "JOBELIX_RELIABILITY", "JOBELIX_SANDBOX_BOARD_URL", "JOBELIX_DEMO_LAUNCH", "JOBELIX_BOT_COMMAND",
}
DEMO_COMPANIES, DEMO_JOBS_EACH = 4, 6  # launch.py's career-page server: --companies 4 --jobs 6


class Launcher:
    """`python -m jobelix.launch run` in a session of its own (Ctrl-C reaches it alone)."""

    def __init__(self, data_dir: Path, log_path: Path):
        self.data_dir, self.log_path = data_dir, log_path
        self.port, self.sandbox_port, self.boards_port = free_port(), free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if k not in TEST_RUN_SETTINGS and not k.startswith("PYTEST")}
        env.update({
            "JOBELIX_DATA_DIR": str(data_dir), "PORT": str(self.port),
            "JOBELIX_SANDBOX_PORT": str(self.sandbox_port),
            "JOBELIX_DEMO_BOARDS_URL": f"http://127.0.0.1:{self.boards_port}",
            "JOBELIX_CHROMIUM": CHROMIUM, "JOBELIX_BOT_OUTPUT": str(data_dir / "bot-output"),
            "PYTHONUNBUFFERED": "1",
        })
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "jobelix.launch", "run"], cwd=BASE_DIR, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def healthy(self) -> bool:
        assert self.proc.poll() is None, f"the launcher exited with {self.proc.returncode}:\n{self.output()}"
        try:
            return httpx.get(f"{self.url}/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def everything_it_runs(self) -> dict[int, tuple[float, str]]:
        """pid -> (start time, name) of the launcher's descendants and of its PostgreSQL
        (which pg_ctl detaches, so it is found through postmaster.pid)."""
        found = {}
        for proc in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                found[proc.pid] = (proc.create_time(), " ".join(proc.cmdline()[:4]))
            except psutil.NoSuchProcess:
                pass
        postmaster = int((self.data_dir / "postgres" / "pgdata" / "postmaster.pid").read_text().split()[0])
        found[postmaster] = (psutil.Process(postmaster).create_time(), "postgres")
        return found

    def ctrl_c(self, timeout: float = 60) -> int:
        os.killpg(self.proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        try:
            return self.proc.wait(timeout)
        finally:
            self.log.close()

    def kill(self):
        """After a failure: end what it started anyway (PostgreSQL with a fast shutdown)."""
        for proc in [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait(10)
        self.log.close()
        pid_file = self.data_dir / "postgres" / "pgdata" / "postmaster.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
            except (ProcessLookupError, ValueError):
                pass


def still_running(processes: dict[int, tuple[float, str]]) -> list[str]:
    left = []
    for pid, (started, name) in processes.items():
        try:
            proc = psutil.Process(pid)
            if proc.create_time() == started and proc.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{pid} {name}")
        except psutil.NoSuchProcess:
            pass
    return left


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def log_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/dashboard/")


def scrape_the_demo_companies(page, url: str) -> None:
    """Tour step 2, as admin: Scraping -> Start scraping; the four companies land live."""
    log_in(page, url, "admin", "admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scraping").click()
    page.wait_for_selector("#live-status[data-state=live]")
    page.evaluate("() => { window.__stayed = true; }")
    page.get_by_role("button", name="Start scraping").click()
    page.wait_for_function(f"() => document.querySelectorAll('#company-grid tbody tr').length === {DEMO_COMPANIES}")
    page.wait_for_function("() => document.getElementById('run-status').textContent === 'completed'", timeout=60000)
    grid = page.locator("#company-grid tbody tr")
    assert sorted(grid.nth(i).locator(".c-name").inner_text() for i in range(DEMO_COMPANIES)) == [
        f"Demo Company {n}" for n in range(1, DEMO_COMPANIES + 1)]
    assert [grid.nth(i).locator(".c-status").inner_text() for i in range(DEMO_COMPANIES)] == ["completed"] * 4
    assert [grid.nth(i).locator(".c-jobs").inner_text() for i in range(DEMO_COMPANIES)] == [str(DEMO_JOBS_EACH)] * 4
    assert page.locator("#run-companies").inner_text() == f"{DEMO_COMPANIES}/{DEMO_COMPANIES}"
    assert page.locator("#run-jobs-found").inner_text() == str(DEMO_COMPANIES * DEMO_JOBS_EACH)
    assert page.evaluate("() => window.__stayed") is True  # all of it arrived live, without a reload


def launch_the_bot(page, url: str) -> None:
    """Tour step 3, as demo: Auto-apply -> Launch bot; the card moves to its summary."""
    log_in(page, url, "demo", "demo")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Auto-apply").click()
    page.wait_for_selector("#live-status[data-state=live]")
    page.evaluate("""() => {
        window.__activities = [];
        new MutationObserver(() => window.__activities.push(document.getElementById('bot-activity-message').textContent))
          .observe(document.getElementById('bot-activity-message'), {subtree: true, childList: true, characterData: true});
    }""")
    page.get_by_role("button", name="Launch bot").click()
    summary = page.locator("#bot-summary")
    expect(summary).to_contain_text("Finished (completed)", timeout=180000)
    expect(summary).to_contain_text("applied to 9 of 10 jobs found, 1 failed")
    assert [page.locator(f"#stat-{name}").inner_text() for name in ("jobs_found", "jobs_applied", "jobs_failed")] \
        == ["10", "9", "1"]
    activities = page.evaluate("() => window.__activities")
    assert len(set(activities)) >= 3, activities  # the card moved through the activities
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()
    assert page.locator(".kanban-column[data-status=applied] .kanban-card").count() == 9


def test_make_run_serves_the_five_minute_tour_and_ctrl_c_stops_everything(browser, tmp_path):
    # Under the checkout's .jobelix/ (not pytest's 0700 tmp dirs): as root, pgserver runs postgres
    # as its own system user, which must reach the data directory.
    data_dir = BASE_DIR / ".jobelix" / f"make-run-test-{os.getpid()}"
    shutil.rmtree(data_dir, ignore_errors=True)
    launcher = Launcher(data_dir, tmp_path / "make-run.log")
    stopped = False
    try:
        started = time.monotonic()
        wait_until(launcher.healthy, timeout=180, interval=1, message="make run to answer /health with 200")
        ready = time.monotonic() - started
        assert (data_dir / "demo-bot-token.txt").read_text().strip()  # bootstrap's token, in its data dir
        redis = json.loads((data_dir / "redis" / "server.json").read_text())

        contexts = [browser.new_context(), browser.new_context()]  # "in another browser": own cookies
        try:
            for context in contexts:
                context.set_default_timeout(30000)
            scrape_the_demo_companies(contexts[0].new_page(), launcher.url)
            launch_the_bot(contexts[1].new_page(), launcher.url)
        finally:
            for context in contexts:
                context.close()

        running = launcher.everything_it_runs()
        names = " ".join(name for _, name in running.values())
        for part in ("daphne", "celery", "bot.sandbox", "devtools.career_boards", "redis-server", "postgres"):
            assert part in names, f"{part} is not running under make run: {names}"
        ports = [launcher.port, launcher.sandbox_port, launcher.boards_port, redis["port"]]
        stopping = time.monotonic()
        exit_code = launcher.ctrl_c()
        stopped = True
        assert exit_code == 0, launcher.output()
        assert "[jobelix] stopped." in launcher.output()
        wait_until(lambda: not still_running(running), timeout=15, message="every process make run started to end")
        assert not [port for port in ports if listening(port)]
        assert not (data_dir / "postgres" / "pgdata" / "postmaster.pid").exists()
        print(f"\n[make run] healthy after {ready:.0f} s; stopped in {time.monotonic() - stopping:.1f} s; "
              f"{len(running)} processes, none left")
    finally:
        if not stopped and launcher.proc.poll() is None:
            launcher.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
