"""Runs one scrape: every company concurrently, on one asyncio loop inside the Celery task.

Network work is async (the polite Fetcher); every database write goes through
`scraping.services`, called on one dedicated thread so the ORM never runs on
the event loop and writes stay ordered. A watcher polls for Stop twice a
second; the run's deadline (`timeout_seconds`) cancels what is left and ends
the run `failed` with everything scraped so far saved.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from scraping import selectors, services
from scraping.models import CompanyScrape, ScrapeRun
from scraping.sources import Fetcher, FetchError, RobotsDisallowed, SourceError, fetch_jobs

logger = logging.getLogger(__name__)

STOP_POLL_SECONDS = 0.5


def execute_run(run_id: int) -> str | None:
    """Scrape run `run_id` to its end; returns its final status (None if it was not to be run)."""
    run = services.claim_run(run_id)
    if run is None:
        return None
    executor = RunExecutor(run)
    try:
        status, error = asyncio.run(executor.run())
    except Exception as exc:  # the orchestration itself broke: never leave the run "running"
        logger.exception("scrape run #%s crashed", run_id)
        status, error = ScrapeRun.Status.FAILED, f"Scrape crashed: {type(exc).__name__}: {exc}"
    finally:
        executor.close()
    services.finish_run(run_id, status, error)
    return status


class RunExecutor:
    def __init__(self, run: ScrapeRun):
        assert run.started_at is not None  # services.claim_run set it
        self.run_id = run.pk
        self.deadline = run.started_at + timedelta(seconds=run.timeout_seconds)
        self.timeout_seconds = run.timeout_seconds
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"scrape-{run.pk}-db")

    async def db(self, fn, *args):
        """Run a (sync) service or selector on the run's database thread."""
        return await asyncio.get_running_loop().run_in_executor(self._db_thread, partial(fn, *args))

    def close(self) -> None:
        self._db_thread.submit(connections.close_all).result()
        self._db_thread.shutdown(wait=True)

    async def run(self) -> tuple[str, str]:
        scrapes = await self.db(selectors.scrapes_to_run, self.run_id)
        slots = asyncio.Semaphore(int(settings.SCRAPING_CONCURRENCY))
        async with Fetcher() as fetcher:
            tasks = [asyncio.create_task(self.scrape_company(fetcher, slots, item)) for item in scrapes]
            companies: asyncio.Future[Any] = asyncio.gather(*tasks)
            stop: asyncio.Future[Any] = asyncio.create_task(self.wait_for_stop())
            remaining = max(0.0, (self.deadline - timezone.now()).total_seconds())
            done, _ = await asyncio.wait({companies, stop}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            companies.cancel()  # cancels the companies still going (no-op once all are done)
            for task in [*tasks, stop]:
                task.cancel()
            await asyncio.gather(*tasks, stop, return_exceptions=True)
        if companies in done:
            companies.result()  # a failure outside any one company's scrape: the run crashed
            return ScrapeRun.Status.COMPLETED, ""
        if stop in done:
            return ScrapeRun.Status.STOPPED, ""
        return ScrapeRun.Status.FAILED, f"Timed out after {self.timeout_seconds:g} s; what was scraped by then is saved."

    async def wait_for_stop(self) -> None:
        while not await self.db(selectors.stop_requested, self.run_id):
            await asyncio.sleep(STOP_POLL_SECONDS)

    async def scrape_company(self, fetcher: Fetcher, slots: asyncio.Semaphore, item: dict) -> None:
        """One company, start to finish; its failure is recorded and never raised."""
        async with slots:
            if not await self.db(services.mark_company_running, item["id"]):
                return
            started = time.monotonic()
            status, error = CompanyScrape.Status.FAILED, ""
            try:
                if not item["ref"]:
                    raise SourceError("no board token or career-page URL is set for this company")
                jobs = await fetch_jobs(fetcher, item["source"], item["ref"])
            except RobotsDisallowed as exc:
                status, error = CompanyScrape.Status.SKIPPED, str(exc)
            except (FetchError, SourceError) as exc:
                error = str(exc)
            except Exception as exc:  # a parser bug on one board must not sink the run
                logger.exception("scraping %s failed", item["company"])
                error = f"Unexpected error: {type(exc).__name__}: {exc}"
            else:
                try:
                    await self.db(services.record_company_jobs, item["id"], jobs, time.monotonic() - started)
                    return
                except Exception as exc:
                    logger.exception("saving %s failed", item["company"])
                    error = f"Could not save jobs: {type(exc).__name__}: {exc}"
            await self.db(services.record_company_failure, item["id"], status, error, time.monotonic() - started)
