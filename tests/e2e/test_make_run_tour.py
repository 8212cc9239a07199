"""`make run` end to end, and the README's five-minute tour on it, in Chromium.

The launcher runs exactly as `make run` runs it (`python -m jobelix.launch run`, none of
the test run's settings), with its own data directory (JOBELIX_DATA_DIR) and free ports,
so it starts its own embedded PostgreSQL and Redis, migrates, bootstraps admin/demo,
adds the demo companies and runs daphne (jobelix.serve), the Celery workers, beat, the sandbox board,
the demo career pages and the ATS form replicas. Then the tour (README "Try it in five
minutes"): admin scrapes the seven demo companies live; demo sees the recommendations
with their scores, auto-applies to the matches >= 70% (review mode: filled, nothing sent),
submits the Berlin "Backend Engineer" (the replica receives exactly that application) and
then the Munich one (skipped: the same role), and launches the bot, whose status card ends
on 10 found, 9 applied, 1 refused. Then Ctrl-C, and nothing it started may be left: no
process, no listening port, no PostgreSQL or Redis."""
import json
import os
import re
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

from devtools.demo import DEMO_COMPANIES
from jobelix.embedded import BASE_DIR, free_port
from tests.conftest import CHROMIUM
from tests.support import wait_until

pytestmark = pytest.mark.timeout(900)

# What the test run sets for itself and `make run` must not inherit (it decides them).
TEST_RUN_SETTINGS = {
    "DATABASE_URL", "REDIS_URL", "DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "REDIS_PREFIX", "DATABASE_TEST_NAME", "DB_CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
    "JOBELIX_RELIABILITY", "JOBELIX_SANDBOX_BOARD_URL", "JOBELIX_DEMO_LAUNCH", "JOBELIX_BOT_COMMAND",
    "JOBELIX_ATS_PORT", "JOBELIX_ATS_CAREERS_URL", "JOBELIX_GREENHOUSE_URL", "JOBELIX_LEVER_URL", "JOBELIX_ASHBY_URL",
    "BROWSER_QUEUE", "CELERY_WORKER_QUEUES", "SUBMISSIONS_SCREENSHOT_DIR",
}
DEMO_JOBS_EACH = 6  # launch.py's career-page server: --companies 4 --jobs 6
# What the demo's scrape finds: the career pages' jobs, and the ATS companies' postings (devtools/ats/server.py).
SCRAPED = {**{f"Demo Company {n}": DEMO_JOBS_EACH for n in range(1, DEMO_COMPANIES + 1)},
           "Acme Analytics": 3, "Northwind Freight": 2, "Lumen Health": 1}
# The demo user's recommendations after it, best first (score, title, company · location; ties in any order).
RECOMMENDED = [
    ("94%", "Backend Engineer", "Acme Analytics · Berlin, Germany"),
    ("94%", "Python Developer", "Lumen Health · Berlin"),
    ("94%", "Senior Backend Engineer", "Northwind Freight · Berlin"),
    ("90%", "Backend Engineer", "Acme Analytics · Munich, Germany"),
    ("69%", "Software Engineer", "Northwind Freight · Berlin"),  # recommended, below the 70% threshold
    *[("60%", "Senior Backend Engineer", f"Demo Company {n} · San Francisco, CA") for n in (2, 3, 4, 1)],
]
# Auto-apply's submissions: the matches >= 70% on a board the applier knows (the Demo Companies' are not).
AUTO_APPLIED = sorted(["Acme Analytics — Backend Engineer", "Acme Analytics — Backend Engineer",
                       "Northwind Freight — Senior Backend Engineer", "Lumen Health — Python Developer"])
RECEIVED = re.compile(r"^\s*ats \| \[(\w+)\] application received: (.*)$", re.M)  # what the replicas print
JOB_TIMEOUT = 300_000  # ms: Chromium fills (and sends) forms on a loaded machine


def free_port_range(count: int) -> int:
    """The first of `count` consecutive free ports (the ATS replicas listen on port .. port+4)."""
    for _ in range(100):
        first = free_port()
        if first + count > 65535:
            continue
        try:
            for port in range(first, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise AssertionError(f"no {count} consecutive free ports")


class Launcher:
    """`python -m jobelix.launch run` in a session of its own (Ctrl-C reaches it alone)."""

    def __init__(self, data_dir: Path, log_path: Path):
        self.data_dir, self.log_path = data_dir, log_path
        self.port, self.sandbox_port, self.boards_port = free_port(), free_port(), free_port()
        self.ats_port = free_port_range(5)  # Greenhouse, Lever, Ashby, the unseen form, the career pages
        env = {k: v for k, v in os.environ.items() if k not in TEST_RUN_SETTINGS and not k.startswith("PYTEST")}
        env.update({
            "JOBELIX_DATA_DIR": str(data_dir), "PORT": str(self.port),
            "JOBELIX_SANDBOX_PORT": str(self.sandbox_port),
            "JOBELIX_DEMO_BOARDS_URL": f"http://127.0.0.1:{self.boards_port}", "JOBELIX_ATS_PORT": str(self.ats_port),
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

    def applications_received(self) -> list[tuple[str, str]]:
        """(ATS, answers) of every application the replicas accepted, as the ats process prints them."""
        return RECEIVED.findall(self.log_path.read_text(errors="replace"))

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


def main_link(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def scrape_the_demo_companies(page, url: str) -> None:
    """Tour step 2, as admin: Scraping -> Start scraping; the seven companies land live."""
    log_in(page, url, "admin", "admin")
    main_link(page, "Scraping")
    page.wait_for_selector("#live-status[data-state=live]")
    page.evaluate("() => { window.__stayed = true; }")
    page.get_by_role("button", name="Start scraping").click()
    page.wait_for_function(f"() => document.querySelectorAll('#company-grid tbody tr').length === {len(SCRAPED)}",
                           timeout=120000)
    page.wait_for_function("() => document.getElementById('run-status').textContent === 'completed'", timeout=180000)
    grid = page.locator("#company-grid tbody tr")
    rows = {grid.nth(i).locator(".c-name").inner_text(): (grid.nth(i).locator(".c-status").inner_text(),
                                                         int(grid.nth(i).locator(".c-jobs").inner_text()))
            for i in range(grid.count())}
    assert rows == {name: ("completed", jobs) for name, jobs in SCRAPED.items()}
    assert page.locator("#run-companies").inner_text() == f"{len(SCRAPED)}/{len(SCRAPED)}"
    assert page.locator("#run-jobs-found").inner_text() == str(sum(SCRAPED.values()))
    assert page.evaluate("() => window.__stayed") is True  # all of it arrived live, without a reload


def recommendations(page) -> list[tuple[str, str, str]]:
    page.reload()
    items = page.locator("#recommendation-list > li:not(.empty)")
    return [(items.nth(i).locator(".badge").first.inner_text(), items.nth(i).locator("a").first.inner_text(),
             items.nth(i).locator("span.muted").first.inner_text().strip().removeprefix("at "))
            for i in range(items.count())]


def auto_apply_for_review(page, url: str, launcher: Launcher) -> None:
    """Tour step 3, as demo: Recommendations with their scores; Auto-apply to matches >= 70% fills each form and
    stops at review (review mode, on for the demo profile): nothing reaches the replicas."""
    log_in(page, url, "demo", "demo")
    main_link(page, "Recommendations")
    seen: list = []

    def scored() -> bool:
        seen.append(recommendations(page))
        return sorted(seen[-1]) == sorted(RECOMMENDED)
    try:  # each new posting is scored against every profile, by the Celery worker
        wait_until(scored, timeout=120, interval=2, message="the demo user's recommendations")
    except AssertionError:
        pass
    assert sorted(seen[-1]) == sorted(RECOMMENDED)
    assert [score for score, _, _ in seen[-1]] == [score for score, _, _ in RECOMMENDED]  # best first
    page.get_by_role("button", name="Auto-apply to matches ≥ 70%").click()
    page.wait_for_url(f"{url}/submissions/*/")
    expect(page.locator("#recent-submissions .badge.review")).to_have_count(len(AUTO_APPLIED), timeout=JOB_TIMEOUT)
    expect(page.locator("#submission-job [data-field=status]")).to_have_text("Completed", timeout=JOB_TIMEOUT)
    assert sorted(page.locator("#recent-submissions .target").all_inner_texts()) == AUTO_APPLIED
    assert page.locator("#submission-job [data-field=total]").inner_text() == str(len(AUTO_APPLIED))
    assert launcher.applications_received() == []  # filled in and screenshotted, nothing sent


def submit_berlin_then_munich(page, url: str, launcher: Launcher) -> None:
    """Tour step 4: Review -> on the Berlin "Backend Engineer", Submit: the Greenhouse replica receives exactly
    that application and Applications has it as Applied, its screenshot a link away; Submit on the Munich one
    afterwards: skipped, the same role."""
    job_page = page.url
    reviews = page.locator("#recent-submissions li").filter(has_text="Acme Analytics — Backend Engineer")
    hrefs = [reviews.nth(i).get_by_role("link", name="Review →").get_attribute("href") for i in range(2)]
    where = {}
    for href in hrefs:
        page.goto(url + href)
        where[page.locator("#tracker-page > p.muted").first.inner_text().split(" · ")[0]] = href
    assert sorted(where) == ["Berlin, Germany", "Munich, Germany"]

    page.goto(job_page)
    page.locator(f'#recent-submissions a.open[href="{where["Berlin, Germany"]}"]').click()
    expect(page.locator("#bot-apply-status")).to_have_text("Waiting for your review")
    page.wait_for_function("() => document.getElementById('review-screenshot').naturalWidth > 300")  # the filled form
    page.locator("#review-submit").click()
    expect(page.locator("#bot-confirmation")).to_contain_text("Thank you for applying. Your application to Backend "
                                                              "Engineer at Acme Analytics has been received.",
                                                              timeout=JOB_TIMEOUT)
    expect(page.locator("#bot-apply-status")).to_have_text("Submitted")
    wait_until(launcher.applications_received, timeout=30, message="the replica's log of the application")
    [(ats, answers)] = launcher.applications_received()
    assert ats == "greenhouse" and "'First Name': 'Dana', 'Last Name': 'Demo'" in answers, answers

    page.goto(url + where["Munich, Germany"])
    page.locator("#review-submit").click()
    expect(page.locator("#bot-apply-status")).to_have_text("Skipped", timeout=JOB_TIMEOUT)
    expect(page.locator("#bot-apply-message")).to_have_text(
        "Already applied to the same role: Backend Engineer at Acme Analytics (Berlin, Germany).")
    assert len(launcher.applications_received()) == 1  # the Munich one was never sent

    main_link(page, "Applications")
    applied = page.locator(".kanban-column[data-status=applied] .kanban-card")
    expect(applied).to_have_count(1)
    expect(applied.locator(".card-company")).to_have_text("Acme Analytics")
    applied.get_by_role("link", name="Backend Engineer").click()
    expect(page.locator("#tracker-page > p.muted").first).to_contain_text("Berlin, Germany")
    expect(page.locator("#application-state")).to_contain_text("Status: Applied")
    shot = page.request.get(url + page.locator("#application-screenshot").get_attribute("href"))
    assert shot.status == 200 and shot.body().startswith(b"\x89PNG")  # the form as it was sent


def launch_the_bot(page, url: str, launcher: Launcher) -> None:
    """Tour step 5, as demo: Auto-apply -> Launch bot; the card moves to its summary."""
    main_link(page, "Auto-apply")
    page.wait_for_selector("#live-status[data-state=live]")
    page.evaluate("""() => {
        window.__activities = [];
        new MutationObserver(() => window.__activities.push(document.getElementById('bot-activity-message').textContent))
          .observe(document.getElementById('bot-activity-message'), {subtree: true, childList: true, characterData: true});
    }""")
    page.get_by_role("button", name="Launch bot").click()
    summary = page.locator("#bot-summary")
    expect(summary).to_contain_text("Finished (completed)", timeout=JOB_TIMEOUT)
    expect(summary).to_contain_text("applied to 9 of 10 jobs found, 1 failed")
    assert [page.locator(f"#stat-{name}").inner_text() for name in ("jobs_found", "jobs_applied", "jobs_failed")] \
        == ["10", "9", "1"]
    activities = page.evaluate("() => window.__activities")
    assert len(set(activities)) >= 3, activities  # the card moved through the activities
    main_link(page, "Applications")
    # the bot's 9 on the sandbox board, and step 4's one on the Greenhouse replica
    expect(page.locator(".kanban-column[data-status=applied] .kanban-card")).to_have_count(10)
    assert len(launcher.applications_received()) == 1


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
                context.set_default_timeout(60000)
            scrape_the_demo_companies(contexts[0].new_page(), launcher.url)
            demo = contexts[1].new_page()
            auto_apply_for_review(demo, launcher.url, launcher)
            submit_berlin_then_munich(demo, launcher.url, launcher)
            launch_the_bot(demo, launcher.url, launcher)
        finally:
            for context in contexts:
                context.close()

        running = launcher.everything_it_runs()
        names = " ".join(name for _, name in running.values())
        for part in ("jobelix.serve", "celery", "bot.sandbox", "devtools.career_boards", "devtools.ats.server",
                     "redis-server", "postgres"):
            assert part in names, f"{part} is not running under make run: {names}"
        ports = [launcher.port, launcher.sandbox_port, launcher.boards_port, redis["port"],
                 *range(launcher.ats_port, launcher.ats_port + 5)]
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
