"""Heartbeat POST -> `bot.session_updated` on the WebSocket: p50/p95/p99, and the floors.

    make bench ARGS="bench/latency.py"
    (options: --clients 1,100,1000 --heartbeats 500 --targets jobelix,peer --floor-rounds 1000)

For each client count N: one user's bot sends heartbeats one at a time while N
dashboards of that user and N dashboards of other users are connected to the
`bot` channel. Each heartbeat is timed from just before the POST to the arrival
of its event at each of the user's clients (the first, every one, the last).
The other users' clients must receive nothing. The same load runs against the
python-socketio peer (bench/_peer_socketio.py) for the ratio.

The floor, measured in the same run on the same machine: a raw Redis
PUBLISH -> SUBSCRIBE round trip, and a raw channels-redis group_send -> receive.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import time

from _harness import (
    Budget,
    close_clients,
    close_db,
    figure,
    make_users,
    ms_summary,
    open_clients,
    percentile,
    raise_nofile,
    run,
    setup_django,
    start_daphne,
    start_peer,
)


async def redis_floor(rounds: int) -> list[float]:
    import redis.asyncio as aioredis

    url = os.environ["REDIS_URL"]
    channel = f"bench-floor-{os.getpid()}"
    publisher, subscriber = aioredis.from_url(url), aioredis.from_url(url)
    pubsub = subscriber.pubsub()
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=5)  # the subscribe confirmation
    samples = []
    budget = Budget(60)
    for i in range(rounds):
        if budget.expired():
            break
        t0 = time.perf_counter()
        await publisher.publish(channel, f'{{"n": {i}}}')
        message = None
        while message is None:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
        samples.append(time.perf_counter() - t0)
    await pubsub.aclose()
    await publisher.aclose()
    await subscriber.aclose()
    return samples


async def channels_floor(rounds: int) -> list[float]:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()  # the app's own config (prefix, capacity, expiry)
    channel = await layer.new_channel()
    group = f"bench-floor-{os.getpid()}"
    await layer.group_add(group, channel)
    samples = []
    budget = Budget(60)
    for i in range(rounds):
        if budget.expired():
            break
        t0 = time.perf_counter()
        await layer.group_send(group, {"type": "realtime.event", "n": i})
        await asyncio.wait_for(layer.receive(channel), 5)
        samples.append(time.perf_counter() - t0)
    await layer.group_discard(group, channel)
    return samples


async def heartbeat_latency(target, clients_count: int, heartbeats: int, seconds: float) -> dict:
    """Connect N clients of one user and N of others, then time `heartbeats` heartbeats, one at a time."""
    from _bots import http_client

    mine = make_users(f"lat-{target.name}-{clients_count}", 1)[0]
    others = make_users(f"lat-{target.name}-{clients_count}-other", min(clients_count, 10))
    close_db()
    arrivals: dict[int, list[float]] = {}
    pending = {"i": None, "left": 0, "done": asyncio.Event()}
    leaks = []

    def on_mine(client, event, now):
        if event.get("type") != target.event_type:
            return
        i = event["data"]["jobs_found"]
        arrivals.setdefault(i, []).append(now)
        if i == pending["i"]:
            pending["left"] -= 1
            if pending["left"] == 0:
                pending["done"].set()

    def on_other(client, event, now):
        leaks.append(event)

    budget = Budget(seconds)
    async with http_client(4) as http:
        session_id = await target.start_session(http, mine[1])
        t0 = time.perf_counter()
        my_clients, _ = await open_clients(lambda i: target.client(mine[1], on_mine), clients_count)
        other_clients, _ = await open_clients(
            lambda i: target.client(others[i % len(others)][1], on_other), clients_count)
        connect_seconds = time.perf_counter() - t0
        for c in my_clients + other_clients:
            c.keep_events = False
        posts, statuses, first, every, last, missing = [], {}, [], [], [], 0
        warmup = 20
        i = 0
        sent = 0
        while sent < heartbeats + warmup and not budget.expired():
            i += 1
            pending.update(i=i, left=clients_count, done=asyncio.Event())
            started = time.perf_counter()
            response = await target.heartbeat(http, mine[1], session_id, i)
            posts.append(time.perf_counter() - started)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            try:
                await asyncio.wait_for(pending["done"].wait(), 10)
            except TimeoutError:
                pass
            sent += 1
            got = arrivals.pop(i, [])
            if sent <= warmup:
                continue
            missing += clients_count - len(got)
            if got:
                deltas = [t - started for t in got]
                first.append(min(deltas))
                last.append(max(deltas))
                every.extend(deltas)
        await asyncio.sleep(0.5)  # late leaks, if any, arrive now
        await close_clients(my_clients + other_clients)
    return {"first": first, "every": every, "last": last, "posts": posts[warmup:], "statuses": statuses,
            "missing": missing, "leaks": len(leaks), "connect_seconds": connect_seconds,
            "heartbeats": max(0, sent - warmup)}


def report_latency(name: str, n: int, result: dict):
    label = f"latency {name} N={n}"
    figure(f"{label} heartbeats timed", f"{result['heartbeats']} (statuses {result['statuses']})")
    figure(f"{label} first client", ms_summary(result["first"]))
    figure(f"{label} every delivery", ms_summary(result["every"]))
    figure(f"{label} last client", ms_summary(result["last"]))
    figure(f"{label} POST round trip", ms_summary(result["posts"]))
    figure(f"{label} missing deliveries", str(result["missing"]))
    figure(f"{label} events received by other users' clients", str(result["leaks"]))
    figure(f"{label} connect {2 * n} clients", f"{result['connect_seconds']:.1f} s")


async def main(args):
    raise_nofile(20000)
    if not args.skip_floors:
        samples = await redis_floor(args.floor_rounds)
        figure("floor raw Redis PUBLISH->SUBSCRIBE", ms_summary(samples))
        samples = await channels_floor(args.floor_rounds)
        figure("floor channels-redis group_send->receive", ms_summary(samples))
    from _bots import JobelixTarget, PeerTarget

    medians: dict[tuple[str, int], float] = {}
    for target_name in args.targets.split(","):
        if target_name == "jobelix":
            # Each heartbeat is timed to its event: no coalescing of repeats (_harness.BENCH_SERVER_ENV).
            server = start_daphne("daphne-latency")
            target = JobelixTarget(server)
        elif target_name == "peer":
            server = start_peer("peer-latency")
            target = PeerTarget(server)
        else:
            continue
        try:
            for n in [int(x) for x in args.clients.split(",")]:
                result = await heartbeat_latency(target, n, args.heartbeats, args.seconds_per_case)
                report_latency(target.name, n, result)
                medians[(target.name, n)] = percentile(result["every"], 50)
        finally:
            server.stop()
    for n in [int(x) for x in args.clients.split(",")]:
        ours, peer = medians.get(("jobelix", n)), medians.get(("socketio-peer", n))
        if ours and peer:
            figure(f"latency ratio jobelix/peer N={n} (median every delivery)", f"{ours / peer:.2f}x")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="1,100,1000")
    parser.add_argument("--heartbeats", type=int, default=500)
    parser.add_argument("--targets", default="jobelix,peer")
    parser.add_argument("--floor-rounds", type=int, default=1000)
    parser.add_argument("--seconds-per-case", type=float, default=900)
    parser.add_argument("--skip-floors", action="store_true")
    setup_django()
    raise SystemExit(run(main(parser.parse_args())))
