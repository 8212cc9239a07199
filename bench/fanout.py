"""One staff-channel event to 1,000 subscribers: time until the last one has it.

    make bench ARGS="bench/fanout.py"      (options: --subscribers 1000 --rounds 50)

1,000 staff dashboards (10 staff users x 100 connections) watch `bot:all`, the
staff view of the bot channel. Each round, this process publishes one event for
an ordinary user on `bot` with `realtime.publish` (the app's one way out: an
Event row, then group_send on commit to `user.<id>.bot` and `staff.bot`) and
times from the start of the publishing transaction until the first and the last
subscriber receives it. Rounds run one at a time.
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


def publish_one(user_id: int, n: int) -> tuple[float, float]:
    """Publish; return perf_counter times of the transaction's start and of publish's return."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from realtime import publish

    started = time.perf_counter()
    with transaction.atomic():
        user = get_user_model()(pk=user_id)
        publish(user, "bot", "bot.session_updated", {"session_id": f"fanout-{n}", "jobs_found": n})
    return started, time.perf_counter()


async def main(args):
    raise_nofile(args.subscribers * 2 + 2000)
    staff = make_users("fanout-staff", 10, staff=True)
    watched = make_users("fanout-user", 1)[0]
    close_db()
    server = start_daphne("daphne-fanout")
    arrivals: dict[int, list[float]] = {}
    waiting = {"n": None, "left": 0, "done": asyncio.Event()}

    def on_event(client, event, now):
        n = event.get("data", {}).get("jobs_found")
        arrivals.setdefault(n, []).append(now)
        if n == waiting["n"]:
            waiting["left"] -= 1
            if waiting["left"] == 0:
                waiting["done"].set()

    try:
        t0 = time.perf_counter()
        clients, _ = await open_clients(
            lambda i: Client(jobelix_ws_url(server, "bot:all"), on_event=on_event, token=staff[i % len(staff)][1]),
            args.subscribers)
        figure(f"connect {len(clients)} staff subscribers", f"{time.perf_counter() - t0:.1f} s")
        for client in clients:
            client.keep_events = False
        first, last, calls, missing = [], [], [], 0
        budget = Budget(args.seconds)
        for n in range(1, args.rounds + 1):
            if budget.expired():
                break
            waiting.update(n=n, left=len(clients), done=asyncio.Event())
            started, returned = await asyncio.to_thread(publish_one, watched[0], n)
            calls.append(returned - started)
            try:
                await asyncio.wait_for(waiting["done"].wait(), 15)
            except TimeoutError:
                pass
            got = arrivals.pop(n, [])
            missing += len(clients) - len(got)
            if got:
                first.append(min(got) - started)
                last.append(max(got) - started)
            await asyncio.sleep(0.05)
        figure(f"fanout to {len(clients)} subscribers: first receives", ms_summary(first))
        figure(f"fanout to {len(clients)} subscribers: last receives", ms_summary(last))
        figure("publish call (insert, commit, group_send to 2 groups)", ms_summary(calls))
        figure("fanout missing deliveries", str(missing))
        await close_clients(clients)
        return 0 if missing == 0 else 1
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=240)
    setup_django()
    raise SystemExit(run(main(parser.parse_args())))
