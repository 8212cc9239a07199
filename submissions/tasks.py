"""Celery tasks of the submissions app: thin wrappers over the worker loop, taking ids.

Started by importing the task object (``services.start_job``); acks_late comes from settings.
"""
from celery import shared_task

from submissions import worker


@shared_task(name="submissions.process_submission_job")
def process_submission_job(job_id: str) -> str:
    """Apply to every pending posting of the job; safe to re-run (see worker.run_submission_job)."""
    return worker.run_submission_job(job_id)
