"""The worker spec's examples (specs/worker-progress.md), run as written against a real daphne server.

- worker_curl_examples.sh: the spec's curl example ("Test 1: Worker Progress"), run by sh with
  curl; only the base URL and the token come from the environment (API_URL, WORKER_AUTH_TOKEN).
- worker_ai_worker.mjs: the spec's "Example 1: Job Start" and its aiWorker.ts processJob, run by
  node with the same two variables (what differs from the spec's text is listed in the file).

Each job is created the way an owner does it, over HTTP, with the spec's id as its external_id;
the stored job is checked afterwards.
"""
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.test import Client

from accounts.models import ApiToken
from submissions.models import SubmissionJob
from tests.spec_examples.paths import EXAMPLES_PATH

HERE = Path(__file__).resolve().parent
CURL_EXAMPLE = HERE / "worker_curl_examples.sh"
NODE_WORKER = HERE / "worker_ai_worker.mjs"
NOT_FOUND = {"error": "No such submission job."}

pytestmark = pytest.mark.django_db(transaction=True)




def need(program: str) -> str:
    path = shutil.which(program, path=EXAMPLES_PATH)
    assert path, f"{program} is not installed: the spec's examples need it (make test installs node)"
    return path


def run_example(command: list[str], server, token: str, **extra_env: str) -> subprocess.CompletedProcess:
    """Run an example unchanged; only API_URL and WORKER_AUTH_TOKEN (and its inputs) are given to it."""
    env = {"PATH": EXAMPLES_PATH, "API_URL": server.url, "WORKER_AUTH_TOKEN": token, **extra_env}
    done = subprocess.run(command, cwd=HERE, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def run_curl_example(server, token: str) -> dict:
    done = run_example([need("sh"), str(CURL_EXAMPLE)], server, token)
    return json.loads(done.stdout)


def run_node_worker(server, token: str, which: str, **extra_env: str) -> list[dict]:
    done = run_example([need("node"), str(NODE_WORKER), which], server, token, **extra_env)
    return json.loads(done.stdout.strip().splitlines()[-1])["reports"]


def make_postings(n: int, company: str = "Acme") -> list:
    from scraping.models import Company, JobPosting

    firm, _ = Company.objects.get_or_create(name=company, defaults={"source": "greenhouse", "board_token": company.lower()})
    start = JobPosting.objects.count()
    return [
        JobPosting.objects.create(
            company=firm, external_id=f"spec-{start + i}", title=f"Engineer {start + i}",
            url=f"https://jobs.example.com/{start + i}", apply_url=f"https://jobs.example.com/apply/{start + i}",
        )
        for i in range(n)
    ]


def create_job_over_http(server, owner_token: str, external_id: str, postings: int) -> SubmissionJob:
    """The owner creates the job the worker will run (not queued on Celery: the worker is external)."""
    response = requests.post(
        f"{server.url}/api/v1/submissions/jobs",
        json={"job_posting_ids": [p.pk for p in make_postings(postings)], "start": False, "external_id": external_id},
        headers={"Authorization": f"Bearer {owner_token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return SubmissionJob.objects.get(pk=response.json()["job_id"])


def service_token_from_the_admin(staff) -> str:
    """Staff create a service worker token on its admin page; the raw token is read off that page."""
    client = Client()
    client.force_login(staff)
    page = client.post("/admin/accounts/apitoken/service-token/", {"name": "DirectoryBolt worker"})
    return re.search(r'<code id="raw-token">([^<]+)</code>', page.content.decode()).group(1)


def assign_in_the_admin(staff, job: SubmissionJob | list[SubmissionJob], token_pk: int | str) -> None:
    client = Client()
    client.force_login(staff)
    jobs = job if isinstance(job, list) else [job]
    response = client.post(
        "/admin/submissions/submissionjob/",
        {"action": "assign_token", "_selected_action": [str(j.pk) for j in jobs], "apply": "Assign", "token": str(token_pk)},
    )
    assert response.status_code == 302


@pytest.fixture
def admin_user(make_user):
    return make_user("root", staff=True, is_superuser=True)


def test_the_curl_example_with_the_owners_worker_token(daphne_server, ws_listen, user, make_token):
    job = create_job_over_http(daphne_server, make_token(user, "worker"), "test-job-123", postings=20)
    dashboard = ws_listen(daphne_server, make_token(user), channels="submissions")

    answer = run_curl_example(daphne_server, make_token(user, "worker"))

    assert answer["success"] is True and answer["changed"] is True
    assert (answer["job"]["job_id"], answer["job"]["external_id"]) == (str(job.pk), "test-job-123")
    job.refresh_from_db()
    assert (job.status, job.completed, job.failed, job.current_target, job.progress_percentage) == (
        "in_progress", 10, 0, "LinkedIn", Decimal("50.00")
    )
    assert job.started_at is not None
    live = dashboard.wait_for("submission_job.updated", predicate=lambda m: m["data"]["status"] == "in_progress")
    assert live["data"]["current_directory"] == "LinkedIn" and live["data"]["directories_completed"] == 10
    assert live["data"]["progress_percentage"] == 50.0 and live["data"]["external_id"] == "test-job-123"

    again = run_curl_example(daphne_server, make_token(user, "worker"))  # the worker retries: a no-op
    assert again["success"] is True and again["changed"] is False


def test_the_curl_example_with_a_service_token_reaches_only_its_assigned_job(
    daphne_server, user, other_user, admin_user, make_token
):
    alices = create_job_over_http(daphne_server, make_token(user, "worker"), "test-job-123", postings=4)
    bobs = create_job_over_http(daphne_server, make_token(other_user, "worker"), "test-job-123", postings=4)
    raw = service_token_from_the_admin(admin_user)

    refused = run_curl_example(daphne_server, raw)  # nothing assigned yet
    assert refused == NOT_FOUND

    token = ApiToken.objects.get(is_service=True)
    assign_in_the_admin(admin_user, alices, token.pk)
    answer = run_curl_example(daphne_server, raw)
    assert answer["success"] is True and answer["job"]["job_id"] == str(alices.pk)
    alices.refresh_from_db()
    bobs.refresh_from_db()
    assert (alices.status, alices.completed, alices.current_target) == ("in_progress", 10, "LinkedIn")
    assert alices.progress_percentage == Decimal("100.00")  # 10 reported of 4: capped
    assert (bobs.status, bobs.completed, bobs.current_target) == ("pending", 0, "")

    assign_in_the_admin(admin_user, alices, "")  # taken back
    assert run_curl_example(daphne_server, raw) == NOT_FOUND


def test_the_node_example_1_job_start(daphne_server, user, make_token):
    job = create_job_over_http(daphne_server, make_token(user, "worker"), "job-123", postings=2)

    reports = run_node_worker(daphne_server, make_token(user, "worker"), "example-1")

    assert [r["status"] for r in reports] == [200]
    assert reports[0]["payload"]["job_id"] == "job-123"
    job.refresh_from_db()
    assert (job.status, job.completed, job.failed) == ("in_progress", 0, 0) and job.started_at is not None


def test_the_node_ai_worker_drops_in_with_a_service_token(daphne_server, ws_listen, user, admin_user, make_token):
    job = create_job_over_http(daphne_server, make_token(user, "worker"), "test-job-123", postings=3)
    first, second, third = job.submissions.order_by("position")
    raw = service_token_from_the_admin(admin_user)
    assign_in_the_admin(admin_user, job, ApiToken.objects.get(is_service=True).pk)
    dashboard = ws_listen(daphne_server, make_token(user), channels="submissions")

    reports = run_node_worker(
        daphne_server, raw, "test-job-123", FAIL_DIRECTORIES=json.dumps([second.target_name])
    )

    assert all(r["status"] == 200 for r in reports), reports
    sent = [(r["payload"]["status"], r["payload"].get("submission_id")) for r in reports]
    assert sent == [
        ("in_progress", None),
        ("submitting", str(first.pk)), ("submitted", str(first.pk)), ("in_progress", None),
        ("submitting", str(second.pk)), ("failed", str(second.pk)), ("in_progress", None),
        ("submitting", str(third.pk)), ("submitted", str(third.pk)), ("in_progress", None),
        ("completed", None),
    ]
    job.refresh_from_db()
    assert (job.status, job.completed, job.failed, job.progress_percentage) == ("completed", 2, 1, Decimal("100.00"))
    assert [s.status for s in job.submissions.order_by("position")] == ["submitted", "failed", "submitted"]
    second.refresh_from_db()
    assert second.last_error_message == "captcha shown" and job.last_error_message == "captcha shown"
    assert job.owner == user and job.completed_at is not None
    done = dashboard.wait_for("submission_job.updated", predicate=lambda m: m["data"]["status"] == "completed")
    assert (done["data"]["directories_completed"], done["data"]["directories_failed"]) == (2, 1)
