"""A heartbeat's transaction shape, timed alone: psycopg's pipeline mode (BEGIN, the guarded
UPDATE, a fetch, the event INSERT, COMMIT: two syncs) against two simple-query statement
strings with client-side binding ("BEGIN; UPDATE …" then "INSERT …; COMMIT") on an
autocommit connection, the shape sessions_app.fastpath now uses. Same SQL shape, one
connection each, one at a time, on scratch tables; wall time and this process's CPU.

    python -m jobelix.launch bench -- bench/_pg_round_trips.py [rounds]
    (not run by plain `make bench`: it starts with _)
"""
from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _harness import figure, ms_summary, setup_django

setup_django()
import psycopg  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402

from realtime.db import connect_kwargs  # noqa: E402

UPDATE = ("UPDATE bench_rt_session SET n = %(n)s, status = 'running' WHERE id = %(id)s "
          "AND status = ANY(%(active)s) AND n <= %(n)s RETURNING id, n, status")
INSERT = ("WITH stream AS (SELECT pg_advisory_xact_lock(1, 2)) "
          "INSERT INTO bench_rt_event (data) SELECT %(data)s FROM stream RETURNING id")
DATA = {"session_id": "7d6f0c1e-3c1a-4f59-9a52-1f0b3f6b2a10", "status": "running",
        "stats": {"jobs_found": 3, "jobs_applied": 1, "jobs_failed": 0, "credits_used": 2}}


async def main(rounds: int) -> None:
    setup = await psycopg.AsyncConnection.connect(**connect_kwargs(), autocommit=True)
    await setup.execute("DROP TABLE IF EXISTS bench_rt_session, bench_rt_event")
    await setup.execute("CREATE TABLE bench_rt_session (id int PRIMARY KEY, n int, status text)")
    await setup.execute("INSERT INTO bench_rt_session VALUES (1, 0, 'running')")
    await setup.execute("CREATE TABLE bench_rt_event (id bigserial PRIMARY KEY, data jsonb)")
    piped = await psycopg.AsyncConnection.connect(**connect_kwargs())
    simple = await psycopg.AsyncConnection.connect(**connect_kwargs(), autocommit=True)
    count = 0

    def params() -> dict[str, Any]:
        nonlocal count
        count += 1
        return {"n": count, "id": 1, "active": ["starting", "running"]}

    async def pipeline() -> None:
        async with piped.pipeline():
            async with piped.transaction():
                cursor = await piped.execute(UPDATE, params())
                assert await cursor.fetchone() is not None
                inserted = await piped.execute(INSERT, {"data": Jsonb(DATA)})
            assert await inserted.fetchone() is not None

    async def statements() -> None:
        cursor = psycopg.AsyncClientCursor(simple)
        await cursor.execute("BEGIN; " + UPDATE, params())
        cursor.nextset()
        assert await cursor.fetchone() is not None
        await cursor.execute(INSERT + "; COMMIT", {"data": Jsonb(DATA)})
        assert await cursor.fetchone() is not None

    shapes: dict[str, Callable[[], Awaitable[None]]] = {"pipeline mode": pipeline, "two statement strings": statements}
    cpu: dict[str, list[float]] = {name: [] for name in shapes}
    wall: dict[str, list[float]] = {name: [] for name in shapes}
    for _ in range(3):  # alternate, so both see the same machine
        for name, shape in shapes.items():
            for _ in range(100):
                await shape()
            started = time.process_time()
            for _ in range(rounds):
                t = time.perf_counter()
                await shape()
                wall[name].append(time.perf_counter() - t)
            cpu[name].append((time.process_time() - started) / rounds)
    for name in shapes:
        figure(f"heartbeat transaction, {name}: wall", ms_summary(wall[name]))
        figure(f"heartbeat transaction, {name}: client CPU per transaction (median of 3)",
               f"{sorted(cpu[name])[1] * 1000:.3f} ms")
    await setup.execute("DROP TABLE bench_rt_session, bench_rt_event")
    for conn in (setup, piped, simple):
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
