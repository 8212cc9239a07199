"""POST /api/worker/update-progress on the server's loop: the workers' hot path.

The ordinary valid update (realtime.fasthttp: host, JSON body, a cached token from
the Bearer header of a scope UpdateProgressView accepts, within the view's throttle
budgets) skips DRF, Django's request cycle and the ORM's connection. The decisions
stay where they are: the body is checked by progress_rules.parse_update, the change
is decided by progress_rules.plan_update and set on the rows by services.apply_plan,
as on the ORM path (services.apply_progress_update). Only the statements are the fast
path's own, two round trips on realtime.db's pool:

1. BEGIN; lock the job, found by our UUID or the caller's reference within what the
   token reaches (the rule of selectors.worker_reach), with its owner's name; and,
   for a submission update, lock that submission of that job (job first, then
   submission: the order every writer locks in);
2. the UPDATEs `save(update_fields=…)` would send, the events' inserts and the COMMIT
   (realtime.services.apublish_and_commit); the outbox sends the events after the answer.

Anything else (no such job or submission under the token's UUID lookup, a refused
update: 400/409, a spent throttle, a bad body or token) goes to the normal view
(submissions.api.UpdateProgressView), which answers it as it always has.
"""
from __future__ import annotations

from typing import Any

import psycopg
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import ApiToken
from core.errors import ApplicationError
from realtime import db
from realtime.fasthttp import Fallback, Request, fast_path
from realtime.services import apublish_and_commit
from submissions import api, events, services
from submissions import progress_rules as rules
from submissions.models import Submission, SubmissionJob

_User = get_user_model()
_JOB, _SUBMISSION = SubmissionJob._meta, Submission._meta
_q = db.quote_name


def _job_sql(by: str, reach: str) -> str:
    """The locked job whose `by` column is %(ref)s, within `reach`, and its owner's name."""
    return f"""
        SELECT {db.columns(SubmissionJob, "j")}, u.{db.column(_User, _User.USERNAME_FIELD)}
        FROM {_q(_JOB.db_table)} j JOIN {_q(_User._meta.db_table)} u
          ON u.{db.column(_User, "pk")} = j.{db.column(SubmissionJob, "owner")}
        WHERE j.{db.column(SubmissionJob, by)} = %(ref)s AND {reach} LIMIT 1 FOR UPDATE OF j"""


def _submission_sql(job_sql: str) -> str:
    """The locked submission %(submission)s of the job `job_sql` found (and locked, one statement before)."""
    return f"""
        SELECT {db.columns(Submission, "s")} FROM {_q(_SUBMISSION.db_table)} s
        WHERE s.{db.column(Submission, "pk")} = %(submission)s
          AND s.{db.column(Submission, "job")} = (SELECT {db.column(SubmissionJob, "pk")} FROM ({job_sql}) AS job)
        FOR UPDATE OF s"""


# What a token reaches (selectors.worker_reach): a service token, the jobs assigned to it; a staff
# member's worker token, any job by UUID; anyone's, their own jobs (and only those by reference).
_ASSIGNED = f"j.{db.column(SubmissionJob, 'assigned_token')} = %(token)s"
_OWN, _ANY = f"j.{db.column(SubmissionJob, 'owner')} = %(user)s", "TRUE"
_JOB_SQL = {(by, reach): _job_sql(by, reach) for by in ("id", "external_id") for reach in (_ASSIGNED, _OWN, _ANY)}
_WITH_SUBMISSION_SQL = {job_sql: f"{job_sql}; {_submission_sql(job_sql)}" for job_sql in _JOB_SQL.values()}


def _lookup(token: ApiToken, update: rules.ProgressUpdate) -> str:
    """The job statement for this token and reference (selectors.worker_reach's rule)."""
    by = "id" if update.job_id is not None else "external_id"
    if token.is_service:
        reach = _ASSIGNED
    elif by == "id" and token.acts_for_system:
        reach = _ANY
    else:
        reach = _OWN
    return _JOB_SQL[by, reach]


@fast_path
async def update_progress(request: Request) -> dict[str, Any]:
    """A worker's progress report."""
    body = request.json()
    token = await request.token(api.UpdateProgressView, None)
    try:
        update = rules.parse_update(body)
    except ApplicationError:
        raise Fallback from None  # the view answers the 400
    job_sql = _lookup(token, update)
    params = {"ref": update.job_id or update.job_external_id, "token": token.pk, "user": token.user_id,
              "submission": update.submission_id}
    sql = "BEGIN; " + (_WITH_SUBMISSION_SQL[job_sql] if update.submission_id else job_sql)
    async with request.budgeted(api.UpdateProgressView, token) as throttle, db.pool().connection() as conn:
        cursor = psycopg.AsyncClientCursor(conn)
        await cursor.execute(sql, params)
        cursor.nextset()  # the job's row, after BEGIN's result
        job_row = await cursor.fetchone()
        submission_row = None
        if update.submission_id is not None and cursor.nextset():
            submission_row = await cursor.fetchone()
        await throttle  # Fallback when a budget is spent: the view answers 429
        if job_row is None or (update.submission_id is not None and submission_row is None):
            raise Fallback  # the view looks again (a UUID may be a reference too) and answers 404
        job = db.from_row(SubmissionJob, job_row[:-1])
        job.owner = _User.from_db("default", ["id", _User.USERNAME_FIELD], [job.owner_id, job_row[-1]])
        submission = db.from_row(Submission, submission_row) if submission_row is not None else None
        try:
            plan = rules.plan_update(services.job_state(job), services.submission_state(submission), update)
        except ApplicationError:
            raise Fallback from None  # nothing written: the view answers the 400 or 409
        if not plan.changed:
            await cursor.execute("COMMIT")
        else:
            job_fields, submission_fields = services.apply_plan(job, submission, plan, now=timezone.now())
            writes = [db.update_statement(cursor, row, fields) for row, fields in
                      ((submission, submission_fields), (job, job_fields)) if row is not None and fields]
            await apublish_and_commit(cursor, job.owner_id, events.CHANNEL,
                                      services.plan_events(job, submission, plan), before="; ".join(writes))
    return api.progress_answer(job, submission, plan.changed)
