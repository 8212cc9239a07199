"""The fetcher against fake boards on loopback: politeness, retries, robots.txt, timeouts."""
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from scraping.sources import FetchConfig, Fetcher, FetchError, RobotsDisallowed, fetch_jobs
from scraping.sources.http import parse_retry_after


def fast_config(**overrides):
    values = {"per_domain_concurrency": 5, "per_domain_delay": 0.0, "timeout": 5.0, "retries": 2, "backoff": 0.05}
    values.update(overrides)
    return FetchConfig(**values)


async def scrape(source, ref, config=None):
    async with Fetcher(config or fast_config()) as fetcher:
        return await fetch_jobs(fetcher, source, ref)


def run(coro):
    """asyncio.run on a thread of its own: the session's Playwright may own this thread's loop."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coro).result()


@pytest.mark.parametrize("source", ["greenhouse", "lever", "ashby", "jsonld"])
def test_each_source_scrapes_its_board_with_a_jobelix_user_agent(boards, source):
    boards.add_company(source, "acme", count=4)
    jobs = run(scrape(source, boards.ref(source, "acme")))
    assert len(jobs) == 4
    assert len({job.external_id for job in jobs}) == 4
    assert all(job.title and job.description for job in jobs)
    assert any(job.remote for job in jobs) and not all(job.remote for job in jobs)
    assert boards.user_agents and all("Jobelix" in agent for agent in boards.user_agents)


def test_jsonld_listing_page_follows_links_to_job_pages(boards):
    boards.add_company("jsonld", "listco", count=3, listing=True)
    jobs = run(scrape("jsonld", boards.career_url("listco")))
    assert sorted(job.external_id for job in jobs) == ["listco-0", "listco-1", "listco-2"]
    assert boards.hits["/careers/listco/jobs/listco-1"] == 1
    assert jobs[0].url.startswith(boards.url + "/careers/listco/jobs/")


def test_429_is_retried_after_the_retry_after_delay(boards):
    boards.add_company("greenhouse", "busy", count=2)
    boards.rate_limit("busy", times=1, retry_after="1")
    started = time.monotonic()
    jobs = run(scrape("greenhouse", "busy"))
    assert len(jobs) == 2
    assert boards.hits["/v1/boards/busy/jobs"] == 2
    assert time.monotonic() - started >= 0.95  # waited as the board asked


def test_retry_after_longer_than_we_wait_gives_up_at_once(boards):
    boards.add_company("lever", "slowpoke")
    boards.rate_limit("slowpoke", times=5, retry_after="3600")
    with pytest.raises(FetchError, match="Retry-After"):
        run(scrape("lever", "slowpoke", fast_config(max_retry_after=5)))
    assert boards.hits["/v0/postings/slowpoke"] == 1


def test_5xx_is_retried_with_backoff_then_reported(boards):
    boards.add_company("ashby", "flaky")
    boards.break_company("flaky", "500")
    with pytest.raises(FetchError, match="HTTP 500.*after 3 attempts") as error:
        run(scrape("ashby", "flaky", fast_config(retries=2)))
    assert error.value.status == 500
    assert boards.hits["/posting-api/job-board/flaky"] == 3


def test_a_server_error_that_heals_is_recovered(boards):
    boards.add_company("ashby", "blip", count=1)
    boards.rate_limit("blip", times=2, retry_after="0")
    assert len(run(scrape("ashby", "blip"))) == 1


def test_404_and_garbage_are_not_retried(boards):
    with pytest.raises(FetchError, match="HTTP 404") as error:
        run(scrape("greenhouse", "nobody"))
    assert error.value.status == 404 and boards.hits["/v1/boards/nobody/jobs"] == 1
    boards.add_company("greenhouse", "garbled")
    boards.break_company("garbled", "garbage")
    with pytest.raises(FetchError, match="invalid JSON"):
        run(scrape("greenhouse", "garbled"))


def test_slow_answers_time_out(boards):
    boards.add_company("lever", "sloth")
    boards.slow("sloth", 3)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        run(scrape("lever", "sloth", fast_config(timeout=0.3, retries=1)))
    assert time.monotonic() - started < 2.5  # gave up well before the board answered


def test_per_domain_concurrency_is_limited(boards):
    for i in range(6):
        boards.add_company("greenhouse", f"co{i}", count=1)
        boards.slow(f"co{i}", 0.3)

    async def all_companies():
        async with Fetcher(fast_config(per_domain_concurrency=2)) as fetcher:
            return await asyncio.gather(*(fetch_jobs(fetcher, "greenhouse", f"co{i}") for i in range(6)))

    results = run(all_companies())
    assert all(len(jobs) == 1 for jobs in results)
    assert boards.max_in_flight == 2


def test_requests_to_one_domain_are_spaced_by_the_politeness_delay(boards):
    for i in range(4):
        boards.add_company("lever", f"co{i}", count=1)

    async def all_companies():
        async with Fetcher(fast_config(per_domain_delay=0.2)) as fetcher:
            await asyncio.gather(*(fetch_jobs(fetcher, "lever", f"co{i}") for i in range(4)))

    run(all_companies())
    times = sorted(t for t, _ in boards.arrivals)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) == 4 and min(gaps) >= 0.15  # 0.2 s asked, some slack for a busy machine


def test_robots_txt_is_respected_for_html_pages(boards):
    boards.add_company("jsonld", "private", count=1)
    boards.add_company("jsonld", "open", count=1)
    boards.add_company("greenhouse", "api", count=1)
    boards.robots_txt = "User-agent: *\nDisallow: /careers/private\n"
    with pytest.raises(RobotsDisallowed):
        run(scrape("jsonld", boards.career_url("private")))
    assert boards.hits["/careers/private"] == 0
    assert len(run(scrape("jsonld", boards.career_url("open")))) == 1
    # published JSON APIs are not crawled pages: robots.txt does not apply
    boards.robots_txt = "User-agent: *\nDisallow: /\n"
    assert len(run(scrape("greenhouse", "api"))) == 1


def test_robots_rules_for_our_agent_and_missing_file(boards):
    boards.add_company("jsonld", "shop", count=1)
    boards.robots_txt = "User-agent: JobelixBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    with pytest.raises(RobotsDisallowed):
        run(scrape("jsonld", boards.career_url("shop")))
    boards.robots_txt = None  # 404: no rules
    assert len(run(scrape("jsonld", boards.career_url("shop")))) == 1


def test_crawl_delay_slows_html_fetching(boards):
    boards.add_company("jsonld", "careful", count=2, listing=True)
    boards.robots_txt = "User-agent: *\nCrawl-delay: 1\n"
    run(scrape("jsonld", boards.career_url("careful")))
    pages = sorted(t for t, path in boards.arrivals if path.startswith("/careers/"))
    assert len(pages) == 3
    assert min(b - a for a, b in zip(pages, pages[1:])) >= 0.8  # robots.txt asked for 1 s (some slack for a busy machine)


def test_parse_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past
