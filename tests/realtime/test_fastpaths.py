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
