"""One staff-channel event to 1,000 subscribers: time until the last one has it.

    make bench ARGS="bench/fanout.py"      (options: --subscribers 1000 --rounds 50 --targets jobelix,peer)

1,000 staff dashboards (10 staff users x 100 connections) watch `bot:all`, the
staff view of the bot channel. Each round, this process publishes one event for
an ordinary user on `bot` with `realtime.publish` (the app's one way out: an
Event row, then group_send on commit to `user.<id>.bot` and `staff.bot`) and
times from the start of the publishing transaction until the first and the last
subscriber receives it. Rounds run one at a time. The peer does the same: 1,000
Socket.IO staff connections in its staff room, and each round one `POST /publish`
that stores the event and emits it to the user's room and the staff room.
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
    percentile,
    raise_nofile,
    run,
    session_cookie,
    setup_django,
    start_daphne,
    start_peer,
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


async def fanout(target: str, args) -> dict:
    from _bots import PeerTarget, http_client

    staff = make_users(f"fanout-staff-{target}", 10, staff=True)
    watched = make_users(f"fanout-user-{target}", 1)[0]
    cookies = [session_cookie(user_id) for user_id, _ in staff] if target == "jobelix" else []
    close_db()
    server = start_daphne("daphne-fanout") if target == "jobelix" else start_peer("peer-fanout")
    peer = PeerTarget(server) if target == "peer" else None
    arrivals: dict[int, list[float]] = {}
    waiting = {"n": None, "left": 0, "done": asyncio.Event()}

    def on_event(client, event, now):
        n = event.get("data", {}).get("jobs_found")
        arrivals.setdefault(n, []).append(now)
        if n == waiting["n"]:
            waiting["left"] -= 1
            if waiting["left"] == 0:
                waiting["done"].set()

    def subscriber(i):
        token = staff[i % len(staff)][1]
        if peer is not None:
            return peer.client(token, on_event)
        # Staff powers come with a staff session only (the peer's staff room takes the token).
        return Client(jobelix_ws_url(server, "bot:all"), on_event=on_event,
                      headers={"Cookie": cookies[i % len(cookies)]})

    http = http_client(2)
    try:
        t0 = time.perf_counter()
        clients, _ = await open_clients(subscriber, args.subscribers)
        figure(f"{target} connect {len(clients)} staff subscribers", f"{time.perf_counter() - t0:.1f} s")
        for client in clients:
            client.keep_events = False
        first, last, calls, missing = [], [], [], 0
        budget = Budget(args.seconds)
        for n in range(1, args.rounds + 1):
            if budget.expired():
                break
            waiting.update(n=n, left=len(clients), done=asyncio.Event())
            if peer is None:
                started, returned = await asyncio.to_thread(publish_one, watched[0], n)
            else:
                started = time.perf_counter()
                answer = await http.post(f"{server.http}/publish",
                                         json={"token": staff[0][1], "user_id": watched[0], "n": n})
                returned = time.perf_counter()
                assert answer.status_code == 200, answer.text
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
        figure(f"{target} fanout to {len(clients)} subscribers: first receives", ms_summary(first))
        figure(f"{target} fanout to {len(clients)} subscribers: last receives", ms_summary(last))
        figure(f"{target} publish call (insert, commit, queue for Redis)", ms_summary(calls))
        figure(f"{target} fanout missing deliveries", str(missing))
        await close_clients(clients)
        return {"last": last, "missing": missing}
    finally:
        await http.__aexit__()
        server.stop()


async def main(args):
    raise_nofile(args.subscribers * 2 + 2000)
    results = {target: await fanout(target, args) for target in args.targets.split(",")}
    if "jobelix" in results and "peer" in results and results["peer"]["last"]:
        ratio = percentile(results["jobelix"]["last"], 50) / percentile(results["peer"]["last"], 50)
        figure("fanout ratio jobelix/peer (median, last subscriber)", f"{ratio:.2f}x")
    return 0 if all(r["missing"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=240)
    parser.add_argument("--targets", default="jobelix,peer")
    setup_django()
    raise SystemExit(run(main(parser.parse_args())))
