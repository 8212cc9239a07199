"""One asyncio Redis client per event loop and configuration.

A redis.asyncio client is bound to the loop that first used it, and tests and benches
run several loops in one process: each loop gets its own, and clients of loops that
are gone are dropped when a new loop asks.
"""
from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis

_clients: dict[tuple[int, str, tuple[tuple[str, Any], ...]], Any] = {}


def loop_client(url: str, **options: Any) -> Any:
    """The running loop's client for `url` with these connection options."""
    loop_id = id(asyncio.get_running_loop())
    key = (loop_id, url, tuple(sorted(options.items())))
    client = _clients.get(key)
    if client is None:
        for stale in [k for k in _clients if k[0] != loop_id]:
            del _clients[stale]  # clients of finished loops (tests) are unusable
        client = _clients[key] = aioredis.from_url(url, **options)
    return client
