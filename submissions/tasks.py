"""Celery tasks of the submissions app: thin wrappers over services, taking ids."""
from celery import shared_task

from submissions import services


@shared_task(acks_late=True, name="submissions.process_submission_job")
def process_submission_job(job_id: str) -> str:
    """Apply to every pending posting of the job; safe to re-run (see run_submission_job)."""
    return services.run_submission_job(job_id)
