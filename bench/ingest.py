"""Heartbeats per second with 32 concurrent bots for 10 s; errors; final stats in the database.

    make bench ARGS="bench/ingest.py"      (options: --bots 32 --seconds 10 --targets jobelix,peer --processes 1,2)

Each bot (its own user and token) starts a session, then sends heartbeats back
to back (closed loop: the next as soon as the previous is answered) with
counters that only go up. After the run, the session rows in PostgreSQL must
hold exactly the stats of each bot's last acknowledged heartbeat. The same load
runs against the python-socketio peer for the ratio (one process), and Jobelix
runs once per `--processes` count (web processes on one SO_REUSEPORT port, as
`make run` starts them). PostgreSQL backends are counted during the run: they
must stay within the pools (per web process: REALTIME_DB_POOL_SIZE + Django's one).
"""
from __future__ import annotations

import argparse
import asyncio
import time

from _harness import (
    close_db,
    figure,
    heartbeat_body,
    make_users,
    median,
    percentile,
    run,
    setup_django,
)


def backends() -> int:
    """PostgreSQL backends connected to this database right now."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


async def ingest(target, bots: int, seconds: float) -> dict:
    from _bots import http_client

    processes = len(target.server.procs) if hasattr(target.server, "procs") else 1
    users = make_users(f"ingest-{target.name}-{processes}", bots, scope=target.scope)
    close_db()
    ok, errors, latencies = 0, {}, []
    acknowledged: dict[str, int] = {}
    async with http_client(bots + 4) as http:
        sessions = await asyncio.gather(*(target.start_session(http, token) for _, token in users))
        # Warm-up, not timed: each bot's first request (connections and threads open on first use).
        warm = await asyncio.gather(*(target.heartbeat(http, token, sid, 1) for (_, token), sid in zip(users, sessions)))
        acknowledged.update({sid: 1 for sid, answer in zip(sessions, warm) if answer.status_code == 200})
        end = time.monotonic() + seconds

        async def bot(token, session_id):
            nonlocal ok
            i = 1
            while time.monotonic() < end:
                i += 1
                t0 = time.perf_counter()
                try:
                    response = await target.heartbeat(http, token, session_id, i)
                    status = response.status_code
                except Exception as exc:  # a timeout or a dropped connection is an error too
                    status = type(exc).__name__
                latencies.append(time.perf_counter() - t0)
                if status == 200:
                    ok += 1
                    acknowledged[session_id] = i
                else:
                    errors[status] = errors.get(status, 0) + 1

        peak = {"backends": 0}

        async def watch_backends():
            while time.monotonic() < end:
                peak["backends"] = max(peak["backends"], await asyncio.to_thread(backends))
                await asyncio.sleep(0.5)

        started = time.monotonic()
        watcher = asyncio.ensure_future(watch_backends())
        await asyncio.gather(*(bot(token, sid) for (_, token), sid in zip(users, sessions)))
        elapsed = time.monotonic() - started
        await watcher
    stored = target.final_stats(list(sessions))
    expected = (lambda sid: {"completed": acknowledged.get(sid, 0)}) if target.scope == "worker" else (
        lambda sid: heartbeat_body(sid, acknowledged.get(sid, 0))["stats"])
    mismatched = [sid for sid in sessions if stored.get(sid) != expected(sid)]
    close_db()
    return {"ok": ok, "errors": errors, "elapsed": elapsed, "rate": ok / elapsed, "latencies": latencies,
            "mismatched": mismatched, "sessions": len(sessions), "backends": peak["backends"]}


def commit_floor(rounds: int = 300) -> list[float]:
    """One small INSERT + COMMIT at a time on this PostgreSQL: the floor of any durable write."""
    import os

    import psycopg

    samples = []
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS bench_commit_probe (x int)")
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (x int)")
        conn.commit()
        for _ in range(rounds):
            t0 = time.perf_counter()
            conn.execute("INSERT INTO public.bench_commit_probe VALUES (1)")
            conn.commit()
            samples.append(time.perf_counter() - t0)
        conn.execute("DROP TABLE public.bench_commit_probe")
        conn.commit()
    return samples


async def main(args):
    from _harness import ms_summary

    floor = commit_floor()
    figure("floor PostgreSQL INSERT+COMMIT, one at a time", f"{ms_summary(floor)}  "
           f"(= at most {1 / median(floor):.0f} commits/s through one lock held to commit)")
    from _bots import runs_of, start_target

    rates = {}
    for name, processes in runs_of(args.targets, args.processes):
        target = start_target(name, processes, "ingest")
        try:
            result = await ingest(target, args.bots, args.seconds)
        finally:
            target.server.stop()
        rates[(name, processes)] = result["rate"]
        ms = [s * 1000 for s in result["latencies"]]
        label = f"ingest {target.name} x{processes} {args.bots} bots"
        figure(f"{label} heartbeats/s", f"{result['rate']:.0f} ({result['ok']} answered 200 in {result['elapsed']:.1f} s)")
        figure(f"{label} errors", str(sum(result["errors"].values())) + (f" {result['errors']}" if result["errors"] else ""))
        figure(f"{label} POST latency", f"p50 {percentile(ms, 50):.1f} ms  p95 {percentile(ms, 95):.1f} ms  "
               f"p99 {percentile(ms, 99):.1f} ms")
        figure(f"{label} sessions whose stored stats differ from the last acknowledged heartbeat",
               f"{len(result['mismatched'])} of {result['sessions']}")
        figure(f"{label} PostgreSQL backends (peak, all clients of the database)", str(result["backends"]))
    peer = rates.get(("peer", 1))
    for (name, processes), rate in rates.items():
        if name != "peer" and peer:
            figure(f"ingest ratio {name} x{processes} / peer x1 (requests/s)", f"{rate / peer:.2f}x")
    for name in ("jobelix", "progress"):
        if (name, 1) in rates and (name, 2) in rates:
            figure(f"ingest ratio {name} x2 / x1", f"{rates[(name, 2)] / rates[(name, 1)]:.2f}x")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bots", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--targets", default="jobelix,progress,peer",
                        help="jobelix (bot heartbeats), progress (worker updates), peer")
    parser.add_argument("--processes", default="1,2", help="web process counts to run Jobelix with")
    setup_django()
    raise SystemExit(run(main(parser.parse_args())))
