"""The bot's browser applier as SUBMISSIONS_APPLIER: a real Celery worker applies in headless
Chromium to postings on the sandbox board (served by `python -m bot.sandbox` on loopback)."""
import sys

import pytest
import requests

from accounts.models import Profile
from bot.applier import UnsupportedBoard, browser_apply
from jobelix.embedded import free_port
from scraping.models import Company, JobPosting
from submissions import services
from submissions.models import SubmissionJob
from tests.conftest import Process, child_env, require_chromium
from tests.submissions.test_apply_worker import by_position, wait_until

BROWSER_APPLY = "bot.applier.browser_apply"
RESUME_TEXT = (
    "Backend engineer at Foo Logistics (2018-2024): built Django REST APIs on PostgreSQL, "
    "Celery pipelines and Redis caches; shipped with Docker.\n\n"
    "Education: BSc Computer Science, University of London"
)
CLOSED = "Sandbox board refused the application: This position is no longer accepting applications (requisition closed)."


@pytest.fixture
def sandbox(process_dir):
    """The sandbox board as its own process, as `make run` serves it; yields its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "bot.sandbox", "--port", str(port), "--slow-seconds", "0.3"]
    board = Process("sandbox-board", cmd, child_env(), process_dir, port=port).start()
    yield f"http://127.0.0.1:{port}"
    board.stop()


def sandbox_posting(board_url, job_id, title, company):
    firm, _ = Company.objects.get_or_create(name=company, defaults={"source": "greenhouse", "board_token": company.lower()})
    return JobPosting.objects.create(
        company=firm, external_id=f"sandbox-{job_id}", title=title,
        url=f"{board_url}/jobs/{job_id}", apply_url=f"{board_url}/jobs/{job_id}/apply",
    )


@pytest.mark.django_db(transaction=True)
def test_a_submission_job_applies_with_the_real_bot(start_celery, sandbox, settings, user):
    require_chromium()
    Profile.objects.update_or_create(user=user, defaults={
        "headline": "Backend engineer", "phone": "+49 30 1234567",
        "skills": ["Python", "Django", "PostgreSQL", "Redis", "Celery"],
        "desired_titles": ["Backend Engineer"], "locations": ["Remote", "Berlin"],
        "years_experience": 6, "remote_preference": "remote", "salary_expectation": 120000,
        "work_authorization": "EU citizen, authorized to work in the EU", "resume_text": RESUME_TEXT,
        "review_mode": False,  # sent at once (review mode: tests/e2e/test_apply_pipeline.py)
    })
    user.first_name, user.last_name = "Ada", "Lovelace"
    user.save()
    good = sandbox_posting(sandbox, 1001, "Backend Engineer", "Acme Analytics")
    refused = sandbox_posting(sandbox, 1004, "Python Developer", "Initech Payments")

    start_celery(SUBMISSIONS_APPLIER=BROWSER_APPLY)
    settings.SUBMISSIONS_APPLIER = BROWSER_APPLY  # the job records the applier it was created with
    job = services.create_job(user, [good.pk, refused.pk])  # queued on commit
    assert job.applier == BROWSER_APPLY

    wait_until(lambda: SubmissionJob.objects.get(pk=job.pk).is_finished, timeout=120, what="the job to finish")
    job.refresh_from_db()
    assert (job.status, job.total, job.completed, job.failed) == ("completed", 2, 1, 1)
    applied, rejected = by_position(job)
    assert (applied.status, applied.attempts, applied.last_error_message or "") == ("submitted", 1, "")
    assert (rejected.status, rejected.attempts) == ("failed", 1)
    assert rejected.last_error_message == CLOSED

    # The board received exactly one application: job 1001, from the user's profile, with the tailored PDF.
    received = requests.get(f"{sandbox}/api/applications", timeout=10).json()
    [application] = received["applications"]
    assert (application["job_id"], application["company"]) == (1001, "Acme Analytics")
    assert application["answers"]["full_name"] == "Ada Lovelace"
    assert application["answers"]["email"] == user.email
    assert application["answers"]["salary"] == "120000"
    resume = application["resume"]
    assert resume["is_pdf"] and resume["size"] > 1000
    assert resume["filename"] == "ada-lovelace-acme-analytics-backend-engineer-1001.pdf"
    # Job 1004's form was complete: the board refused it for its own reason, not a missing answer.
    [refusal] = received["rejected"]
    assert refusal["job_id"] == 1004 and refusal["resume"]["is_pdf"]
    assert refusal["errors"] == [CLOSED.split(": ", 1)[1]]
    assert refusal["answers"]["work_arrangement"] == "Remote"  # the profile's remote_preference reached the bot


def test_a_posting_on_an_unsupported_board_is_refused_before_any_browser_starts():
    request = {"submission_id": "s-1", "applicant": {"name": "Ada"}, "posting": {
        "id": 1, "title": "Engineer", "company": "Elsewhere", "active": True,
        "url": "https://boards.example.com/jobs/1", "apply_url": "https://boards.example.com/jobs/1/apply"}}
    with pytest.raises(UnsupportedBoard) as refused:
        browser_apply(request)
    assert str(refused.value) == (
        "The bot cannot apply on this board (https://boards.example.com/jobs/1/apply); supported: sandbox.")
