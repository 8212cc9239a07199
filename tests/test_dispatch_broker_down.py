"""Nothing is stuck when the broker is down at commit time (issue 12, item 8).

Before: `.delay()` in `on_commit` raised, the request answered 500 after its writes had
committed, the job stayed `pending` for ever and the never-started scrape run blocked
every later Start. Now the work is recorded in the same transaction (core.dispatch) and
the `core.redispatch_pending` beat task sends what never reached the broker.

The broker here is a private redis-server (the shared one is never stopped): a daphne
and, later, a Celery worker use it; it is really stopped while the requests commit.
"""
from __future__ import annotations

import secrets
import subprocess
import sys
import uuid

import pytest
import requests

from core.models import DispatchIntent
from devtools.career_boards import BoardServer
from devtools.loopback import LoopbackServer, Reply, Request
from scraping.models import Company, JobPosting, ScrapeRun
from submissions.models import SubmissionJob
from tests.conftest import BASE_DIR, child_env
from tests.support import wait_until
from tracker.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


class Browser(requests.Session):
    """A logged-in browser on the daphne: session cookie, and a CSRF cookie with its header."""

    def __init__(self, server, user):
        super().__init__()
        from django.test import Client

        client = Client()
        client.force_login(user)
        csrf = secrets.token_hex(16)
        self.cookies.set("sessionid", client.cookies["sessionid"].value)
        self.cookies.set("csrftoken", csrf)
        self.headers["X-CSRFToken"] = csrf
        self.base = server.url

    def post_json(self, path: str, body: dict) -> requests.Response:
        return self.post(self.base + path, json=body, timeout=30)


def intents(task: str, *args) -> list[DispatchIntent]:
    return list(DispatchIntent.objects.filter(task=task, args=list(args)))


def run_beat_task(redis_url: str) -> str:
    """The beat task's body as a plain call, in a process whose broker is `redis_url`
    (this test process's Celery app points at the shared Redis)."""
    code = ("import django; django.setup()\n"
            "from core.tasks import redispatch_pending\n"
            "print('sent', redispatch_pending())\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
                          env=child_env(REDIS_URL=redis_url, DISPATCH_RETRY_AFTER_SECONDS=0))
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_requests_succeed_with_the_broker_down_and_the_work_runs_when_it_is_back(
        private_redis, start_daphne, start_celery, make_user):
    user, staff = make_user("alice"), make_user("staff", staff=True)
    token = f"board-{uuid.uuid4().hex[:8]}"
    with BoardServer() as boards:
        boards.add_company("greenhouse", token, count=2)
        company = Company.objects.create(name="Initech", **boards.company_fields("greenhouse", token))
        posting = JobPosting.objects.create(company=company, external_id="p1", title="Backend Engineer",
                                            url="https://initech.example/jobs/1", active=True)
        server = start_daphne(REDIS_URL=private_redis.url)
        alice, admin = Browser(server, user), Browser(server, staff)

        private_redis.stop()  # the broker is down when these requests commit

        created = alice.post_json("/api/v1/jobs", {"company": "Hooli", "job_title": "Backend Engineer",
                                                   "job_description": "## Requirements\n- Python"})
        assert created.status_code == 201, created.text
        job = Job.objects.get(pk=created.json()["id"])
        assert job.analysis_status == "pending"
        [analysis] = intents("tracker.analyze_job", job.pk)
        assert analysis.dispatched_at is None and analysis.attempts == 1 and analysis.last_error

        applied = alice.post_json("/api/v1/submissions/jobs", {"job_posting_ids": [posting.pk]})
        assert applied.status_code == 201, applied.text
        submission_job = SubmissionJob.objects.get(owner=user)
        [apply] = intents("submissions.process_submission_job", str(submission_job.pk))
        assert apply.dispatched_at is None and apply.attempts == 1

        first = admin.post_json("/api/v1/scraping/start", {"company_ids": [company.pk]})
        assert first.status_code == 202, first.text
        first_run = ScrapeRun.objects.get(pk=first.json()["run"]["run_id"])
        assert first_run.status == "pending"
        assert intents("scraping.run_scrape", first_run.pk)[0].dispatched_at is None

        # The run that never started does not block the next Start.
        second = admin.post_json("/api/v1/scraping/start", {"company_ids": [company.pk]})
        assert second.status_code == 202, second.text
        first_run.refresh_from_db()
        assert (first_run.status, first_run.current_stage.split(":")[0]) == ("failed", "Never started")
        second_run = ScrapeRun.objects.get(pk=second.json()["run"]["run_id"])
        assert second_run.status == "pending" and second_run.pk != first_run.pk

        # The broker is back; a worker reads it; the beat task sends what never went.
        private_redis.start()
        start_celery(REDIS_URL=private_redis.url, SCRAPING_DOMAIN_DELAY="0", SCRAPING_RETRIES="0",
                     **boards.settings())
        assert "sent 4" in run_beat_task(private_redis.url)

        wait_until(lambda: Job.objects.get(pk=job.pk).analysis_status == "analyzed", timeout=60,
                   message="the job to be analysed")
        wait_until(lambda: ScrapeRun.objects.get(pk=second_run.pk).status == "completed", timeout=60,
                   message="the second scrape to run")
        wait_until(lambda: SubmissionJob.objects.get(pk=submission_job.pk).status == "completed", timeout=60,
                   message="the submission job to run")
    assert ScrapeRun.objects.get(pk=first_run.pk).status == "failed"  # its late task found it closed
    recorded = [analysis.pk, apply.pk, *(i.pk for run in (first_run, second_run) for i in intents("scraping.run_scrape", run.pk))]
    assert DispatchIntent.objects.filter(pk__in=recorded, dispatched_at__isnull=False).count() == 4
    assert "sent 0" in run_beat_task(private_redis.url)  # nothing left: the beat task is idempotent


def test_the_bot_retries_complete_with_backoff_and_never_raises():
    answers = [Reply.json({"error": "busy"}, 503), Reply(drop=True), Reply.json({"error": "oops"}, 500),
               Reply.json({"success": True, "session": {}})]
    calls: list[str] = []

    def handle(request: Request) -> Reply:
        calls.append(request.path)
        return answers.pop(0) if answers else Reply.json({"error": "busy"}, 503)

    from bot.reporter import StatusReporter

    with LoopbackServer(handle) as server:
        reporter = StatusReporter("tok", server.url)
        reporter.session_id = "00000000-0000-0000-0000-000000000001"
        assert reporter.complete_session(success=True) is True  # three blips, then it lands
        assert calls == ["/api/autoapply/bot/complete"] * 4 and reporter.finished

        calls.clear()
        again = StatusReporter("tok", server.url)
        again.session_id = "00000000-0000-0000-0000-000000000002"
        assert again.complete_session(success=False, error_message="boom") is False  # bounded: five tries
        assert calls == ["/api/autoapply/bot/complete"] * 5 and again.last_error == "503: busy"
