"""The Celery apply worker: process_submission_job on a real worker, kill-and-rerun recovery."""
import re
import sys
from urllib.parse import urlsplit

import pytest

from devtools.fake_apply_board import FakeJobBoard
from submissions import services, worker
from submissions.models import SubmissionJob
from submissions.tasks import process_submission_job
from tests import support
from tests.submissions.helpers import events_of

POST_JSON = "submissions.appliers.post_json"
RECORD_ONLY = "submissions.appliers.record_only"


def wait_until(predicate, timeout=60.0, what="condition"):
    return support.wait_until(predicate, timeout, message=what)


@pytest.fixture
def board():
    board = FakeJobBoard()
    yield board
    board.close()


def postings_on(board, make_postings, *kinds):
    """One posting per kind ('ok', 'reject', 'hang'), in order, applying on the fake board."""
    return [make_postings(1, apply_url=f"{board.url}/apply/{kind}")[0] for kind in kinds]


def path_of(posting):
    return urlsplit(posting.apply_url).path


def by_position(job):
    return list(job.submissions.order_by("position"))


@pytest.mark.django_db(transaction=True)
def test_process_submission_job_on_a_real_celery_worker(celery_worker, board, settings, user, make_postings):
    settings.SUBMISSIONS_APPLIER = POST_JSON
    postings = postings_on(board, make_postings, "ok", "reject", "ok")
    job = services.create_job(user, [p.pk for p in postings])  # queued on commit

    wait_until(lambda: SubmissionJob.objects.get(pk=job.pk).is_finished, what="the job to finish")
    job.refresh_from_db()
    assert (job.status, job.completed, job.failed, job.total) == ("completed", 2, 1, 3)
    assert job.progress_percentage == 100 and job.started_at and job.completed_at
    first, rejected, third = by_position(job)
    assert [s.status for s in (first, rejected, third)] == ["submitted", "failed", "submitted"]
    assert rejected.last_error_message == "The board answered HTTP 422."  # never the board's reply (issue 12)
    assert job.error_log[-1]["submission_id"] == str(rejected.pk)
    assert all(s.attempts == 1 for s in (first, rejected, third))

    # The board got one application per posting, with the applicant's details.
    assert sorted(board.paths()) == sorted(path_of(p) for p in postings)
    assert {a["body"]["applicant"]["email"] for a in board.applications} == {user.email}

    # The worker emits the same events as the endpoint: each submission starts, then ends.
    sub_events = [(e.data["submission_id"], e.data["status"]) for e in events_of(user, "submission.updated")]
    assert sub_events == [
        (str(first.pk), "submitting"), (str(first.pk), "submitted"),
        (str(rejected.pk), "submitting"), (str(rejected.pk), "failed"),
        (str(third.pk), "submitting"), (str(third.pk), "submitted"),
    ]
    job_events = events_of(user, "submission_job.updated")
    assert [e.data["status"] for e in job_events][:2] == ["pending", "in_progress"]
    assert job_events[-1].data["status"] == "completed" and job_events[-1].data["progress_percentage"] == 100.0

    # Running the task again changes nothing.
    count = len(events_of(user))
    rerun = process_submission_job.delay(str(job.pk))
    done = re.compile(rf"{rerun.id}\] succeeded in [\d.]+s: '(\w+)'")
    outcome = wait_until(lambda: done.search(celery_worker.log()), what="the re-run to be done")
    assert outcome.group(1) == "completed"  # it found the job finished and left it alone
    assert len(events_of(user)) == count and len(board.applications) == 3


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_nothing_stuck_and_the_rerun_retries(
    celery_worker, board, settings, user, make_postings, process_dir
):
    from django.db import connection

    from tests.conftest import Process, child_env

    settings.SUBMISSIONS_APPLIER = POST_JSON
    postings = postings_on(board, make_postings, "ok", "hang", "ok")
    job = services.create_job(user, [p.pk for p in postings], start=False)

    # A worker process runs the task body and is SIGKILLed while applying to posting 2.
    code = (
        "import django; django.setup(); from submissions.tasks import process_submission_job; "
        f"process_submission_job({str(job.pk)!r})"
    )
    victim = Process("apply-victim", [sys.executable, "-c", code], child_env(), process_dir).start(wait_port=False)
    try:
        assert board.hanging.wait(60), victim.log()
        first, stuck, third = by_position(job)
        assert (first.status, stuck.status, stuck.attempts, third.status) == ("submitted", "submitting", 1, "pending")
    finally:
        victim.kill()

    # PostgreSQL drops the dead worker's session, and its lease on the job with it.
    key = worker._advisory_key(job.pk)

    def lease_free():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if cursor.fetchone()[0]:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
                return True
        return False

    wait_until(lease_free, timeout=30, what="the dead worker's lease to go")
    board.release()

    process_submission_job.delay(str(job.pk))
    wait_until(lambda: SubmissionJob.objects.get(pk=job.pk).is_finished, what="the re-run to finish")
    job.refresh_from_db()
    first, stuck, third = by_position(job)
    assert (job.status, job.completed, job.failed) == ("completed", 3, 0)
    assert [s.status for s in (first, stuck, third)] == ["submitted"] * 3
    assert (first.attempts, stuck.attempts, third.attempts) == (1, 2, 1)
    assert board.paths().count(path_of(postings[1])) == 2
    assert board.paths().count(path_of(postings[0])) == 1  # no double application
    statuses = [e.data["status"] for e in events_of(user, "submission.updated") if e.data["submission_id"] == str(stuck.pk)]
    assert statuses == ["submitting", "pending", "submitting", "submitted"]


@pytest.mark.django_db
def test_an_interrupted_submission_past_max_attempts_is_failed(settings, user, make_job):
    settings.SUBMISSIONS_MAX_ATTEMPTS = 2
    settings.SUBMISSIONS_APPLIER = RECORD_ONLY
    job = make_job(user, n=2)
    services.apply_progress_update(
        services.rules.ProgressUpdate(job_id=job.pk, submission_id=by_position(job)[0].pk, status="submitting")
    )
    by_position(job)[0].__class__.objects.filter(pk=by_position(job)[0].pk).update(attempts=2)

    assert worker.run_submission_job(job.pk) == "completed"
    job.refresh_from_db()
    gave_up, applied = by_position(job)
    assert gave_up.status == "failed" and gave_up.attempts == 2
    assert gave_up.last_error_message == "Interrupted 2 time(s); giving up after 2 attempts."
    assert applied.status == "submitted" and applied.attempts == 1
    assert (job.status, job.completed, job.failed) == ("completed", 1, 1)


@pytest.mark.django_db
def test_record_only_applier_fails_closed_or_url_less_postings(user, make_postings, settings):
    from scraping.models import JobPosting

    settings.SUBMISSIONS_APPLIER = RECORD_ONLY
    open_posting, closing, no_url = make_postings(3)
    JobPosting.objects.filter(pk=no_url.pk).update(apply_url="", url="")
    job = services.create_job(user, [open_posting.pk, closing.pk, no_url.pk], start=False)
    JobPosting.objects.filter(pk=closing.pk).update(active=False)

    assert worker.run_submission_job(job.pk) == "completed"
    assert [(s.status, s.last_error_message) for s in by_position(job)] == [
        ("submitted", ""),
        ("failed", "The job posting is closed."),
        ("failed", "The job posting has no application URL."),
    ]


@pytest.mark.django_db
def test_a_missing_applier_fails_the_job_with_a_clear_error(user, make_job):
    job = make_job(user, n=1)
    SubmissionJob.objects.filter(pk=job.pk).update(applier="submissions.appliers.does_not_exist")
    assert worker.run_submission_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "does_not_exist" in job.last_error_message
    assert job.submissions.get().status == "pending"
