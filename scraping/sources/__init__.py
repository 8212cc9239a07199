"""Job-board sources: one module per board format, all parsing into `NormalizedJob`.

Each module has `SOURCE` (the `Company.source` value), `parse(...)` for the
board's public payload, and `async fetch(fetcher, ref)` where `ref` is the
company's board token (Greenhouse, Lever, Ashby) or career-page URL (JSON-LD).
"""
from __future__ import annotations

from . import ashby, greenhouse, jsonld, lever
from .base import NormalizedJob, SourceError, html_to_text
from .http import AddressRefused, FetchConfig, Fetcher, FetchError, RobotsDisallowed

SOURCES = {module.SOURCE: module for module in (greenhouse, lever, ashby, jsonld)}


async def fetch_jobs(fetcher: Fetcher, source: str, ref: str) -> list[NormalizedJob]:
    """All open postings of one company's board."""
    try:
        module = SOURCES[source]
    except KeyError:
        raise SourceError(f"unknown source {source!r}") from None
    return await module.fetch(fetcher, ref)


__all__ = [
    "SOURCES",
    "AddressRefused",
    "NormalizedJob",
    "SourceError",
    "FetchConfig",
    "FetchError",
    "Fetcher",
    "RobotsDisallowed",
    "fetch_jobs",
    "html_to_text",
]
