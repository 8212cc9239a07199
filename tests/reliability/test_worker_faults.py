"""A Celery worker SIGKILLed mid-scrape and mid-submission job (`make reliability`).

acks_late keeps the task's message unacknowledged while it runs, so when its
worker dies the broker hands it to another worker once the visibility timeout
passes (CELERY_VISIBILITY_TIMEOUT, short here). The tasks are idempotent: the
re-run carries on and finishes the work, and nothing is left `running`.
"""
import time
import uuid

import pytest
from django.test import override_settings

from tests import support
from tests.conftest import start_celery_worker
from tests.submissions.conftest import make_postings as make_postings  # a fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.reliability]

VISIBILITY = 8
# Look for abandoned messages every 2 s (the default is every 100 s).
SWEEP = {"CELERY_VISIBILITY_TIMEOUT": VISIBILITY, "CELERY_UNACKED_RESTORE_INTERVAL": 2, "CELERY_UNACKED_RESTORE_THROTTLE": 1}


def wait_for(predicate, timeout, what):
    return support.wait_until(predicate, timeout, interval=0.2, message=what)


def test_worker_killed_mid_scrape_the_run_is_rerun_and_finishes(process_dir):
    from devtools.career_boards import BoardServer
    from scraping import services
    from scraping.models import Company, CompanyScrape, ScrapeRun

    queue = f"reliability-scrape-{uuid.uuid4().hex[:8]}"
    with BoardServer() as boards:
        names = {}
        for label, count in (("quick", 2), ("slow", 2)):
            token = f"{label}-{uuid.uuid4().hex[:6]}"
            boards.add_company("greenhouse", token, count=count)
            names[label] = Company.objects.create(name=token, **boards.company_fields("greenhouse", token)).name
            if label == "slow":
                boards.slow(token, 5)
        env = dict(CELERY_WORKER_QUEUES=queue, **SWEEP, SCRAPING_DOMAIN_DELAY=0,
                   SCRAPING_RETRIES=1, SCRAPING_BACKOFF=0.05, SCRAPING_REQUEST_TIMEOUT=60, **boards.settings())
        victim = start_celery_worker(process_dir, name="scrape-victim", **env)
        with override_settings(SCRAPING_QUEUE=queue, **boards.settings()):
            run = services.start_run(None)
        try:
            wait_for(lambda: CompanyScrape.objects.filter(run=run, company__name=names["slow"], status="running").exists(),
                     60, "the slow company to be scraping")
        finally:
            victim.kill()
        killed_at = time.monotonic()
        assert ScrapeRun.objects.get(pk=run.pk).status == "running"
        rescuer = start_celery_worker(process_dir, name="scrape-rescuer", **env)
        try:
            run = wait_for(lambda: ScrapeRun.objects.filter(pk=run.pk, status__in=["completed", "failed"]).first(),
                           VISIBILITY + 90, "the run to be re-run to its end")
        finally:
            rescuer.stop()
        recovered = time.monotonic() - killed_at
    left = list(CompanyScrape.objects.filter(run=run, status__in=["running", "pending"]).values_list("status", flat=True))
    print(f"\n[reliability] worker killed mid-scrape: run #{run.pk} ended {run.status} {recovered:.1f} s after "
          f"the kill (visibility timeout {VISIBILITY} s)")
    assert not left, f"companies left unfinished: {left}"
    assert run.status == "completed", run.error
    statuses = dict(CompanyScrape.objects.filter(run=run).values_list("company__name", "status"))
    assert statuses == {names["quick"]: "completed", names["slow"]: "completed"}


def test_worker_killed_mid_submission_job_the_job_is_rerun_and_finishes(process_dir, user, make_postings):
    from devtools.fake_apply_board import FakeJobBoard
    from submissions import services
    from submissions.models import SubmissionJob
    from submissions.tasks import process_submission_job

    queue = f"reliability-apply-{uuid.uuid4().hex[:8]}"
    board = FakeJobBoard()
    try:
        postings = [make_postings(1, apply_url=f"{board.url}/apply/{kind}")[0] for kind in ("ok", "hang", "ok")]
        with override_settings(SUBMISSIONS_APPLIER="submissions.appliers.post_json"):
            job = services.create_job(user, [p.pk for p in postings], start=False)
        env = dict(CELERY_WORKER_QUEUES=queue, **SWEEP, SUBMISSIONS_APPLIER="submissions.appliers.post_json")
        victim = start_celery_worker(process_dir, name="apply-victim", **env)
        process_submission_job.apply_async(args=[str(job.pk)], queue=queue)
        try:
            assert board.hanging.wait(60), victim.log()
            assert SubmissionJob.objects.get(pk=job.pk).status == "in_progress"
        finally:
            victim.kill()
        killed_at = time.monotonic()
        board.release()
        rescuer = start_celery_worker(process_dir, name="apply-rescuer", **env)
        try:
            wait_for(lambda: SubmissionJob.objects.get(pk=job.pk).is_finished, VISIBILITY + 90,
                     "the job to be re-run to its end")
        finally:
            rescuer.stop()
        recovered = time.monotonic() - killed_at
    finally:
        board.close()
    job.refresh_from_db()
    statuses = list(job.submissions.order_by("position").values_list("status", flat=True))
    print(f"\n[reliability] worker killed mid-submission job: job ended {job.status} {recovered:.1f} s after the kill "
          f"(visibility timeout {VISIBILITY} s); submissions {statuses}")
    assert job.status == "completed" and statuses == ["submitted"] * 3
    first_path = postings[0].apply_url[len(board.url):]
    assert board.paths().count(first_path) == 1, board.paths()  # the re-run did not apply twice
