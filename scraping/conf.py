"""Scraping settings with real defaults.

Read from Django settings when Django is configured, else from the environment,
so the pure-Python sources and fetcher work (and are tested) without Django and
tests can point the base URLs at a job-board server on loopback.
"""
import os

DEFAULTS = {
    "GREENHOUSE_API_BASE": "https://boards-api.greenhouse.io",
    "LEVER_API_BASE": "https://api.lever.co",
    "ASHBY_API_BASE": "https://api.ashbyhq.com",
    "SCRAPING_USER_AGENT": "JobelixBot/1.0 (Jobelix job-search aggregator)",
    "SCRAPING_DOMAIN_CONCURRENCY": 5,
    "SCRAPING_DOMAIN_DELAY": 0.15,
    "SCRAPING_REQUEST_TIMEOUT": 20.0,
    "SCRAPING_CONNECT_TIMEOUT": 5.0,
    "SCRAPING_RETRIES": 3,
    "SCRAPING_BACKOFF": 0.5,
    "SCRAPING_MAX_RETRY_AFTER": 60.0,
    "SCRAPING_MAX_BYTES": 10 * 1024 * 1024,
    "SCRAPING_JSONLD_MAX_PAGES": 50,
    "SCRAPING_CONCURRENCY": 20,
    "SCRAPING_TIMEOUT": 300.0,
    # Celery queue for scrape runs ("" = the default queue).
    "SCRAPING_QUEUE": "",
}


def get(name):
    """Return setting `name`: Django settings, then the environment, then the default."""
    default = DEFAULTS[name]
    try:
        from django.conf import settings

        if settings.configured and hasattr(settings, name):
            return getattr(settings, name)
    except ImportError:  # pragma: no cover - Django is always installed here
        pass
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(default, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    if isinstance(default, (int, float)):
        return type(default)(raw)
    return raw
