"""The rules of a progress update, as pure functions (no Django, no database).

The endpoint and the Celery apply worker both go through ``services.apply_progress_update``,
which locks the job (and submission) rows, turns them into the small state objects below,
asks ``plan_update`` what should change, and writes exactly that. Keeping the decision
here makes every rule unit-testable without a database:

* statuses and the transitions allowed between them (impossible ones: 409, unknown: 400;
  the errors are ``core.errors.ApplicationError`` subclasses, answered by ``core.api``);
* the alias names of the wire format (``directories_completed`` ...);
* counts never go down; a submission reaching ``submitted``/``failed`` counts once;
* the progress percentage is derived, never reported;
* the same update applied twice changes nothing the second time.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.errors import ApplicationError

# -- statuses -----------------------------------------------------------------------

JOB_PENDING, JOB_IN_PROGRESS, JOB_COMPLETED, JOB_FAILED = "pending", "in_progress", "completed", "failed"
JOB_STATUSES = (JOB_PENDING, JOB_IN_PROGRESS, JOB_COMPLETED, JOB_FAILED)
JOB_FINISHED = frozenset({JOB_COMPLETED, JOB_FAILED})

SUB_PENDING, SUB_SUBMITTING, SUB_SUBMITTED, SUB_APPROVED, SUB_FAILED = (
    "pending",
    "submitting",
    "submitted",
    "approved",
    "failed",
)
# The apply pipeline's outcomes (issue 13): waiting for the user (an answer, a person past a captcha,
# a look at the filled form), or not applied on purpose (the user's rules, or Skip).
SUB_NEEDS_ANSWER, SUB_NEEDS_HUMAN, SUB_REVIEW, SUB_SKIPPED = "needs_answer", "needs_human", "review", "skipped"
SUBMISSION_STATUSES = (
    SUB_PENDING,
    SUB_SUBMITTING,
    SUB_SUBMITTED,
    SUB_APPROVED,
    SUB_FAILED,
    SUB_NEEDS_ANSWER,
    SUB_NEEDS_HUMAN,
    SUB_REVIEW,
    SUB_SKIPPED,
)
# Waiting for the user: the job may finish meanwhile; the user's answer (or Submit) puts the submission
# back to pending and runs the job again (services.resume_submission), or Skip ends it.
SUB_WAITING = frozenset({SUB_NEEDS_ANSWER, SUB_NEEDS_HUMAN, SUB_REVIEW})

# Allowed moves. Staying in the same status is always allowed (it is how a repeated
# update becomes a no-op) and is not listed.
JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    JOB_PENDING: frozenset({JOB_IN_PROGRESS, JOB_COMPLETED, JOB_FAILED}),
    JOB_IN_PROGRESS: frozenset({JOB_COMPLETED, JOB_FAILED}),
    JOB_COMPLETED: frozenset(),
    JOB_FAILED: frozenset(),
}
SUBMISSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SUB_PENDING: frozenset({SUB_SUBMITTING, SUB_SUBMITTED, SUB_FAILED, SUB_SKIPPED} | SUB_WAITING),
    SUB_SUBMITTING: frozenset({SUB_SUBMITTED, SUB_FAILED, SUB_SKIPPED} | SUB_WAITING),
    SUB_SUBMITTED: frozenset({SUB_APPROVED}),
    SUB_APPROVED: frozenset(),
    SUB_FAILED: frozenset(),
    SUB_NEEDS_ANSWER: frozenset({SUB_SKIPPED}),
    SUB_NEEDS_HUMAN: frozenset({SUB_SKIPPED}),
    SUB_REVIEW: frozenset({SUB_SKIPPED}),
    SUB_SKIPPED: frozenset(),
}

# When a status is entered, this timestamp field is set.
JOB_STATUS_TIMESTAMPS = {JOB_IN_PROGRESS: "started_at", JOB_COMPLETED: "completed_at", JOB_FAILED: "completed_at"}
SUBMISSION_STATUS_TIMESTAMPS = {
    SUB_SUBMITTED: "submitted_at",
    SUB_APPROVED: "approved_at",
    SUB_FAILED: "failed_at",
}

# The spec's (DirectoryBolt) names, accepted on the wire as aliases of ours.
FIELD_ALIASES = {
    "directories_completed": "completed",
    "directories_failed": "failed",
    "current_directory": "current_target",
}

# A job's external reference (the owner's own id, e.g. "test-job-123"): workers may send it as job_id.
MAX_EXTERNAL_ID_LENGTH = 100
EXTERNAL_ID_PATTERN = rf"\A[A-Za-z0-9][A-Za-z0-9._:-]{{0,{MAX_EXTERNAL_ID_LENGTH - 1}}}\Z"
EXTERNAL_ID_RE = re.compile(EXTERNAL_ID_PATTERN)

MAX_COUNT = 1_000_000
MAX_TARGET_LENGTH = 255
MAX_ERROR_LENGTH = 2000  # longer messages (stack traces) are cut, not rejected: the failure still counts
MAX_ERROR_LOG_ENTRIES = 200  # the oldest entries are dropped beyond this


class UpdateRejected(ApplicationError):
    """An update the server refuses with nothing written; the body names the offending ``field``."""

    def __init__(self, message: str, field: str | None = None):
        if field:
            super().__init__(message, field=field)
        else:
            super().__init__(message)  # no "field" key in the body


class InvalidUpdate(UpdateRejected):
    status = 400
    code = "invalid_update"


class ImpossibleTransition(UpdateRejected):
    status = 409
    code = "impossible_transition"


# -- parsing ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressUpdate:
    """One validated, alias-normalised update as sent by a worker.

    ``job_id`` is set when the wire's job_id is a UUID (ours, usually); ``job_external_id``
    when it has the shape of an external reference. A UUID-shaped value is both: it is
    looked up as our id first, then as the caller's reference.
    """

    job_id: uuid.UUID | None
    status: str
    submission_id: uuid.UUID | None = None
    completed: int | None = None
    failed: int | None = None
    current_target: str | None = None
    error_message: str | None = None
    job_external_id: str | None = None


def normalise_aliases(body: dict) -> dict:
    """Map the spec's alias names onto ours; the two spellings must agree if both are sent."""
    out = dict(body)
    for alias, name in FIELD_ALIASES.items():
        if alias not in out:
            continue
        value = out.pop(alias)
        if name in out and out[name] != value:
            raise InvalidUpdate(f"'{name}' and its alias '{alias}' disagree", field=name)
        out[name] = value
    return out


def _parse_uuid(body: dict, name: str) -> uuid.UUID | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidUpdate(f"'{name}' must be a UUID string", field=name)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidUpdate(f"'{name}' must be a UUID string", field=name) from None


def _parse_job_ref(body: dict) -> tuple[uuid.UUID | None, str | None]:
    """job_id: a UUID of ours, or the caller's external reference (e.g. the spec's "test-job-123")."""
    value = body.get("job_id")
    if value is None or value == "":
        raise InvalidUpdate("'job_id' is required", field="job_id")
    if not isinstance(value, str):
        raise InvalidUpdate("'job_id' must be a string: a job UUID or your external id", field="job_id")
    try:
        job_uuid: uuid.UUID | None = uuid.UUID(value)
    except ValueError:
        job_uuid = None
    external_id = value if EXTERNAL_ID_RE.match(value) else None
    if job_uuid is None and external_id is None:
        raise InvalidUpdate(
            f"'job_id' must be a job UUID or an external id (1 to {MAX_EXTERNAL_ID_LENGTH} letters, digits, "
            "'.', '_', ':' or '-', starting with a letter or digit)",
            field="job_id",
        )
    return job_uuid, external_id


def _parse_count(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidUpdate(f"'{name}' must be a non-negative integer", field=name)
    if value < 0 or value > MAX_COUNT:
        raise InvalidUpdate(f"'{name}' must be between 0 and {MAX_COUNT}", field=name)
    return value


def _parse_text(body: dict, name: str, max_length: int, truncate: bool) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidUpdate(f"'{name}' must be a string", field=name)
    value = value.strip()
    if len(value) > max_length:
        if not truncate:
            raise InvalidUpdate(f"'{name}' is longer than {max_length} characters", field=name)
        value = value[: max_length - 1] + "…"
    return value or None


def parse_update(body: Any) -> ProgressUpdate:
    """Validate a request body; raise InvalidUpdate (400) with a clear message."""
    if not isinstance(body, dict):
        raise InvalidUpdate("the body must be a JSON object")
    body = normalise_aliases(body)
    job_id, job_external_id = _parse_job_ref(body)
    submission_id = _parse_uuid(body, "submission_id")
    status = body.get("status")
    if not isinstance(status, str) or not status:
        raise InvalidUpdate("'status' is required", field="status")
    if submission_id is not None:
        if status not in SUBMISSION_STATUSES:
            raise InvalidUpdate(
                f"unknown submission status '{status}' (expected one of {', '.join(SUBMISSION_STATUSES)})",
                field="status",
            )
    elif status not in JOB_STATUSES:
        hint = " (submission statuses need a 'submission_id')" if status in SUBMISSION_STATUSES else ""
        raise InvalidUpdate(
            f"unknown job status '{status}' (expected one of {', '.join(JOB_STATUSES)}){hint}",
            field="status",
        )
    return ProgressUpdate(
        job_id=job_id,
        job_external_id=job_external_id,
        status=status,
        submission_id=submission_id,
        completed=_parse_count(body, "completed"),
        failed=_parse_count(body, "failed"),
        current_target=_parse_text(body, "current_target", MAX_TARGET_LENGTH, truncate=False),
        error_message=_parse_text(body, "error_message", MAX_ERROR_LENGTH, truncate=True),
    )


# -- deciding -----------------------------------------------------------------------


@dataclass(frozen=True)
class JobState:
    status: str
    total: int = 0
    completed: int = 0
    failed: int = 0
    current_target: str = ""
    last_error: str | None = None


@dataclass(frozen=True)
class SubmissionState:
    status: str
    last_error: str | None = None


@dataclass(frozen=True)
class UpdatePlan:
    """What to write. ``job``/``submission`` are the new states; the rest are side effects."""

    job: JobState
    submission: SubmissionState | None
    percentage: Decimal
    job_changed: bool
    submission_changed: bool
    job_timestamps: tuple[str, ...] = ()
    submission_timestamps: tuple[str, ...] = ()
    job_error: str | None = None
    submission_error: str | None = None
    new_attempt: bool = False  # the submission left pending: one more try at it

    @property
    def changed(self) -> bool:
        return self.job_changed or self.submission_changed

    @property
    def events(self) -> tuple[str, ...]:
        """The event types this update sends, in order (nothing for a no-op)."""
        return ("submission.updated",) * self.submission_changed + ("submission_job.updated",) * self.job_changed


def check_transition(kind: str, transitions: dict, current: str, new: str) -> bool:
    """True if the status moves, False if it stays; raise if the move is impossible."""
    if new not in transitions:
        raise InvalidUpdate(f"unknown {kind} status '{new}'", field="status")
    if new == current:
        return False
    if new not in transitions.get(current, ()):
        raise ImpossibleTransition(f"{kind} cannot go from '{current}' to '{new}'", field="status")
    return True


def count_deltas(old_status: str | None, new_status: str) -> tuple[int, int]:
    """(completed, failed) increments when a submission enters a terminal outcome."""
    if old_status == new_status:
        return 0, 0
    if new_status == SUB_SUBMITTED:
        return 1, 0
    if new_status == SUB_FAILED:
        return 0, 1
    return 0, 0  # approved was already counted as completed when it was submitted; the rest are no outcome


def merge_count(current: int, delta: int, reported: int | None) -> int:
    """Counts only go up: the server's own count, or the worker's, whichever is larger."""
    return max(current + delta, reported or 0)


def progress_percentage(completed: int, failed: int, total: int, status: str) -> Decimal:
    """Share of the job's submissions that are done (either way), 0-100 with 2 decimals."""
    if status == JOB_COMPLETED:
        return Decimal("100.00")
    if total <= 0:
        return Decimal("0.00")
    share = Decimal(min(completed + failed, total) * 100) / Decimal(total)
    return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _new_error(message: str | None, status_changed: bool, last_error: str | None) -> str | None:
    """An error is logged once: a repeat of the last one without a status change is a retransmission."""
    if not message:
        return None
    if status_changed or message != last_error:
        return message
    return None


def plan_update(job: JobState, submission: SubmissionState | None, update: ProgressUpdate) -> UpdatePlan:
    """Decide the effect of ``update`` on a job (and one of its submissions)."""
    completed_delta = failed_delta = 0
    new_job_status = job.status
    new_submission = submission
    submission_changed = False
    submission_error = None
    submission_timestamps: tuple[str, ...] = ()

    if update.submission_id is not None:
        if submission is None:
            raise InvalidUpdate("submission state missing for a submission update")
        sub_moves = check_transition("submission", SUBMISSION_TRANSITIONS, submission.status, update.status)
        user_skip = submission.status in SUB_WAITING and update.status == SUB_SKIPPED
        if sub_moves and update.status != SUB_APPROVED and not user_skip and job.status in JOB_FINISHED:
            # Approval arrives from the job board after the run, and a user may skip what waits for
            # them; anything else is a late worker.
            raise ImpossibleTransition(f"job is {job.status}; its submissions can no longer change", "status")
        if sub_moves and job.status == JOB_PENDING:
            new_job_status = JOB_IN_PROGRESS  # a worker touching a submission has started the job
        completed_delta, failed_delta = count_deltas(submission.status, update.status)
        submission_error = _new_error(update.error_message, sub_moves, submission.last_error)
        new_submission = SubmissionState(
            status=update.status,
            last_error=submission_error or submission.last_error,
        )
        submission_changed = sub_moves or submission_error is not None
        if sub_moves and update.status in SUBMISSION_STATUS_TIMESTAMPS:
            submission_timestamps = (SUBMISSION_STATUS_TIMESTAMPS[update.status],)
    else:
        if check_transition("job", JOB_TRANSITIONS, job.status, update.status):
            new_job_status = update.status

    job_moves = new_job_status != job.status
    completed = merge_count(job.completed, completed_delta, update.completed)
    failed = merge_count(job.failed, failed_delta, update.failed)
    if new_job_status in JOB_FINISHED:
        current_target = ""  # nothing is being processed any more
    elif update.current_target is not None:
        current_target = update.current_target
    else:
        current_target = job.current_target

    # Job-level errors: a job failure's message, or a submission's error (tagged by the service).
    if update.submission_id is None:
        job_error = _new_error(update.error_message, job_moves, job.last_error)
    else:
        job_error = submission_error

    new_job = replace(
        job,
        status=new_job_status,
        completed=completed,
        failed=failed,
        current_target=current_target,
        last_error=job_error or job.last_error,
    )
    job_changed = (
        job_moves
        or completed != job.completed
        or failed != job.failed
        or current_target != job.current_target
        or job_error is not None
    )
    job_timestamps: tuple[str, ...] = ()
    if job_moves:
        job_timestamps = (JOB_STATUS_TIMESTAMPS[new_job_status],)
        if job.status == JOB_PENDING and new_job_status in JOB_FINISHED:
            job_timestamps = ("started_at",) + job_timestamps  # finished without a start report
    return UpdatePlan(
        job=new_job,
        submission=new_submission,
        percentage=progress_percentage(completed, failed, job.total, new_job_status),
        job_changed=job_changed,
        submission_changed=submission_changed,
        job_timestamps=job_timestamps,
        submission_timestamps=submission_timestamps,
        job_error=job_error,
        submission_error=submission_error,
        new_attempt=(
            submission_changed
            and submission is not None
            and submission.status == SUB_PENDING
            and update.status != SUB_PENDING
        ),
    )
