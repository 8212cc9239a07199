"""Every event type of ``submissions.events``, published through the real services.

``publish_every_event()`` is called inside a test marked ``django_db(transaction=True)``
(here by ``test_events_catalogue.py``, and by the shared ``tests/realtime/test_catalogue.py``).
It makes its own user and postings; the Celery task body runs as a plain function.
"""
from __future__ import annotations

import time
import uuid

from django.contrib.auth import get_user_model
from django.test import override_settings

from accounts.models import Profile
from scraping.models import Company, JobPosting
from submissions import services
from submissions.models import SubmissionJob
from submissions.progress_rules import ProgressUpdate
from submissions.tasks import process_submission_job


def publish_every_event() -> None:
    tag = uuid.uuid4().hex[:8]
    owner = get_user_model().objects.create_user(f"sub-events-{tag}", f"sub-events-{tag}@example.com", "pw")
    Profile.objects.create(user=owner, apply_delay_seconds=0)  # no politeness pause between applications here
    company = Company.objects.create(name=f"Events {tag}", source="greenhouse", board_token=f"events{tag}")
    postings = [
        JobPosting.objects.create(
            company=company, external_id=f"{tag}-{i}", title=f"Engineer {i}",
            url=f"https://jobs.example.com/{tag}/{i}", apply_url=f"https://jobs.example.com/{tag}/{i}/apply",
        )
        for i in range(3)
    ]
    with override_settings(SUBMISSIONS_APPLIER="submissions.appliers.record_only"):
        # submission_job.updated (created, pending)
        job = services.create_job(owner, [p.pk for p in postings], start=False, external_id=f"events-{tag}")
    first, second, third = job.submissions.order_by("position")

    # submission.updated + submission_job.updated from a worker's report (the endpoint's path)
    services.apply_progress_update(
        ProgressUpdate(job_id=job.pk, submission_id=first.pk, status="failed", error_message="captcha")
    )
    # an interrupted submission put back to pending by the worker's recovery
    services.apply_progress_update(ProgressUpdate(job_id=job.pk, submission_id=second.pk, status="submitting"))
    services.requeue_interrupted(job, second.pk)
    # a staff retry: the failed submission back to pending, the job queued again on commit
    services.retry_failed_submissions([job.pk])
    # the apply worker runs the job to its end (submitting, submitted, completed): here, or on
    # a Celery worker that took the job queued by the retry first (then this run finds it busy)
    if process_submission_job(str(job.pk)) == "busy":
        _wait_until_finished(job.pk)
    # a late approval from the board after the job finished
    services.apply_progress_update(ProgressUpdate(job_id=job.pk, submission_id=third.pk, status="approved"))


def _wait_until_finished(job_id: uuid.UUID, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not SubmissionJob.objects.get(pk=job_id).is_finished:
        if time.monotonic() > deadline:
            raise AssertionError(f"submission job {job_id} did not finish within {timeout} s")
        time.sleep(0.1)
