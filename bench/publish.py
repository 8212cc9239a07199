"""Publish throughput: 16 publishers for 16 users at once, events/s delivered, 1 and 2 processes.

    make bench ARGS="bench/publish.py"   (options: --publishers 16 --seconds 10 --processes 1,2 --targets jobelix,peer)

Each publisher is a bot of its own user sending heartbeats back to back (closed loop),
each heartbeat publishing one `bot.session_updated`; each user has one dashboard open
on the `bot` channel. Counted: events delivered per second over all dashboards, events
missing (a heartbeat answered 200 whose event never arrived), and events out of order
(a user's events must arrive in the order of their heartbeats). Users never share a
stream, so with no global serialisation point two web processes should publish more
than one (issue 18: x2 / x1 >= 1.3). The peer runs the same load in one process.
"""
from __future__ import annotations

import argparse
import asyncio
import time

from _harness import (
    close_clients,
    close_db,
    figure,
    make_users,
    ms_summary,
    open_clients,
    run,
    setup_django,
)


async def publish(target, publishers: int, seconds: float) -> dict:
    from _bots import http_client

    processes = len(target.server.procs) if hasattr(target.server, "procs") else 1
    users = make_users(f"publish-{target.name}-{processes}", publishers, scope=target.scope)
    close_db()
    delivered: dict[str, list[int]] = {}
    acknowledged: dict[str, list[int]] = {}
    sent_at: dict[tuple[str, int], float] = {}
    delays: list[float] = []
    window = {"open": False}

    def on_event(token):
        def record(client, event, now):
            if event.get("type") != target.event_type:
                return
            i = event["data"]["jobs_found"]
            delivered.setdefault(token, []).append(i)
            started = sent_at.pop((token, i), None)
            if started is not None and window["open"]:
                delays.append(now - started)
        return record

    async with http_client(publishers + 4) as http:
        sessions = await asyncio.gather(*(target.start_session(http, token) for _, token in users))
        clients, _ = await open_clients(lambda n: target.client(users[n][1], on_event(users[n][1])), publishers)
        for client in clients:
            client.keep_events = False
        # Warm-up, not counted: each bot's first heartbeat (connections open on first use).
        await asyncio.gather(*(target.heartbeat(http, token, sid, 1) for (_, token), sid in zip(users, sessions)))
        await asyncio.sleep(1)
        delivered.clear()
        window["open"] = True
        end = time.monotonic() + seconds
        errors: dict = {}

        async def bot(token, session_id):
            i = 1
            while time.monotonic() < end:
                i += 1
                sent_at[(token, i)] = time.perf_counter()
                try:
                    status = (await target.heartbeat(http, token, session_id, i)).status_code
                except Exception as exc:  # a timeout or a dropped connection is an error too
                    status = type(exc).__name__
                if status == 200:
                    acknowledged.setdefault(token, []).append(i)
                else:
                    errors[status] = errors.get(status, 0) + 1

        started = time.monotonic()
        await asyncio.gather(*(bot(token, sid) for (_, token), sid in zip(users, sessions)))
        elapsed = time.monotonic() - started
        drain_end = time.monotonic() + 10
        while time.monotonic() < drain_end and any(
                len(delivered.get(token, [])) < len(acknowledged.get(token, [])) for _, token in users):
            await asyncio.sleep(0.05)
        window["open"] = False
        await close_clients(clients)
    total = sum(len(v) for v in delivered.values())
    missing = sum(len(set(acknowledged.get(token, [])) - set(delivered.get(token, []))) for _, token in users)
    out_of_order = sum(sum(1 for a, b in zip(seq, seq[1:]) if b <= a) for seq in delivered.values())
    return {"events": total, "elapsed": elapsed, "rate": total / elapsed, "missing": missing,
            "out_of_order": out_of_order, "errors": errors, "delays": delays}


async def main(args):
    from _bots import runs_of, start_target

    rates = {}
    for name, processes in runs_of(args.targets, args.processes):
        target = start_target(name, processes, "publish")
        try:
            result = await publish(target, args.publishers, args.seconds)
        finally:
            target.server.stop()
        rates[(name, processes)] = result["rate"]
        label = f"publish {target.name} x{processes} {args.publishers} publishers"
        figure(f"{label} events delivered/s", f"{result['rate']:.0f} ({result['events']} in {result['elapsed']:.1f} s)")
        figure(f"{label} heartbeat -> event", ms_summary(result["delays"]))
        figure(f"{label} missing deliveries", str(result["missing"]))
        figure(f"{label} events out of order", str(result["out_of_order"]))
        figure(f"{label} errors", str(sum(result["errors"].values())) + (f" {result['errors']}" if result["errors"] else ""))
    if ("jobelix", 1) in rates and ("jobelix", 2) in rates:
        figure("publish ratio jobelix x2 / x1 (events/s)", f"{rates[('jobelix', 2)] / rates[('jobelix', 1)]:.2f}x")
    if ("peer", 1) in rates:
        for (name, processes), rate in rates.items():
            if name == "jobelix":
                figure(f"publish ratio jobelix x{processes} / peer x1 (events/s)", f"{rate / rates[('peer', 1)]:.2f}x")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--publishers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--processes", default="1,2", help="web process counts to run Jobelix with")
    parser.add_argument("--targets", default="jobelix,peer")
    setup_django()
    raise SystemExit(run(main(parser.parse_args())))
