"""Small helpers shared by tests (fixtures live in conftest.py)."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

CLEANUP_SECONDS = 10


def _run_in_fresh_loop(coro):
    """Like asyncio.run, but leftover tasks (an ASGI app still blocked in a Redis read)
    get a bounded time to cancel instead of holding the test forever."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        leftovers = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.wait(leftovers, timeout=CLEANUP_SECONDS))
        loop.close()


def run_async(coro):
    """Run a coroutine in a thread of its own: once a browser test ran, the session's
    Playwright keeps an event loop in the main thread, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_run_in_fresh_loop, coro).result()
