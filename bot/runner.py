"""One auto-apply run: browser, board login, search, then tailor/answer/submit per job,
reporting every step through the StatusReporter with the spec's activity codes.

Guarantees: a fatal error completes the session as failed with the error; the
browser is always closed; reporter.stopped is checked before each job and ends
the run as `stopped`; a posting already applied to (per the server or the local
ledger) is never applied to again; the per-run and daily caps are respected;
dry runs fill forms without submitting.
"""

from __future__ import annotations

import os
import platform
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .answers import Answerer
from .api import AppliedInfo, JobelixAPI, normalize_url
from .console import ConsoleProgress
from .ledger import Ledger
from .llm import LLMClient
from .profile import Profile
from .resume import build_resume, slug
from .sites import FormResult, JobDetails, JobRef, SiteAdapter, SubmitResult, get_adapter

BOT_VERSION = "1.0.0"
DEFAULT_BOARD_URL = "http://127.0.0.1:8765"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
HEARTBEAT_INTERVAL = 45.0

COMPLETED, STOPPED, FAILED = "completed", "stopped", "failed"
EXIT_CODES = {COMPLETED: 0, FAILED: 1, STOPPED: 2}


# Set by the CLI's SIGTERM handler. A flag, not an exception: an exception raised from a
# signal handler can land inside Playwright's own event loop and break its connection.
INTERRUPT = threading.Event()


class Interrupted(BaseException):
    """SIGTERM (raised by the CLI's handler): end the run like a stop from the dashboard.

    A BaseException, like KeyboardInterrupt, so the per-job error handling cannot swallow it."""


@dataclass
class RunConfig:
    board_url: str = DEFAULT_BOARD_URL
    site: str = "sandbox"
    board_email: str = ""
    board_password: str = ""
    max_applications: int | None = None  # per run
    daily_cap: int | None = 25  # per day, counting the server's applied_today
    dry_run: bool = False
    headed: bool = False
    chromium_path: str = DEFAULT_CHROMIUM
    output_dir: Path = Path("bot-output")
    heartbeat_interval: float = HEARTBEAT_INTERVAL
    page_timeout_ms: int = 30_000
    profile_path: Path | None = None  # a local profile JSON instead of the server's
    apply_delay: float = 0.0  # seconds between two applications (politeness; the hosted run uses the profile's)


@dataclass
class RunResult:
    outcome: str
    stats: dict
    error: str = ""
    applied: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped_already_applied: int = 0
    resume_dir: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]


class SafeReporter:
    """Wraps the StatusReporter: thread-safe, never raises, echoes each step to the console,
    and remembers when the last heartbeat went out (for the keep-alive thread)."""

    def __init__(self, reporter, console: ConsoleProgress):
        self.reporter = reporter
        self.console = console
        self.lock = threading.RLock()
        self.last_beat = time.monotonic()
        self.current: tuple[str, dict | None] = ("browser_opening", None)
        self.local_stats = {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}

    @property
    def stopped(self) -> bool:
        return INTERRUPT.is_set() or bool(getattr(self.reporter, "stopped", False))

    @property
    def stats(self) -> dict:
        stats = getattr(self.reporter, "stats", None)
        return dict(stats) if isinstance(stats, dict) else dict(self.local_stats)

    def _safe(self, name: str, *args, **kwargs):
        with self.lock:
            try:
                return getattr(self.reporter, name)(*args, **kwargs)
            except Exception as exc:  # status reporting must never stop the bot
                print(f"[bot] status reporting error in {name} (ignored): {exc}", file=sys.stderr, flush=True)
                return None

    def start_session(self) -> None:
        if not self._safe("start_session", BOT_VERSION, platform.system().lower()):
            self.console.note("Status reporting unavailable; continuing without it.")

    def heartbeat(self, activity: str, details: dict | None = None, remember: bool = True) -> None:
        with self.lock:
            if remember:
                self.current = (activity, details)
            self.last_beat = time.monotonic()
            self._safe("send_heartbeat", activity, details)
            self.console.activity(activity, details, self.stats)

    def increment(self, counter: str, n: int = 1) -> None:
        with self.lock:
            self.local_stats[counter] += n
            self._safe(f"increment_{counter}", n)

    def complete(self, success: bool, error_message: str | None = None) -> None:
        self._safe("complete_session", success, error_message)


class KeepAlive(threading.Thread):
    """Sends a heartbeat whenever none went out for `interval` seconds (slow pages, long searches)."""

    def __init__(self, reporter: SafeReporter, interval: float, progress):
        super().__init__(name="bot-keepalive", daemon=True)
        self.reporter = reporter
        self.interval = interval
        self.progress = progress  # callable -> details for applying_jobs, or None outside the job loop
        self.done = threading.Event()

    def run(self) -> None:
        tick = max(0.05, min(1.0, self.interval / 5))
        while not self.done.wait(tick):
            if time.monotonic() - self.reporter.last_beat < self.interval:
                continue
            details = self.progress()
            if details is not None:
                self.reporter.heartbeat("applying_jobs", details, remember=False)
            else:
                activity, current = self.reporter.current
                self.reporter.heartbeat(activity, current, remember=False)

    def stop(self) -> None:
        self.done.set()


class BotRunner:
    def __init__(self, config: RunConfig, reporter, api: JobelixAPI | None, console: ConsoleProgress | None = None,
                 llm: LLMClient | None = None, adapter_class: type[SiteAdapter] | None = None):
        self.config = config
        self.console = console or ConsoleProgress()
        self.status = SafeReporter(reporter, self.console)
        self.api = api
        self.llm = llm
        self.adapter_class = adapter_class or get_adapter(config.site)
        self.browser = None
        self.closed_browser = None  # the last browser, kept so tests can check it was closed
        self._playwright = None
        self._progress: dict | None = None
        self.result = RunResult(outcome=FAILED, stats={})

    # -- the run ----------------------------------------------------------------
    def run(self) -> RunResult:
        cfg = self.config
        status = self.status
        status.start_session()
        keepalive = KeepAlive(status, cfg.heartbeat_interval, lambda: self._progress)
        keepalive.start()
        outcome, error = FAILED, ""
        try:
            outcome = self._run()
            error = ("Interrupted (SIGTERM)" if INTERRUPT.is_set() else "Stopped by user") if outcome == STOPPED else ""
            if outcome == STOPPED:
                status.complete(False, error)
            else:
                status.complete(True)
        except (Interrupted, KeyboardInterrupt) as exc:
            outcome, error = STOPPED, str(exc) or "Interrupted (SIGINT)"
            status.complete(False, error)
        except Exception as exc:
            outcome, error = FAILED, describe_error(exc)
            self.console.note(f"Fatal error: {error}")
            if not isinstance(exc, FatalError):
                traceback.print_exc()
            status.complete(False, error[:200])
        finally:
            keepalive.stop()
            self._close_browser()
        self.result.outcome = outcome
        self.result.error = error
        self.result.stats = status.stats
        self.console.summary(self.result)
        return self.result

    def _run(self) -> str:
        cfg, status = self.config, self.status
        profile = self._load_profile()
        resume_dir = Path(cfg.output_dir) / "resumes"
        self.result.resume_dir = str(resume_dir)
        ledger = Ledger(Path(cfg.output_dir) / f"applied-{slug(profile.email or 'default')}.json")
        applied_info = self._applied_info(ledger)
        budget = self._budget(applied_info, ledger)

        status.heartbeat("browser_opening")
        page = self._open_browser()
        status.heartbeat("browser_opened")

        adapter = self.adapter_class(page, cfg.board_url, cfg.page_timeout_ms)
        status.heartbeat("linkedin_login", {"board": adapter.name, "url": cfg.board_url})
        if adapter.login_required:
            adapter.login(cfg.board_email, cfg.board_password)
        status.heartbeat("linkedin_login_done", {"board": adapter.name})

        queries = adapter.search_queries(profile)
        status.heartbeat("searching_jobs", {
            "query": ", ".join(dict.fromkeys(q for q, _ in queries)),
            "location": ", ".join(dict.fromkeys(loc for _, loc in queries if loc)) or "Anywhere",
        })
        refs = adapter.search(profile)
        done = applied_info.job_urls if applied_info else set()
        new = [r for r in refs if normalize_url(r.url) not in done and not ledger.has(r.url)]
        self.result.skipped_already_applied = len(refs) - len(new)
        status.increment("jobs_found", len(new))
        status.heartbeat("jobs_found", {"count": len(new), "total": len(refs),
                                        "already_applied": len(refs) - len(new)})

        answerer = Answerer(profile, self.llm, on_llm_call=lambda: status.increment("credits_used"))
        submitted = 0
        for index, ref in enumerate(new):
            if index and cfg.apply_delay > 0:
                self._pause(cfg.apply_delay)
            if status.stopped:
                self.console.note("Stop requested; finishing gracefully.")
                return STOPPED
            if budget is not None and submitted >= budget:
                status.heartbeat("applying_jobs", {"progress": f"{index}/{len(new)}",
                                                   "reason": "application cap reached"})
                break
            self._progress = {"progress": f"{index + 1}/{len(new)}", "current_company": ref.company}
            status.heartbeat("applying_jobs", dict(self._progress))
            if self._apply_one(adapter, answerer, profile, ref, resume_dir, ledger):
                submitted += 1
        self._progress = None
        if status.stopped:
            return STOPPED
        status.heartbeat("finalizing")
        self._close_browser()
        return COMPLETED

    def _apply_one(self, adapter: SiteAdapter, answerer: Answerer, profile: Profile, ref: JobRef,
                   resume_dir: Path, ledger: Ledger) -> bool:
        """Apply to one posting; True when submitted (or filled, in a dry run). Failures are reported, not raised."""
        status, cfg = self.status, self.config
        who = {"job_title": ref.title, "company": ref.company}

        def step(activity: str, details: dict) -> None:
            who.update(job_title=details["job_title"], company=details["company"])
            status.heartbeat(activity, details)

        try:
            job, outcome = apply_to_job(adapter, answerer, profile, ref, resume_dir, submit=not cfg.dry_run,
                                        on_step=step)
            if outcome is None:  # dry run: filled, not sent
                status.heartbeat("applying_jobs", {**who, "dry_run": True, "progress": self._progress_text()})
                self.result.applied.append(job.url)
                return True
        except Exception as exc:
            if self._browser_gone():
                raise FatalError(f"the browser closed unexpectedly ({describe_error(exc)})") from exc
            if not _expected_failure(exc):
                traceback.print_exc()
            error = describe_error(exc)
            self.result.failed.append((ref.url, error))
            status.increment("jobs_failed")
            status.heartbeat("application_failed", {**who, "error": error[:100]})
            return False
        status.increment("jobs_applied")
        synced = self.api.record_application(job, adapter.source) if self.api else False
        ledger.add(job, synced=synced, confirmation=outcome.confirmation)
        if self.api and not synced:
            self.console.note(f"Could not record the application on the server ({self.api.last_error}); "
                              "kept locally, it will be sent on the next run.")
        self.result.applied.append(job.url)
        status.heartbeat("application_submitted", {**who, "job_url": job.url})
        return True

    # -- helpers --------------------------------------------------------------------
    def _pause(self, seconds: float) -> None:
        """Wait between applications (a human pace), ending early on a stop."""
        deadline = time.monotonic() + seconds
        while not self.status.stopped and time.monotonic() < deadline:
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))

    def _progress_text(self) -> str:
        return (self._progress or {}).get("progress", "")

    def _load_profile(self) -> Profile:
        if self.config.profile_path:
            try:
                return Profile.from_file(self.config.profile_path)
            except (OSError, ValueError) as exc:
                raise FatalError(f"could not read the profile file {self.config.profile_path}: {exc}") from exc
        data = self.api.get_profile() if self.api else None
        if data is None:
            reason = self.api.last_error if self.api else "no server configured"
            raise FatalError(f"could not load your profile from the server ({reason})")
        profile = Profile.from_dict(data)
        if not (profile.desired_titles or profile.skills):
            raise FatalError("your profile has no desired titles or skills to search for; fill it in first")
        return profile

    def _applied_info(self, ledger: Ledger) -> AppliedInfo | None:
        """What the server knows; first sends it the applications it missed last time."""
        if not self.api:
            return None
        info = self.api.get_applied()
        if info is None:
            self.console.note(f"Server unreachable for the applied list ({self.api.last_error}); "
                              "using the local ledger.")
            return None
        for entry in ledger.pending():
            job = JobDetails(id="", url=entry["job_url"], title=entry.get("job_title", ""),
                             company=entry.get("company", ""), location=entry.get("location", ""),
                             description=entry.get("description", ""))
            if self.api.record_application(job, "bot"):
                ledger.mark_synced(entry["job_url"])
                info.job_urls.add(normalize_url(entry["job_url"]))
        return info

    def _budget(self, info: AppliedInfo | None, ledger: Ledger) -> int | None:
        cfg = self.config
        limits = []
        if cfg.max_applications is not None:
            limits.append(max(0, cfg.max_applications))
        if cfg.daily_cap is not None:
            today = info.applied_today if info is not None else ledger.applied_today()
            limits.append(max(0, cfg.daily_cap - today))
            if today >= cfg.daily_cap:
                self.console.note(f"Daily cap of {cfg.daily_cap} applications reached; nothing will be submitted.")
        return min(limits) if limits else None

    def _open_browser(self):
        self._playwright, self.browser, page = launch_chromium(self.config.chromium_path, headed=self.config.headed)
        return page

    def _browser_gone(self) -> bool:
        return self.browser is None or not self.browser.is_connected()

    def _close_browser(self) -> None:
        browser, self.browser = self.browser, None
        pw, self._playwright = self._playwright, None
        if browser is not None:
            self.closed_browser = browser
        close_chromium(pw, browser)


# -- pieces shared with the browser applier (bot/applier.py) ----------------------------

def launch_chromium(chromium_path: str = DEFAULT_CHROMIUM, headed: bool = False):
    """Start Playwright and Chromium with the bot's launch args; returns (playwright, browser, page).

    FatalError when the executable is missing; Playwright is stopped again if the launch fails."""
    if not os.path.exists(chromium_path):
        raise FatalError(f"Chromium not found at {chromium_path} (set JOBELIX_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=not headed, args=CHROMIUM_ARGS)
        page = browser.new_context(accept_downloads=False).new_page()
    except BaseException:
        close_chromium(pw, None)
        raise
    return pw, browser, page


def close_chromium(pw, browser) -> None:
    """Close the browser then stop Playwright; never raises (either may be None)."""
    for closer in ((browser.close if browser else None), (pw.stop if pw else None)):
        if closer is None:
            continue
        try:
            closer()
        except Exception as exc:
            print(f"[bot] while closing the browser: {exc}", file=sys.stderr, flush=True)


def apply_to_job(adapter: SiteAdapter, answerer: Answerer, profile: Profile, ref: JobRef, resume_dir: Path,
                 submit: bool = True, on_step=None, *, answers: Mapping[str, str] | None = None,
                 review_screenshot: Path | None = None,
                 sent_screenshot: Path | None = None) -> tuple[JobDetails, SubmitResult | None]:
    """One application: open the posting, tailor the resume, answer the form, then send it.

    on_step(activity, details) is called before each step with the spec's activity codes
    (creating_resume, answering_questions, submitting_application). With submit=False the
    form is filled but not sent and the result is None. Errors are raised, not reported.

    answers: the user's saved answers (by question name or normalised text), which win over the
    answerer's. review_screenshot: review mode: the form is filled and screenshotted there, nothing
    is sent, and the result is a FormResult(submitted=False). sent_screenshot: the filled form is
    screenshotted there right before it is sent (the record of what went out). The label-based form
    adapters (bot/sites/generic.py) get the answerer, the answers and review mode as attributes, so
    questions on later pages are answered the same way."""
    on_step = on_step or (lambda activity, details: None)
    form_adapter = hasattr(adapter, "supplied_answers")
    if form_adapter:
        adapter.answerer = answerer  # type: ignore[attr-defined]
        if answers is not None:
            adapter.supplied_answers = dict(answers)  # type: ignore[attr-defined]
        if review_screenshot is not None:
            adapter.review_screenshot = Path(review_screenshot)  # type: ignore[attr-defined]
    job = adapter.open_job(ref)
    who = {"job_title": job.title, "company": job.company}
    on_step("creating_resume", dict(who))
    resume = build_resume(profile, job, resume_dir)
    questions = adapter.open_application(job)
    on_step("answering_questions", {**who, "question_count": len(questions)})
    answered = {**answerer.answer_all(questions, job), **_saved_for(questions, answers)}
    adapter.fill_application(questions, answered, resume)
    if review_screenshot is not None:
        if form_adapter:
            return job, adapter.submit_application()  # screenshots the filled form; sends nothing
        take_screenshot(adapter.page, Path(review_screenshot))
        labels = {q.name: q.label for q in questions}
        return job, FormResult(False, "", screenshots=[Path(review_screenshot)],
                               answers={labels.get(k, k): v for k, v in answered.items()})
    if not submit:
        return job, None
    if sent_screenshot is not None:
        take_screenshot(adapter.page, Path(sent_screenshot))
    on_step("submitting_application", dict(who))
    return job, adapter.submit_application()


def _saved_for(questions, answers: Mapping[str, str] | None) -> dict[str, str]:
    """The saved answers that fit these questions, by name (boards without label-based filling use them)."""
    if not answers:
        return {}
    from .sites.forms import normalize_question

    saved = {normalize_question(k): v for k, v in answers.items()}
    out = {}
    for q in questions:
        value = answers.get(q.name, saved.get(normalize_question(q.label)))
        if value is not None:
            out[q.name] = value
    return out


def take_screenshot(page, path: Path) -> Path:
    """A full-page PNG of what the page shows now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def board_credentials(environ=os.environ) -> tuple[str, str]:
    """The board login: JOBELIX_BOARD_EMAIL / JOBELIX_BOARD_PASSWORD, by default the sandbox demo account."""
    from .sandbox.jobs import DEMO_EMAIL, DEMO_PASSWORD

    return environ.get("JOBELIX_BOARD_EMAIL", DEMO_EMAIL), environ.get("JOBELIX_BOARD_PASSWORD", DEMO_PASSWORD)


class FatalError(Exception):
    """Ends the run as failed with a clear message (no traceback needed)."""


def _expected_failure(exc: Exception) -> bool:
    from playwright.sync_api import Error as PlaywrightError

    from .sites.base import ApplicationError

    return isinstance(exc, (ApplicationError, PlaywrightError))


def describe_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    if name in ("FatalError", "SiteError", "ApplicationError"):
        return text or name
    return f"{name}: {text}" if text else name
