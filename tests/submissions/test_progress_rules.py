"""The pure rules of a progress update: parsing, transitions, counts, percentage, idempotency."""

import uuid
from decimal import Decimal

import pytest

from submissions.progress_rules import (
    ImpossibleTransition,
    InvalidUpdate,
    JobState,
    SubmissionState,
    parse_update,
    plan_update,
    progress_percentage,
)

JOB = str(uuid.uuid4())
SUB = str(uuid.uuid4())


def update(**body):
    return parse_update({"job_id": JOB, **body})


# -- parsing ------------------------------------------------------------------------


def test_spec_aliases_are_accepted_as_our_names():
    parsed = parse_update(
        {
            "job_id": JOB,
            "submission_id": SUB,
            "status": "submitting",
            "directories_completed": 5,
            "directories_failed": 1,
            "current_directory": "Google My Business",
        }
    )
    assert (parsed.completed, parsed.failed, parsed.current_target) == (5, 1, "Google My Business")
    assert parsed.job_id == uuid.UUID(JOB) and parsed.submission_id == uuid.UUID(SUB)


@pytest.mark.parametrize("job_id", ["test-job-123", "job-123", "uuid", "a", "A.b_c:d-9", "x" * 100])
def test_an_external_reference_is_a_job_id(job_id):
    parsed = parse_update({"job_id": job_id, "status": "in_progress"})
    assert (parsed.job_id, parsed.job_external_id) == (None, job_id)


def test_a_uuid_job_id_is_ours_first_then_maybe_a_reference():
    parsed = parse_update({"job_id": JOB, "status": "in_progress"})
    assert (parsed.job_id, parsed.job_external_id) == (uuid.UUID(JOB), JOB)
    braces = "{" + JOB + "}"  # a UUID to Python, not an external id's shape
    assert parse_update({"job_id": braces, "status": "in_progress"}).job_external_id is None


@pytest.mark.parametrize("job_id", ["x" * 101, "-job", "job 123", "jöb-1", "job-1\n", "", 7, True, ["job-1"]])
def test_a_job_id_that_is_neither_is_400(job_id):
    with pytest.raises(InvalidUpdate) as refused:
        parse_update({"job_id": job_id, "status": "in_progress"})
    assert refused.value.status == 400 and refused.value.body()["field"] == "job_id"


def test_alias_and_name_must_agree():
    with pytest.raises(InvalidUpdate, match="disagree"):
        update(status="in_progress", completed=2, directories_completed=3)
    assert update(status="in_progress", completed=3, directories_completed=3).completed == 3


@pytest.mark.parametrize(
    "body, message",
    [
        ([], "JSON object"),
        ({"status": "in_progress"}, "'job_id' is required"),
        ({"job_id": "job 123!", "status": "in_progress"}, "UUID"),
        ({"job_id": 7, "status": "in_progress"}, "UUID"),
        ({"job_id": JOB}, "'status' is required"),
        ({"job_id": JOB, "status": "paused"}, "unknown job status 'paused'"),
        ({"job_id": JOB, "status": "submitting"}, "need a 'submission_id'"),
        ({"job_id": JOB, "submission_id": SUB, "status": "in_progress"}, "unknown submission status"),
        ({"job_id": JOB, "status": "in_progress", "completed": -1}, "between 0"),
        ({"job_id": JOB, "status": "in_progress", "completed": "3"}, "non-negative integer"),
        ({"job_id": JOB, "status": "in_progress", "failed": True}, "non-negative integer"),
        ({"job_id": JOB, "status": "in_progress", "failed": 2.5}, "non-negative integer"),
        ({"job_id": JOB, "status": "in_progress", "current_target": "x" * 256}, "longer than 255"),
        ({"job_id": JOB, "status": "in_progress", "current_target": 12}, "must be a string"),
    ],
)
def test_invalid_bodies_are_rejected_with_a_clear_message(body, message):
    with pytest.raises(InvalidUpdate, match=message) as caught:
        parse_update(body)
    assert caught.value.status == 400


def test_long_error_messages_are_cut_not_rejected():
    parsed = update(status="failed", error_message="boom " * 1000)
    assert len(parsed.error_message) == 2000 and parsed.error_message.endswith("…")


# -- transitions --------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, new",
    [
        ("pending", "in_progress"),
        ("pending", "completed"),
        ("pending", "failed"),
        ("in_progress", "completed"),
        ("in_progress", "failed"),
    ],
)
def test_job_forward_transitions(current, new):
    plan = plan_update(JobState(status=current), None, update(status=new))
    assert plan.job.status == new and plan.job_changed


@pytest.mark.parametrize(
    "current, new",
    [
        ("completed", "in_progress"),
        ("failed", "in_progress"),
        ("completed", "failed"),
        ("failed", "completed"),
        ("in_progress", "pending"),
        ("completed", "pending"),
    ],
)
def test_job_cannot_go_back(current, new):
    with pytest.raises(ImpossibleTransition) as caught:
        plan_update(JobState(status=current), None, update(status=new))
    assert caught.value.status == 409


@pytest.mark.parametrize(
    "current, new",
    [("submitted", "submitting"), ("failed", "submitted"), ("approved", "failed"), ("submitting", "pending")],
)
def test_submission_cannot_go_back(current, new):
    with pytest.raises(ImpossibleTransition):
        plan_update(JobState(status="in_progress"), SubmissionState(current), update(submission_id=SUB, status=new))


def test_submission_update_starts_a_pending_job_with_its_timestamp():
    plan = plan_update(JobState(status="pending", total=4), SubmissionState("pending"), update(submission_id=SUB, status="submitting", current_target="Acme"))
    assert plan.job.status == "in_progress" and plan.job_timestamps == ("started_at",)
    assert plan.submission.status == "submitting" and plan.submission_timestamps == ()
    assert plan.new_attempt
    done = plan_update(plan.job, plan.submission, update(submission_id=SUB, status="submitted"))
    assert not done.new_attempt  # one attempt: pending -> submitting -> submitted
    assert plan.job.current_target == "Acme"
    assert plan.events == ("submission.updated", "submission_job.updated")


def test_late_submission_update_on_finished_job_is_refused_but_approval_is_not():
    finished = JobState(status="completed", total=1, completed=1)
    with pytest.raises(ImpossibleTransition, match="job is completed"):
        plan_update(finished, SubmissionState("pending"), update(submission_id=SUB, status="submitting"))
    plan = plan_update(finished, SubmissionState("submitted"), update(submission_id=SUB, status="approved"))
    assert plan.submission.status == "approved" and plan.submission_timestamps == ("approved_at",)
    assert plan.job.completed == 1 and not plan.job_changed


def test_finishing_from_pending_stamps_start_and_end():
    plan = plan_update(JobState(status="pending"), None, update(status="completed"))
    assert plan.job_timestamps == ("started_at", "completed_at")


# -- counts and percentage ----------------------------------------------------------


def test_submission_outcomes_count_once():
    job = JobState(status="in_progress", total=4)
    plan = plan_update(job, SubmissionState("submitting"), update(submission_id=SUB, status="submitted"))
    assert (plan.job.completed, plan.job.failed) == (1, 0)
    assert plan.submission_timestamps == ("submitted_at",)
    assert plan.percentage == Decimal("25.00")
    again = plan_update(plan.job, plan.submission, update(submission_id=SUB, status="submitted"))
    assert (again.job.completed, again.job.failed) == (1, 0) and not again.changed and again.events == ()


def test_counts_never_go_down():
    job = JobState(status="in_progress", total=10, completed=5, failed=2)
    plan = plan_update(job, None, update(status="in_progress", completed=3, failed=0))
    assert (plan.job.completed, plan.job.failed) == (5, 2) and not plan.job_changed
    plan = plan_update(job, None, update(status="in_progress", completed=6))
    assert (plan.job.completed, plan.job.failed) == (6, 2) and plan.job_changed


def test_reported_counts_and_server_counts_agree_on_the_larger():
    job = JobState(status="in_progress", total=3, completed=1)
    plan = plan_update(job, SubmissionState("submitting"), update(submission_id=SUB, status="submitted", completed=2, failed=0))
    assert plan.job.completed == 2


@pytest.mark.parametrize(
    "completed, failed, total, status, expected",
    [
        (0, 0, 0, "in_progress", "0.00"),
        (1, 0, 3, "in_progress", "33.33"),
        (2, 0, 3, "in_progress", "66.67"),
        (1, 1, 4, "in_progress", "50.00"),
        (9, 9, 4, "in_progress", "100.00"),
        (1, 0, 3, "completed", "100.00"),
        (0, 3, 3, "failed", "100.00"),
        (0, 1, 3, "failed", "33.33"),
    ],
)
def test_progress_percentage(completed, failed, total, status, expected):
    assert progress_percentage(completed, failed, total, status) == Decimal(expected)


# -- errors and idempotency ---------------------------------------------------------


def test_submission_error_goes_to_both_logs_once():
    job = JobState(status="in_progress", total=2)
    first = plan_update(job, SubmissionState("submitting"), update(submission_id=SUB, status="failed", error_message="captcha"))
    assert first.submission_error == "captcha" and first.job_error == "captcha"
    assert first.submission.last_error == "captcha" and first.submission_timestamps == ("failed_at",)
    repeat = plan_update(first.job, first.submission, update(submission_id=SUB, status="failed", error_message="captcha"))
    assert not repeat.changed and repeat.submission_error is None and repeat.job_error is None


def test_a_new_error_on_an_unchanged_status_is_still_logged():
    job = JobState(status="in_progress", last_error="timeout")
    plan = plan_update(job, None, update(status="in_progress", error_message="rate limited"))
    assert plan.job_error == "rate limited" and plan.job_changed
    same = plan_update(plan.job, None, update(status="in_progress", error_message="rate limited"))
    assert same.job_error is None and not same.changed


def test_job_failure_records_its_error_and_clears_the_current_target():
    job = JobState(status="in_progress", total=3, completed=1, current_target="Acme")
    plan = plan_update(job, None, update(status="failed", error_message="browser crashed", completed=1, failed=1))
    assert plan.job.status == "failed" and plan.job_error == "browser crashed"
    assert plan.job.current_target == "" and plan.job_timestamps == ("completed_at",)
    assert plan.percentage == Decimal("66.67")


def test_identical_progress_update_is_a_no_op():
    job = JobState(status="in_progress", total=10)
    body = {"status": "in_progress", "completed": 4, "failed": 1, "current_target": "Globex"}
    first = plan_update(job, None, update(**body))
    assert first.changed
    second = plan_update(first.job, None, update(**body))
    assert not second.changed and second.job == first.job and second.events == ()
