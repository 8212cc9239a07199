"""Small helpers shared by tests (fixtures live in conftest.py)."""
import asyncio


def run_async(coro):
    """asyncio.run in a thread of its own: once a browser test ran, the session's
    Playwright keeps an event loop in the main thread, where asyncio.run refuses to start."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
