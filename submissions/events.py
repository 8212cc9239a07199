"""The events of the submissions app (channel ``submissions``; staff follow ``submissions:all``).

``job_payload``/``submission_payload`` are the one wire shape of a job and a submission:
events, the JSON API and the worker endpoint's answer all carry them, so a page rendered
from the database and a page updated by events agree. Field names follow the
worker-progress spec (``directories_completed`` ...).
"""
from __future__ import annotations

from typing import Any

from core.wire import iso, now_iso
from realtime.catalogue import (
    INT,
    NULLABLE_INT,
    NULLABLE_STR,
    NULLABLE_WIRE_TIME,
    NUMBER,
    STR,
    STR_LIST,
    WIRE_TIME,
    event_type,
    obj,
)
from submissions import progress_rules as rules
from submissions.models import Submission, SubmissionJob

CHANNEL = "submissions"

JOB_SCHEMA = obj(
    {
        "job_id": STR,
        "external_id": NULLABLE_STR,
        "status": {"type": "string", "enum": list(rules.JOB_STATUSES)},
        "total": INT,
        "directories_completed": INT,
        "directories_failed": INT,
        "progress_percentage": NUMBER,
        "current_directory": STR,
        "customer_id": INT,
        "customer_name": STR,
        "last_error_message": STR,
        "created_at": WIRE_TIME,
        "started_at": NULLABLE_WIRE_TIME,
        "completed_at": NULLABLE_WIRE_TIME,
        "updated_at": WIRE_TIME,
        "timestamp": WIRE_TIME,
    }
)

SUBMISSION_SCHEMA = obj(
    {
        "submission_id": STR,
        "job_id": STR,
        "job_posting_id": NULLABLE_INT,
        "directory_name": STR,
        "status": {"type": "string", "enum": list(rules.SUBMISSION_STATUSES)},
        "attempts": INT,
        "last_error_message": STR,
        "submitted_at": NULLABLE_WIRE_TIME,
        "approved_at": NULLABLE_WIRE_TIME,
        "failed_at": NULLABLE_WIRE_TIME,
        "updated_at": WIRE_TIME,
        "timestamp": WIRE_TIME,
    },
    {
        # the apply pipeline: the owner's job page for the posting, and the questions waiting for an answer
        "tracker_job_id": NULLABLE_INT,
        "questions": STR_LIST,
    },
)

JOB_UPDATED = event_type(
    "submission_job.updated",
    CHANNEL,
    JOB_SCHEMA,
    "A submission job was created or changed (status, counts, progress, current target, last error).",
)
SUBMISSION_UPDATED = event_type(
    "submission.updated",
    CHANNEL,
    SUBMISSION_SCHEMA,
    "One submission of a job changed (status, attempts, last error).",
)


def job_payload(job: SubmissionJob) -> dict[str, Any]:
    return {
        "job_id": str(job.pk),
        "external_id": job.external_id,
        "status": job.status,
        "total": job.total,
        "directories_completed": job.completed,
        "directories_failed": job.failed,
        "progress_percentage": float(job.progress_percentage),
        "current_directory": job.current_target,
        "customer_id": job.owner_id,
        "customer_name": job.owner.get_username(),
        "last_error_message": job.last_error_message,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "completed_at": iso(job.completed_at),
        "updated_at": iso(job.updated_at),
        "timestamp": now_iso(),
    }


def submission_payload(submission: Submission) -> dict[str, Any]:
    return {
        "submission_id": str(submission.pk),
        "job_id": str(submission.job_id),
        "job_posting_id": submission.job_posting_id,
        "directory_name": submission.target_name,
        "status": submission.status,
        "attempts": submission.attempts,
        "last_error_message": submission.last_error_message,
        "submitted_at": iso(submission.submitted_at),
        "approved_at": iso(submission.approved_at),
        "failed_at": iso(submission.failed_at),
        "updated_at": iso(submission.updated_at),
        "timestamp": now_iso(),
        "tracker_job_id": submission.tracker_job_id,
        "questions": [str(q.get("label", "")) for q in submission.questions or [] if isinstance(q, dict)],
    }
