"""The async fast paths (bot heartbeat, worker progress) keep every rule of the normal path
(issue 18): token scopes and service worker tokens, the views' throttle budgets, heartbeat
coalescing, the body limit, token revocation. Through a real daphne; its DEBUG log says
which path answered each request (realtime.fasthttp), so a test cannot pass on Django alone.
"""
from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from django.conf import settings
from rest_framework.test import APIClient

from accounts.services import create_service_token, revoke_token
from realtime.models import Event
from scraping.models import Company, JobPosting
from sessions_app.models import BotSession
from submissions import services as submission_services
from submissions.models import SubmissionJob

pytestmark = pytest.mark.django_db(transaction=True)

HEARTBEAT = "/api/autoapply/bot/heartbeat"
PROGRESS = "/api/worker/update-progress"
ZERO = {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}
GENEROUS = {"THROTTLE_WRITE_RATE": "1000/min", "THROTTLE_USER_WRITE_RATE": "1000/min",
            "THROTTLE_HEARTBEAT_RATE": "1000/min", "THROTTLE_PROGRESS_RATE": "1000/min"}


def fast_daphne(start_daphne, **env: Any):
    """A daphne whose log tells which path answered (LOG_LEVEL=DEBUG)."""
    return start_daphne(LOG_LEVEL="DEBUG", **{**GENEROUS, **env})


def answered_fast(server, path: str) -> int:
    return server.log_path.read_text(errors="replace").count(f"fast path answered {path}")


def handed_to_django(server, path: str) -> int:
    return server.log_path.read_text(errors="replace").count(f"fast path handed {path} to Django")


def post(server, path: str, raw: str, body: dict[str, Any], **kwargs: Any) -> requests.Response:
    return requests.post(f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {raw}"},
                         timeout=15, **kwargs)


def start_session(server, raw: str) -> str:
    response = post(server, "/api/autoapply/bot/start", raw, {"bot_version": "1.0", "platform": "linux"})
    assert response.status_code == 200, response.text
    return response.json()["session_id"]


def beat(session_id: str, activity: str = "searching_jobs", found: int = 0) -> dict[str, Any]:
    return {"session_id": session_id, "activity": activity, "details": {"found": found},
            "stats": {**ZERO, "jobs_found": found}}


def make_job(owner, n: int) -> SubmissionJob:
    """A pending job of `n` submissions, not queued on Celery (an external worker runs it)."""
    firm, _ = Company.objects.get_or_create(name="Acme", defaults={"source": "greenhouse", "board_token": "acme"})
    first = JobPosting.objects.count()
    postings = [JobPosting.objects.create(company=firm, external_id=f"fast-{first + i}", title=f"Engineer {i}",
                                          url=f"https://jobs.example.com/{first + i}",
                                          apply_url=f"https://jobs.example.com/apply/{first + i}")
                for i in range(n)]
    return submission_services.create_job(owner, [p.pk for p in postings], start=False)


def drf(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_heartbeats_share_the_views_throttle_budget_and_get_429_with_retry_after(start_daphne, user, make_token):
    server = fast_daphne(start_daphne, THROTTLE_HEARTBEAT_RATE="4/min")
    raw = make_token(user)
    session_id = start_session(server, raw)
    assert post(server, HEARTBEAT, raw, beat(session_id, found=1)).status_code == 200
    # A query string sends this one through Django and DRF: it counts in the same budget.
    assert post(server, HEARTBEAT + "?via=django", raw, beat(session_id, found=2)).status_code == 200
    # Refused by the rules (stats go down): counted once, by the view, not twice.
    assert post(server, HEARTBEAT, raw, beat(session_id, found=0)).status_code == 400
    assert post(server, HEARTBEAT, raw, beat(session_id, found=3)).status_code == 200
    assert answered_fast(server, HEARTBEAT) == 2

    throttled = post(server, HEARTBEAT, raw, beat(session_id, found=4))
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "throttled" in throttled.json()["error"]
    assert answered_fast(server, HEARTBEAT) == 2
    assert BotSession.objects.get(pk=session_id).jobs_found == 3  # the throttled one wrote nothing
    # Another token of the same user has a budget of its own (the heartbeat rate is per token).
    second = make_token(user, name="second bot")
    assert post(server, HEARTBEAT, second, beat(session_id, found=5)).status_code == 200
    assert answered_fast(server, HEARTBEAT) == 3


def test_progress_throttle_is_the_views_budget(start_daphne, user, make_token):
    server = fast_daphne(start_daphne, THROTTLE_PROGRESS_RATE="2/min")
    raw = make_token(user, scope="worker")
    job = make_job(user, n=2)
    for completed in (1, 2):
        response = post(server, PROGRESS, raw, {"job_id": str(job.pk), "status": "in_progress", "completed": completed})
        assert response.status_code == 200, response.text
    throttled = post(server, PROGRESS, raw, {"job_id": str(job.pk), "status": "completed"})
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert answered_fast(server, PROGRESS) == 2
    assert SubmissionJob.objects.get(pk=job.pk).status == "in_progress"


def test_a_bot_token_on_worker_progress_is_refused_as_drf_refuses_it(start_daphne, user, make_token):
    server = fast_daphne(start_daphne)
    bot = make_token(user, scope="bot")
    job = make_job(user, n=1)
    body = {"job_id": str(job.pk), "status": "in_progress", "completed": 1}
    through_daphne = post(server, PROGRESS, bot, body)
    in_process = drf(bot).post(PROGRESS, body, format="json")
    assert in_process.status_code == 403
    assert (through_daphne.status_code, through_daphne.json()) == (403, in_process.json())
    assert answered_fast(server, PROGRESS) == 0 and handed_to_django(server, PROGRESS) == 1
    # And the other way round: a worker token is no bot.
    worker = make_token(user, scope="worker")
    assert post(server, HEARTBEAT, worker, beat("00000000-0000-0000-0000-000000000000")).status_code == 403
    assert SubmissionJob.objects.get(pk=job.pk).status == "pending"


def test_a_service_worker_token_works_on_its_jobs_only(start_daphne, user, other_user, staff_user):
    server = fast_daphne(start_daphne)
    token, raw = create_service_token(staff_user, "DirectoryBolt worker")
    mine = make_job(user, n=2)
    SubmissionJob.objects.filter(pk=mine.pk).update(external_id="test-job-123")
    theirs = make_job(other_user, n=1)
    assert submission_services.assign_jobs_to_token([mine.pk], token) == 1

    response = post(server, PROGRESS, raw, {"job_id": "test-job-123", "status": "in_progress",
                                            "directories_completed": 1, "current_directory": "LinkedIn"})
    assert response.status_code == 200, response.text
    assert response.json()["job"]["job_id"] == str(mine.pk)
    assert answered_fast(server, PROGRESS) == 1
    refused = post(server, PROGRESS, raw, {"job_id": str(theirs.pk), "status": "in_progress"})
    assert (refused.status_code, refused.json()) == (404, {"error": "No such submission job."})
    assert handed_to_django(server, PROGRESS) == 1
    stored = SubmissionJob.objects.get(pk=mine.pk)
    assert (stored.status, stored.completed, stored.current_target) == ("in_progress", 1, "LinkedIn")
    assert SubmissionJob.objects.get(pk=theirs.pk).status == "pending"


def test_a_revoked_token_stops_working_within_the_cache_window(start_daphne, user, make_token):
    window = 1.0
    server = fast_daphne(start_daphne, API_TOKEN_CACHE_SECONDS=window)
    raw = make_token(user)
    session_id = start_session(server, raw)
    found = 0
    for _ in range(3):  # the token is in the process's cache, in use
        found += 1
        assert post(server, HEARTBEAT, raw, beat(session_id, found=found)).status_code == 200
    assert answered_fast(server, HEARTBEAT) == 3
    from accounts.models import ApiToken

    revoke_token(user, ApiToken.objects.get(user=user).pk)
    revoked_at = time.monotonic()
    while True:
        found += 1
        response = post(server, HEARTBEAT, raw, beat(session_id, found=found))
        if response.status_code != 200:
            break
        assert time.monotonic() - revoked_at < window + 0.5, "the revoked token still works"
        time.sleep(0.05)
    assert response.status_code == 401
    assert time.monotonic() - revoked_at < window + 0.5


def test_coalesced_heartbeats_publish_no_extra_events(start_daphne, ws_listen, user, make_token):
    # A long window, so the machine's pace cannot decide which heartbeat is folded.
    server = fast_daphne(start_daphne, BOT_HEARTBEAT_COALESCE_SECONDS=60, BOT_HEARTBEAT_BURST=3)
    raw = make_token(user)
    dashboard = ws_listen(server, raw, channels="bot")
    session_id = start_session(server, raw)
    for found in range(1, 9):  # starting -> running, three repeats, then four folded
        assert post(server, HEARTBEAT, raw, beat(session_id, found=found)).status_code == 200
    assert post(server, HEARTBEAT, raw, beat(session_id, "applying_jobs", found=9)).status_code == 200  # a change
    assert answered_fast(server, HEARTBEAT) == 9

    expected = [("starting", "", 0)] + [("running", "searching_jobs", n) for n in (1, 2, 3, 4)] + [
        ("running", "applying_jobs", 9)]
    stored = [(e.data["status"], e.data["current_activity"], e.data["jobs_found"])
              for e in Event.objects.filter(type="bot.session_updated", data__session_id=session_id).order_by("id")]
    assert stored == expected
    dashboard.wait_for("bot.session_updated", predicate=lambda m: m["data"]["jobs_found"] == 9)
    live = [(m["data"]["status"], m["data"]["current_activity"], m["data"]["jobs_found"])
            for m in dashboard.events("bot.session_updated")]
    assert live == expected
    row = BotSession.objects.get(pk=session_id)
    assert (row.jobs_found, row.activity_details) == (9, {"found": 9})  # the row took every heartbeat


def test_a_body_over_the_limit_is_refused_413_before_either_path_reads_it(start_daphne, user, make_token):
    """core.limits wraps the whole HTTP side, fast paths included: the same 413 as every endpoint."""
    server = fast_daphne(start_daphne)
    raw = make_token(user)
    session_id = start_session(server, raw)
    big = beat(session_id, found=1)
    big["details"] = {"padding": "x" * (3 * 1024 * 1024)}  # over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
    through_daphne = post(server, HEARTBEAT, raw, big)
    assert through_daphne.status_code == 413
    assert through_daphne.json()["limit_bytes"] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert answered_fast(server, HEARTBEAT) == 0 and handed_to_django(server, HEARTBEAT) == 0
    assert BotSession.objects.get(pk=session_id).jobs_found == 0


def test_a_staff_members_worker_token_reaches_any_job_by_uuid_and_a_users_only_their_own(
        start_daphne, user, other_user, staff_user, make_token):
    server = fast_daphne(start_daphne)
    job = make_job(other_user, n=1)
    staff_worker, own_worker = make_token(staff_user, scope="worker"), make_token(user, scope="worker")
    body = {"job_id": str(job.pk), "status": "in_progress", "completed": 1}

    refused = post(server, PROGRESS, own_worker, body)
    in_process = drf(own_worker).post(PROGRESS, body, format="json")
    assert (refused.status_code, refused.json()) == (in_process.status_code, in_process.json()) == (
        404, {"error": "No such submission job."})
    assert answered_fast(server, PROGRESS) == 0

    response = post(server, PROGRESS, staff_worker, body)
    assert response.status_code == 200, response.text
    assert answered_fast(server, PROGRESS) == 1
    assert SubmissionJob.objects.get(pk=job.pk).completed == 1


def test_progress_on_the_fast_path_writes_answers_and_publishes_what_the_view_does(start_daphne, user, make_token):
    """One worker's run told twice: to daphne (the fast path's own statements) and to the view in
    process (the ORM path). Rows, answers, refusals and events must agree, field by field."""
    server = fast_daphne(start_daphne)
    raw = make_token(user, scope="worker")
    fast_job, view_job = make_job(user, n=3), make_job(user, n=3)
    SubmissionJob.objects.filter(pk=fast_job.pk).update(external_id="run-fast")
    SubmissionJob.objects.filter(pk=view_job.pk).update(external_id="run-view")
    fast_job.refresh_from_db()
    view_job.refresh_from_db()

    def run(job: SubmissionJob, send) -> list[tuple[int, Any]]:
        subs = [str(pk) for pk in job.submissions.order_by("position").values_list("pk", flat=True)]
        steps = [
            {"job_id": str(job.pk), "status": "in_progress", "current_directory": "Acme"},
            {"job_id": str(job.pk), "submission_id": subs[0], "status": "submitting"},
            {"job_id": str(job.pk), "submission_id": subs[0], "status": "submitted"},
            {"job_id": job.external_id, "submission_id": subs[1], "status": "failed", "error_message": "form gone"},
            {"job_id": job.external_id, "submission_id": subs[1], "status": "failed", "error_message": "form gone"},
            {"job_id": str(job.pk), "submission_id": subs[2], "status": "needs_answer"},
            {"job_id": str(job.pk), "status": "in_progress", "directories_completed": 1, "directories_failed": 1},
            {"job_id": str(job.pk), "submission_id": subs[0], "status": "pending"},  # 409: no way back
            {"job_id": str(job.pk), "status": "completed"},
            {"job_id": str(job.pk), "submission_id": subs[2], "status": "submitting"},  # 409: the job is over
        ]
        return [send(step) for step in steps]

    def through_daphne(step):
        response = post(server, PROGRESS, raw, step)
        return response.status_code, response.json()

    def in_process(step):
        response = drf(raw).post(PROGRESS, step, format="json")
        return response.status_code, response.json()

    def same_shape(value: Any, job: SubmissionJob) -> Any:
        """Ids and clock readings differ between the two jobs; whether a time is set does not."""
        if isinstance(value, dict):
            return {k: (v is not None) if k.endswith("_at") or k in ("timestamp", "at")
                    else same_shape(v, job) for k, v in value.items()
                    if k not in ("job_id", "submission_id", "job_posting_id", "external_id", "directory_name",
                                 "target")}
        if isinstance(value, list | tuple):
            return [same_shape(v, job) for v in value]
        return value

    fast_answers, view_answers = run(fast_job, through_daphne), run(view_job, in_process)
    assert [code for code, _ in fast_answers] == [200] * 7 + [409, 200, 409], [a for a in fast_answers if a[0] != 200]
    assert same_shape(fast_answers, fast_job) == same_shape(view_answers, view_job)
    assert [body.get("changed") for _, body in fast_answers] == [True, True, True, True, False, True, False,
                                                                 None, True, None]
    assert answered_fast(server, PROGRESS) == 8 and handed_to_django(server, PROGRESS) == 2

    def stored(job: SubmissionJob) -> Any:
        row = SubmissionJob.objects.get(pk=job.pk)
        subs = [(s.status, s.attempts, s.last_error_message, same_shape(s.error_log, job),
                 s.submitted_at is not None, s.failed_at is not None, s.updated_at > s.created_at)
                for s in row.submissions.order_by("position")]
        return (row.status, row.completed, row.failed, row.progress_percentage, row.current_target,
                same_shape(row.error_log, job), row.started_at is not None, row.completed_at is not None, subs)

    assert stored(fast_job) == stored(view_job)
    assert stored(fast_job)[:5] == ("completed", 1, 1, 100, "")

    def published(job: SubmissionJob) -> list[tuple[str, Any]]:
        return [(e.type, same_shape(e.data, job)) for e in Event.objects.filter(channel="submissions").order_by("id")
                if e.data["job_id"] == str(job.pk)]

    assert published(fast_job) == published(view_job)
    assert [t for t, _ in published(fast_job)] == ["submission_job.updated"] * 2 + [  # created (create_job), started
        "submission.updated", "submission.updated", "submission_job.updated",  # submitting; submitted, counted
        "submission.updated", "submission_job.updated", "submission.updated",  # failed, counted; needs_answer
        "submission_job.updated"]  # completed


def test_concurrent_progress_on_one_job_counts_every_submission_once(start_daphne, ws_listen, user, make_token):
    """Twelve workers finish twelve submissions of one job at once, through the fast path: the job row
    is locked before its submission, so no count is lost and the last job event is the final state."""
    from concurrent.futures import ThreadPoolExecutor

    server = fast_daphne(start_daphne)
    raw = make_token(user, scope="worker")
    job = make_job(user, n=12)
    dashboard = ws_listen(server, raw, channels="submissions")
    subs = [str(pk) for pk in job.submissions.values_list("pk", flat=True)]
    outcomes = ["submitted"] * 8 + ["failed"] * 4

    def report(n: int) -> int:
        body = {"job_id": str(job.pk), "submission_id": subs[n], "status": outcomes[n]}
        return post(server, PROGRESS, raw, body).status_code

    with ThreadPoolExecutor(12) as pool:
        assert list(pool.map(report, range(12))) == [200] * 12
    assert answered_fast(server, PROGRESS) == 12
    stored = SubmissionJob.objects.get(pk=job.pk)
    assert (stored.status, stored.completed, stored.failed, stored.progress_percentage) == ("in_progress", 8, 4, 100)
    dashboard.wait_for("submission_job.updated", predicate=lambda m: m["data"]["directories_completed"]
                       + m["data"]["directories_failed"] == 12)
    done = [m["data"]["directories_completed"] + m["data"]["directories_failed"]
            for m in dashboard.events("submission_job.updated")]
    assert done == sorted(done) and done[-1] == 12  # commit order: the counts only go up
    assert len(dashboard.events("submission.updated")) == 12
