"""Celery tasks of scraping: thin wrappers over the runner and services; they take ids."""
from celery import shared_task


@shared_task(name="scraping.run_scrape")
def run_scrape(run_id: int) -> str | None:
    """Scrape run `run_id` (queued by services.start_run). Idempotent: a finished run is left alone."""
    from notifications.services import scrape_run_ended
    from scraping.runner import execute_run

    status = execute_run(run_id)
    if status is not None:
        scrape_run_ended(run_id)  # failures, errors and new matches are notified (notifications app)
    return status


@shared_task(name="scraping.scheduled_scrape")
def scheduled_scrape(company_ids: list[int] | None = None, schedule: str | None = None) -> int | None:
    """Celery beat's periodic scrape of schedule `schedule` (see services.save_schedule): once per
    slot of that schedule, skipped while a run is active."""
    from scraping.services import start_scheduled_run

    run = start_scheduled_run(company_ids, schedule)
    return run.pk if run else None
