"""Every event scraping declares (scraping/events.py), published through the real services.

`publish_every_event()` runs inside a `django_db(transaction=True)` test (the realtime
catalogue test imports it). It drives one run by hand, as the runner would, with no
worker: the run's Celery message goes to a queue nobody reads, and the run ends by the
server-side Stop, so no other task is queued.
"""
from __future__ import annotations

import uuid
from datetime import timedelta


def publish_every_event() -> None:
    from django.test import override_settings
    from django.utils import timezone

    from scraping import services
    from scraping.models import Company, CompanyScrape, ScrapeRun
    from scraping.sources import NormalizedJob

    tag = uuid.uuid4().hex[:8]
    companies = [
        services.save_company(Company(name=f"Cases {label} {tag}", source=Company.Source.GREENHOUSE,
                                      board_token=f"cases-{label}-{tag}"))
        for label in ("found", "broken", "left")
    ]
    with override_settings(SCRAPING_QUEUE=f"event-cases-unread-{tag}"):
        run = services.start_run(None, [c.pk for c in companies])  # scraping.run_updated (pending)
    services.claim_run(run.pk)  # scraping.run_updated (running)
    found, broken, _left = (CompanyScrape.objects.get(run=run, company=c).pk for c in companies)

    services.mark_company_running(found)  # scraping.company_updated (running)
    jobs = [NormalizedJob(external_id=f"{tag}-1", title="Backend Engineer", location="Remote", remote=True,
                          posted_at=timezone.now())]
    services.record_company_jobs(found, jobs, 0.25)  # posting.created, scraping.company_updated, run_updated

    services.mark_company_running(broken)
    services.record_company_failure(broken, CompanyScrape.Status.FAILED, "HTTP 500 from the board", 0.5)

    services.stop_run(None)  # scraping.run_updated (stop requested)
    ScrapeRun.objects.filter(pk=run.pk).update(
        stop_requested_at=timezone.now() - services.STOP_GRACE - timedelta(seconds=1))
    services.stop_run(None)  # the worker never acted on it: the server stops the run, skipping "left"
    services.reset_run(None)  # scraping.run_updated (cleared)
