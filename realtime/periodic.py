"""What the hub and the guard share: a check run every REALTIME_PING_INTERVAL seconds."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from django.conf import settings

logger = logging.getLogger(__name__)


async def every_ping_interval(tick: Callable[[], Awaitable[None]], what: str) -> None:
    """Run `tick` every interval, forever; a failure (Redis or the database down) is logged
    and the next interval tries again."""
    while True:
        await asyncio.sleep(settings.REALTIME_PING_INTERVAL)
        try:
            await tick()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.info("realtime: %s failed (%s: %s)", what, type(exc).__name__, exc)
