"""Fixtures for scraping tests: fake job boards on loopback, settings pointing at them,
and a Celery worker of our own that scrapes them."""
import uuid

import pytest

from devtools.career_boards import BoardServer


@pytest.fixture
def scraping_settings():
    """Override scraping settings (jobelix/settings.py) for this test: scraping_settings(NAME=value, ...)."""
    from django.test import override_settings

    overrides = []

    def apply(**values):
        override = override_settings(**values)
        override.enable()
        overrides.append(override)

    yield apply
    for override in reversed(overrides):
        override.disable()


@pytest.fixture
def boards(scraping_settings):
    """A running BoardServer for one test; the source base URLs point at it."""
    with BoardServer() as server:
        scraping_settings(**server.settings())
        yield server


# --- a worker that scrapes the fake boards -------------------------------------------

@pytest.fixture(scope="module")
def module_boards():
    with BoardServer() as server:
        yield server


@pytest.fixture(scope="module")
def scrape_queue():
    """A queue only our worker reads, so no other test worker (without our settings) takes the runs."""
    return f"scraping-test-{uuid.uuid4().hex[:10]}"


WORKER_SETTINGS = {
    "SCRAPING_DOMAIN_DELAY": "0",
    "SCRAPING_RETRIES": "1",
    "SCRAPING_BACKOFF": "0.05",
    "SCRAPING_REQUEST_TIMEOUT": "60",
}


@pytest.fixture(scope="module")
def scrape_worker(django_db_setup, django_db_blocker, process_dir, module_boards, scrape_queue):
    """A real Celery worker process pointed at the fake boards, reading only `scrape_queue`."""
    from tests.conftest import start_celery_worker

    with django_db_blocker.unblock():
        worker = start_celery_worker(
            process_dir,
            name="scrape-worker",
            CELERY_WORKER_QUEUES=scrape_queue,  # celery's CLI reads --queues from this variable
            **WORKER_SETTINGS,
            **module_boards.settings(),
        )
    yield worker
    worker.stop()


@pytest.fixture
def live_boards(scrape_worker, module_boards, scrape_queue, scraping_settings):
    """The fake boards our worker scrapes; runs started in this test go to that worker."""
    scraping_settings(SCRAPING_QUEUE=scrape_queue, **module_boards.settings())
    return module_boards
