"""5,000 idle authenticated WebSockets on one daphne process: connect time and memory per connection.

    make bench ARGS="bench/connections.py"        (options: --connections 5000 --users 50)

Each client authenticates with a token and subscribes to `bot` at connect (two
Redis groups each), then stays idle (answering pings). Memory per connection is
the daphne process's RSS (/proc/<pid>/status VmRSS) after the connections minus
before them, divided by their number; the baseline is taken after one warm-up
connection so module loading is not counted. Idle cost: the server's CPU time
(/proc/<pid>/stat) over `--idle` seconds with every socket open and no event, which
is two whole ping intervals (each holds the pings, presence, the catch-up query
once), and the database transactions it ran meanwhile (pg_stat_database).
"""
from __future__ import annotations

import argparse
import asyncio
import time

from _harness import (
    Budget,
    Client,
    close_clients,
    close_db,
    figure,
    jobelix_ws_url,
    make_users,
    ms_summary,
    open_clients,
    raise_nofile,
    run,
    setup_django,
    start_daphne,
)


def transactions() -> int:
    """Transactions committed in this database so far (statistics lag by up to half a second)."""
    from django.db import connection

    time.sleep(0.6)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        value = cursor.fetchone()[0]
    connection.close()
    return value


async def main(args):
    limit = raise_nofile(args.connections * 2 + 2000)
    figure("open-file limit (client and server)", str(limit))
    users = make_users("conn", args.users)
    close_db()
    server = start_daphne("daphne-connections")
    try:
        warm = await Client(jobelix_ws_url(server), token=users[0][1]).start()
        await warm.close()
        await asyncio.sleep(1)
        before = server.rss_kib()
        budget = Budget(args.seconds)
        t0 = time.perf_counter()
        clients, durations = await open_clients(
            lambda i: Client(jobelix_ws_url(server), token=users[i % len(users)][1]), args.connections,
            concurrency=args.concurrency, budget=budget)
        total = time.perf_counter() - t0
        for client in clients:
            client.keep_events = False
        figure("connections opened", f"{len(clients)} of {args.connections} in {total:.1f} s "
               f"({len(clients) / total:.0f}/s, {args.concurrency} connecting at a time)")
        figure("connect time per connection (open -> system.connected)", ms_summary(durations))
        await asyncio.sleep(args.settle)
        after = server.rss_kib()
        alive = sum(1 for c in clients if c.close_code is None)
        figure("daphne RSS before / after", f"{before / 1024:.1f} MiB / {after / 1024:.1f} MiB")
        if clients:
            figure("server memory per idle connection", f"{(after - before) / len(clients):.1f} KiB")
        figure(f"connections still open after {args.settle:.0f} s idle", f"{alive} of {len(clients)}")
        commits_before, cpu_before, t_idle = await asyncio.to_thread(transactions), server.cpu_seconds(), time.monotonic()
        await asyncio.sleep(args.idle)
        cpu = server.cpu_seconds() - cpu_before
        commits = await asyncio.to_thread(transactions) - commits_before - 1
        idle_for = time.monotonic() - t_idle
        figure(f"server CPU while {len(clients)} sockets idle {idle_for:.0f} s",
               f"{cpu:.2f} s = {100 * cpu / idle_for:.1f}% of one core")
        figure(f"database transactions during those {idle_for:.0f} s (all clients of the database)", str(commits))
        t1 = time.perf_counter()
        await close_clients(clients)
        figure("closing them all", f"{time.perf_counter() - t1:.1f} s")
        await asyncio.sleep(2)
        figure("daphne RSS after closing", f"{server.rss_kib() / 1024:.1f} MiB")
        return 0 if len(clients) == args.connections and alive == len(clients) else 1
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--settle", type=float, default=10)
    parser.add_argument("--idle", type=float, default=None,
                        help="idle window for CPU (default: two whole ping intervals)")
    parser.add_argument("--seconds", type=float, default=300, help="budget for connecting")
    setup_django()
    args = parser.parse_args()
    if args.idle is None:
        from django.conf import settings

        # Whole ping intervals: a window of 36 s holds one or two of the 30 s ticks depending on
        # where it starts, and so measured the same server at 5 % or 8 %.
        args.idle = 2 * settings.REALTIME_PING_INTERVAL
    raise SystemExit(run(main(args)))
