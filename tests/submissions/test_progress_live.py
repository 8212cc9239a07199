"""A full job driven by ProgressReporter against the real server (daphne), watched over WebSockets."""
import pytest

from bot.progress import ProgressReporter
from submissions.models import SubmissionJob
from tests.session_auth import session_listener


@pytest.mark.django_db(transaction=True)
def test_progress_reporter_drives_a_job_and_only_the_right_people_see_it(
    daphne_server, ws_listen, make_token, make_job, user, other_user, staff_user
):
    job = make_job(user, n=3)
    first, second, third = job.submissions.order_by("position")
    owner_ws = ws_listen(daphne_server, make_token(user), channels="submissions")
    other_ws = ws_listen(daphne_server, make_token(other_user), channels="submissions")
    staff_ws = session_listener(daphne_server, staff_user, channels="submissions:all")  # staff powers: a session
    other_ws.send({"action": "subscribe", "channel": "submissions:all"})  # not staff: refused
    assert other_ws.wait_for("system.error")["data"]["code"] == "forbidden_channel"

    j = job.pk
    with ProgressReporter(daphne_server.url, make_token(user, "worker"), timeout=10) as reporter:
        assert reporter.report_job_started(j)
        assert reporter.report_submission_started(j, first.pk, first.target_name)
        assert reporter.report_submission_success(j, first.pk, 1, 0)
        assert reporter.report_progress(j, 1, 0, second.target_name)
        assert reporter.report_submission_started(j, second.pk, second.target_name)
        assert reporter.report_submission_failed(j, second.pk, "captcha shown", 1, 1)
        assert reporter.report_submission_success(j, second.pk, 2, 1) is False  # failed is final
        assert "409" in reporter.last_error
        assert reporter.report_submission_started(j, third.pk, third.target_name)
        assert reporter.report_submission_success(j, third.pk, 2, 1)
        assert reporter.report_submission_success(j, third.pk, 2, 1)  # a retransmission: accepted, no-op
        assert reporter.report_job_completed(j, 2, 1)
        assert reporter.report_job_started(j) is False  # a finished job never restarts
        assert reporter.last_response["field"] == "status"

    job = SubmissionJob.objects.get(pk=j)
    assert (job.status, job.completed, job.failed, float(job.progress_percentage)) == ("completed", 2, 1, 100.0)
    assert [s.status for s in job.submissions.order_by("position")] == ["submitted", "failed", "submitted"]

    final = owner_ws.wait_for("submission_job.updated", predicate=lambda m: m["data"]["status"] == "completed")
    assert final["channel"] == "submissions" and final["data"]["job_id"] == str(j)
    assert (final["data"]["directories_completed"], final["data"]["directories_failed"]) == (2, 1)
    owner_job_events = [m["data"] for m in owner_ws.events("submission_job.updated")]
    assert [(d["status"], d["progress_percentage"]) for d in owner_job_events] == [
        ("in_progress", 0.0),
        ("in_progress", 0.0),  # current target: first posting
        ("in_progress", 33.33),
        ("in_progress", 33.33),  # current target: second posting
        ("in_progress", 66.67),
        ("in_progress", 66.67),  # current target: third posting
        ("in_progress", 100.0),
        ("completed", 100.0),
    ]
    assert [m["data"]["status"] for m in owner_ws.events("submission.updated")] == [
        "submitting", "submitted", "submitting", "failed", "submitting", "submitted"
    ]
    # Staff see the same events on the staff view; the other user sees none of them.
    staff_ws.wait_for("submission_job.updated", predicate=lambda m: m["data"]["status"] == "completed")
    assert [m["id"] for m in staff_ws.events()] == [m["id"] for m in owner_ws.events()]
    staff_ws.close()
    assert other_ws.events("submission_job.updated") == [] and other_ws.events("submission.updated") == []
    # A barrier: the other user's own worker starts their job. Their socket is alive and gets it;
    # had any of the owner's events leaked to them, they would have arrived before it.
    their_job = make_job(other_user, n=1)
    with ProgressReporter(daphne_server.url, make_token(other_user, "worker"), timeout=10) as reporter:
        assert reporter.report_job_started(their_job.pk)
    barrier = other_ws.wait_for("submission_job.updated")
    assert barrier["data"]["job_id"] == str(their_job.pk)
    assert other_ws.events()[0]["id"] == barrier["id"]
    assert all(m["data"].get("job_id") != str(j) for m in other_ws.events())
