"""POST /api/worker/update-progress: auth, validation, math, transitions, idempotency, errors."""
import threading
import uuid
from decimal import Decimal

import pytest

from submissions.models import Submission, SubmissionJob
from tests.submissions.helpers import UPDATE_URL, events_of, post_update


@pytest.fixture
def job(user, make_job):
    return make_job(user, n=4)


@pytest.fixture
def worker(user, worker_client):
    return worker_client(user)


def subs(job):
    return list(job.submissions.order_by("position"))


# -- who may report -----------------------------------------------------------------


@pytest.mark.django_db
def test_missing_token_is_401(api_client, job):
    response = post_update(api_client, job_id=str(job.pk), status="in_progress")
    assert response.status_code == 401 and "error" in response.json()


@pytest.mark.django_db
def test_bad_token_is_401(api_client, job):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert post_update(api_client, job_id=str(job.pk), status="in_progress").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION="Token abc")
    assert post_update(api_client, job_id=str(job.pk), status="in_progress").status_code == 401


@pytest.mark.django_db
def test_bot_scoped_token_is_403(user, job, worker_client):
    response = post_update(worker_client(user, scope="bot"), job_id=str(job.pk), status="in_progress")
    assert response.status_code == 403 and "worker" in response.json()["error"]
    assert SubmissionJob.objects.get(pk=job.pk).status == "pending"


@pytest.mark.django_db
def test_revoked_token_is_401(user, job, api_client):
    from accounts.services import create_token, revoke_token

    token, raw = create_token(user, "old", "worker")
    revoke_token(user, token.pk)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert post_update(api_client, job_id=str(job.pk), status="in_progress").status_code == 401


@pytest.mark.django_db
def test_logged_in_browser_session_is_not_a_worker(session_client, job):
    response = session_client.post(UPDATE_URL, {"job_id": str(job.pk), "status": "in_progress"}, content_type="application/json")
    # Only a Bearer token authenticates here: a session is no credential, so 401 with the challenge.
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert SubmissionJob.objects.get(pk=job.pk).status == "pending"


@pytest.mark.django_db
def test_users_worker_token_cannot_touch_another_users_job(other_user, job, worker_client):
    response = post_update(worker_client(other_user), job_id=str(job.pk), status="in_progress")
    assert response.status_code == 404
    assert SubmissionJob.objects.get(pk=job.pk).status == "pending"
    assert events_of(job.owner, "submission_job.updated")[-1].data["status"] == "pending"


@pytest.mark.django_db
def test_staff_worker_token_acts_for_any_job(staff_user, job, worker_client):
    response = post_update(worker_client(staff_user), job_id=str(job.pk), status="in_progress")
    assert response.status_code == 200
    assert SubmissionJob.objects.get(pk=job.pk).status == "in_progress"


@pytest.mark.django_db
def test_unknown_job_or_foreign_submission_is_404(user, worker, make_job, job):
    assert post_update(worker, job_id=str(uuid.uuid4()), status="in_progress").status_code == 404
    other_job = make_job(user, n=1)
    foreign = other_job.submissions.get()
    response = post_update(worker, job_id=str(job.pk), submission_id=str(foreign.pk), status="submitting")
    assert response.status_code == 404
    assert Submission.objects.get(pk=foreign.pk).status == "pending"


# -- validation ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": "in_progress"}, "job_id"),
        ({"job_id": "job 123!", "status": "in_progress"}, "job_id"),  # neither a UUID nor an external id
        ({"status": "paused"}, "status"),
        ({"status": "submitting"}, "status"),
        ({"status": "in_progress", "completed": -3}, "completed"),
        ({"status": "in_progress", "directories_failed": "two"}, "failed"),
        ({"status": "in_progress", "completed": 1, "directories_completed": 2}, "completed"),
    ],
)
def test_invalid_updates_are_400_with_the_field(worker, job, body, field):
    body = {"job_id": str(job.pk), **body} if "job_id" not in body and field != "job_id" else body
    response = worker.post(UPDATE_URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["error"]
    assert SubmissionJob.objects.get(pk=job.pk).status == "pending"


@pytest.mark.django_db
def test_malformed_json_is_400(worker):
    response = worker.post(UPDATE_URL, "{not json", content_type="application/json")
    assert response.status_code == 400 and "error" in response.json()
    response = worker.post(UPDATE_URL, "[1, 2]", content_type="application/json")
    assert response.status_code == 400


# -- progress math, timestamps, aliases ---------------------------------------------


@pytest.mark.django_db
def test_a_full_run_with_the_spec_field_names(worker, job):
    first, second, third, fourth = subs(job)
    j = str(job.pk)
    response = post_update(worker, job_id=j, status="in_progress", directories_completed=0, directories_failed=0)
    assert response.status_code == 200
    body = response.json()
    assert body["changed"] is True and body["job"]["status"] == "in_progress"
    assert body["job"]["progress_percentage"] == 0
    job.refresh_from_db()
    assert job.started_at is not None

    response = post_update(worker, job_id=j, submission_id=str(first.pk), status="submitting", current_directory="Acme — Engineer 1")
    assert response.json()["job"]["current_directory"] == "Acme — Engineer 1"
    assert response.json()["submission"]["status"] == "submitting"
    post_update(worker, job_id=j, submission_id=str(first.pk), status="submitted", directories_completed=1, directories_failed=0)
    post_update(worker, job_id=j, submission_id=str(second.pk), status="failed", error_message="captcha", directories_completed=1, directories_failed=1)
    response = post_update(worker, job_id=j, submission_id=str(third.pk), status="submitted", directories_completed=2, directories_failed=1)
    assert response.json()["job"]["progress_percentage"] == 75.0

    job.refresh_from_db()
    assert (job.completed, job.failed, job.progress_percentage) == (2, 1, Decimal("75.00"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "submitted" and first.submitted_at is not None and first.attempts == 1
    assert second.status == "failed" and second.failed_at is not None and second.last_error_message == "captcha"

    response = post_update(worker, job_id=j, status="completed", completed=2, failed=1)
    job.refresh_from_db()
    assert job.status == "completed" and job.completed_at is not None and job.progress_percentage == 100
    assert job.current_target == ""
    assert response.json()["job"]["status"] == "completed"


@pytest.mark.django_db
def test_counts_never_go_down(worker, job):
    j = str(job.pk)
    post_update(worker, job_id=j, status="in_progress", completed=3, failed=1)
    response = post_update(worker, job_id=j, status="in_progress", completed=1, failed=0)
    assert response.status_code == 200 and response.json()["changed"] is False
    job.refresh_from_db()
    assert (job.completed, job.failed, job.progress_percentage) == (3, 1, Decimal("100.00"))


@pytest.mark.django_db
def test_approval_after_the_job_finished_is_recorded(worker, job):
    j, first = str(job.pk), subs(job)[0]
    post_update(worker, job_id=j, submission_id=str(first.pk), status="submitted")
    post_update(worker, job_id=j, status="completed")
    response = post_update(worker, job_id=j, submission_id=str(first.pk), status="approved")
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == "approved" and first.approved_at is not None
    job.refresh_from_db()
    assert job.completed == 1


# -- transitions --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("final", ["completed", "failed"])
def test_a_finished_job_cannot_go_back_to_in_progress(worker, job, final):
    j = str(job.pk)
    post_update(worker, job_id=j, status="in_progress")
    assert post_update(worker, job_id=j, status=final, error_message="x").status_code == 200
    response = post_update(worker, job_id=j, status="in_progress", completed=4)
    assert response.status_code == 409 and "cannot go from" in response.json()["error"]
    response = post_update(worker, job_id=j, submission_id=str(subs(job)[0].pk), status="submitting")
    assert response.status_code == 409
    job.refresh_from_db()
    assert job.status == final and job.completed == 0
    assert subs(job)[0].status == "pending"


@pytest.mark.django_db
def test_a_submission_cannot_go_back(worker, job):
    j, first = str(job.pk), subs(job)[0]
    post_update(worker, job_id=j, submission_id=str(first.pk), status="submitted")
    response = post_update(worker, job_id=j, submission_id=str(first.pk), status="submitting")
    assert response.status_code == 409
    response = post_update(worker, job_id=j, submission_id=str(first.pk), status="failed", error_message="late")
    assert response.status_code == 409
    first.refresh_from_db()
    assert first.status == "submitted" and first.error_log == []


@pytest.mark.django_db
def test_a_submission_update_starts_a_pending_job(worker, job):
    first = subs(job)[0]
    post_update(worker, job_id=str(job.pk), submission_id=str(first.pk), status="submitting", current_target="Acme")
    job.refresh_from_db()
    assert job.status == "in_progress" and job.started_at is not None and job.current_target == "Acme"


# -- idempotency and errors ---------------------------------------------------------


@pytest.mark.django_db
def test_the_same_update_twice_changes_nothing_the_second_time(user, worker, job):
    j, first = str(job.pk), subs(job)[0]
    body = {"job_id": j, "submission_id": str(first.pk), "status": "failed", "error_message": "captcha", "completed": 0, "failed": 1}
    assert post_update(worker, **body).json()["changed"] is True
    job.refresh_from_db()
    first.refresh_from_db()
    before_job = (job.failed, job.updated_at, job.error_log)
    before_sub = (first.status, first.updated_at, first.error_log, first.failed_at, first.attempts)
    events_before = len(events_of(user))

    second = post_update(worker, **body)
    assert second.status_code == 200 and second.json()["changed"] is False
    job.refresh_from_db()
    first.refresh_from_db()
    assert (job.failed, job.updated_at, job.error_log) == before_job
    assert (first.status, first.updated_at, first.error_log, first.failed_at, first.attempts) == before_sub
    assert len(events_of(user)) == events_before


@pytest.mark.django_db
def test_errors_are_appended_with_timestamps_and_the_last_is_kept(worker, job):
    j = str(job.pk)
    first, second = subs(job)[:2]
    post_update(worker, job_id=j, submission_id=str(first.pk), status="submitting")
    post_update(worker, job_id=j, submission_id=str(first.pk), status="submitting", error_message="slow page, retrying")
    post_update(worker, job_id=j, submission_id=str(first.pk), status="failed", error_message="captcha")
    post_update(worker, job_id=j, submission_id=str(second.pk), status="failed", error_message="form changed")
    post_update(worker, job_id=j, status="failed", error_message="browser crashed")

    first.refresh_from_db()
    assert [e["message"] for e in first.error_log] == ["slow page, retrying", "captcha"]
    assert [e["status"] for e in first.error_log] == ["submitting", "failed"]
    assert all(e["at"].endswith("Z") for e in first.error_log)
    assert first.last_error_message == "captcha"
    job.refresh_from_db()
    assert [e["message"] for e in job.error_log] == ["slow page, retrying", "captcha", "form changed", "browser crashed"]
    assert job.error_log[1]["submission_id"] == str(first.pk) and "submission_id" not in job.error_log[-1]
    assert job.last_error_message == "browser crashed"


@pytest.mark.django_db
def test_events_follow_each_change(user, worker, job):
    j, first = str(job.pk), subs(job)[0]
    seen = len(events_of(user))
    post_update(worker, job_id=j, submission_id=str(first.pk), status="submitting", current_target="Acme — Engineer")
    post_update(worker, job_id=j, submission_id=str(first.pk), status="submitted", completed=1, failed=0)
    new = events_of(user)[seen:]
    assert [e.type for e in new] == ["submission.updated", "submission_job.updated"] * 2
    assert new[0].data["submission_id"] == str(first.pk) and new[0].data["status"] == "submitting"
    assert new[0].data["directory_name"] == first.target_name
    assert new[1].data == {**new[1].data, "job_id": j, "status": "in_progress", "current_directory": "Acme — Engineer"}
    assert new[3].data["directories_completed"] == 1 and new[3].data["progress_percentage"] == 25.0


# -- concurrency --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_updates_leave_exact_counts(user, make_job, make_token):
    """20 threads, each its own connection, report 20 outcomes of one job at once."""
    from django.db import connection
    from rest_framework.test import APIClient

    job = make_job(user, n=20)
    raw = make_token(user, "worker")
    submissions = subs(job)
    barrier = threading.Barrier(20)
    answers = []

    def report(i, submission):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        outcome = {"status": "submitted"} if i % 2 == 0 else {"status": "failed", "error_message": f"error {i}"}
        barrier.wait()
        try:
            answers.append(post_update(client, job_id=str(job.pk), submission_id=str(submission.pk), **outcome).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(i, s)) for i, s in enumerate(submissions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert answers == [200] * 20
    job.refresh_from_db()
    assert (job.status, job.completed, job.failed, job.progress_percentage) == ("in_progress", 10, 10, Decimal("100.00"))
    assert len(job.error_log) == 10
    assert sorted(s.status for s in job.submissions.all()) == ["failed"] * 10 + ["submitted"] * 10
    job_events = events_of(user, "submission_job.updated")
    assert job_events[-1].data["directories_completed"] == 10 and job_events[-1].data["directories_failed"] == 10
    # Events of one job are published in the order its updates committed: counts rise one by one.
    processed = [e.data["directories_completed"] + e.data["directories_failed"] for e in job_events[1:]]
    assert processed == list(range(1, 21))
