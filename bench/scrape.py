"""Benchmark: scrape 200 companies from fake job boards on loopback; print companies/s and total time.

    python bench/scrape.py                 # 200 companies, 10 jobs each, default politeness
    python bench/scrape.py --delay 0       # no politeness delay: the raw pipeline
    python bench/scrape.py --latency 0.05  # each board answers after 50 ms

It runs the real path of a scrape run (services.start_run, then the body of the
Celery task it queues, `scraping.tasks.run_scrape`, writing to PostgreSQL and
publishing events) in this process, in a throw-away database. The task message
itself goes to a queue no worker reads; the timing is of the task body. Each source gets its own loopback server
(its own "domain"), as Greenhouse, Lever and Ashby are in reality; all JSON-LD
career pages share one, so politeness spaces them. Without DATABASE_URL /
REDIS_URL it starts the embedded PostgreSQL and Redis, like `make run`.
Two passes: the first inserts every posting, the second finds them all again.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SOURCES = ("greenhouse", "lever", "ashby", "jsonld")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=10, help="jobs per company")
    parser.add_argument("--delay", type=float, default=None, help="per-domain politeness delay (default: setting)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each board waits before answering")
    args = parser.parse_args(argv)

    from jobelix.launch import start_services, stop_services

    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobelix.settings")
    stoppers = start_services()
    try:
        return run_bench(args)
    finally:
        stop_services(stoppers)


def run_bench(args) -> int:
    import logging

    import django

    django.setup()
    for noisy in ("httpx", "pgserver"):  # one line per request / per server command
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from django.conf import settings
    from django.db import connection

    from devtools.career_boards import BoardServer

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    servers = {source: BoardServer().start() for source in SOURCES}
    try:
        settings.GREENHOUSE_API_BASE = servers["greenhouse"].url
        settings.LEVER_API_BASE = servers["lever"].url
        settings.ASHBY_API_BASE = servers["ashby"].url
        if args.delay is not None:
            settings.SCRAPING_DOMAIN_DELAY = args.delay
        settings.SCRAPING_TIMEOUT = 3600
        settings.SCRAPING_QUEUE = f"bench-unread-{os.getpid()}"  # this process runs the task body itself
        companies = make_companies(servers, args)
        print(
            f"{len(companies)} companies ({', '.join(SOURCES)}), {args.jobs} jobs each; "
            f"per-domain delay {settings.SCRAPING_DOMAIN_DELAY} s, "
            f"{settings.SCRAPING_DOMAIN_CONCURRENCY} per domain, {settings.SCRAPING_CONCURRENCY} companies at once, "
            f"board latency {args.latency} s"
        )
        for label in ("first scrape (all new)", "second scrape (all known)"):
            scrape_once(label, len(companies))
    finally:
        for server in servers.values():
            server.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


def make_companies(servers, args):
    from scraping.models import Company

    rows = []
    for i in range(args.companies):
        source = SOURCES[i % len(SOURCES)]
        token = f"bench-{source}-{i}"
        server = servers[source]
        server.add_company(source, token, count=args.jobs)
        if args.latency:
            server.slow(token, args.latency)
        rows.append(Company(name=f"Bench {i:03d} ({source})", **server.company_fields(source, token)))
    return Company.objects.bulk_create(rows)


def scrape_once(label: str, company_count: int) -> None:
    from scraping import services
    from scraping.models import CompanyScrape, JobPosting, ScrapeRun
    from scraping.tasks import run_scrape

    run = services.start_run(None)
    started = time.perf_counter()
    status = run_scrape(run.pk)  # the task body, as a worker would run it
    elapsed = time.perf_counter() - started
    run = ScrapeRun.objects.get(pk=run.pk)
    failed = CompanyScrape.objects.filter(run=run, status=CompanyScrape.Status.FAILED).count()
    print(
        f"{label}: {status}, {company_count} companies in {elapsed:.2f} s = "
        f"{company_count / elapsed:.1f} companies/s; jobs found {run.jobs_found}, new {run.jobs_new}, "
        f"failed companies {failed}, postings stored {JobPosting.objects.count()}"
    )


if __name__ == "__main__":
    sys.exit(main())
