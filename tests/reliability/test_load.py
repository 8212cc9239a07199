"""Load: 200 simulated bots heartbeating every second for 60 s (`make reliability`).

Two daphne processes share PostgreSQL and Redis, as two web processes would:
each bot talks to one, its user's dashboard is connected to the other (so every
event crosses processes through Redis), and two staff dashboards watch
`bot:all`. Zero 5xx, zero lost updates (the stored stats are each bot's last
acknowledged heartbeat), and every dashboard received every event meant for it,
by id, with no duplicates.
"""
import asyncio
import os
import time

import pytest

from tests.reliability.helpers import (
    Bot,
    Dashboard,
    http_client,
    make_bot_users,
    stored_event_ids,
    stored_sessions,
    wait_until,
)
from tests.session_auth import session_cookie
from tests.support import run_async

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.reliability]

BOTS = int(os.environ.get("JOBELIX_LOAD_BOTS", "200"))
SECONDS = float(os.environ.get("JOBELIX_LOAD_SECONDS", "60"))


def test_200_bots_for_60_seconds(start_daphne, django_user_model, make_user):
    users = make_bot_users(django_user_model, "load", BOTS)
    staff_cookie = session_cookie(make_user("load-staff", staff=True))  # staff views need a staff session
    # Every acknowledged heartbeat must reach the dashboards: no coalescing (docs/security.md).
    servers = [start_daphne(BOT_HEARTBEAT_COALESCE_SECONDS=0), start_daphne(BOT_HEARTBEAT_COALESCE_SECONDS=0)]
    figures = {}

    async def scenario():
        async with http_client(BOTS + 8) as http:
            dashboards = [Dashboard(servers[(i + 1) % 2].ws_url, token).start() for i, (_, token) in enumerate(users)]
            staff = [Dashboard(servers[i].ws_url, None, "bot:all", cookie=staff_cookie).start() for i in range(2)]
            assert await wait_until(lambda: all(d.live.is_set() for d in dashboards + staff), 120), "not all live"
            bots = [Bot(servers[i % 2].url, token, http, 1.0) for i, (_, token) in enumerate(users)]
            await asyncio.gather(*(bot.start() for bot in bots))
            started = time.monotonic()
            await asyncio.gather(*(bot.run(started + SECONDS) for bot in bots))
            figures["run_seconds"] = time.monotonic() - started
            expected = {(b.session_id, i) for b in bots for i in b.acked}

            def caught_up():
                return (all({(b.session_id, i) for i in b.acked} <= d.heartbeats_seen() for b, d in zip(bots, dashboards))
                        and all(expected <= s.heartbeats_seen() for s in staff))

            t0 = time.monotonic()
            await wait_until(caught_up, 90, step=0.5)
            figures["catch_up_seconds"] = time.monotonic() - t0
            for dashboard in dashboards + staff:
                await dashboard.stop()
            return bots, dashboards, staff

    bots, dashboards, staff = run_async(scenario())
    statuses = {}
    for bot in bots:
        for status, count in bot.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    answered = sum(statuses.values())
    print(f"\n[reliability] load: {BOTS} bots, {answered} heartbeats in {figures['run_seconds']:.1f} s "
          f"({answered / figures['run_seconds']:.0f}/s, offered {BOTS}/s); statuses {statuses}; "
          f"dashboards caught up {figures['catch_up_seconds']:.1f} s after the last heartbeat; "
          f"reconnects {sum(d.connects - 1 for d in dashboards + staff)} "
          f"(close codes {sorted({str(c) for d in dashboards + staff for c in d.close_codes})})")
    assert not [s for s in statuses if isinstance(s, int) and s >= 500], f"5xx: {statuses}"
    assert not [s for s in statuses if isinstance(s, int) and s != 200], statuses
    # A dropped connection is not a 5xx, and the bot's next heartbeat carries the same
    # counters; rare ones are reported (docs/reliability.md), many would be a fault.
    transport = sum(n for s, n in statuses.items() if not isinstance(s, int))
    assert transport <= answered / 1000, f"{transport} transport errors: {statuses}"
    stored = stored_sessions(b.session_id for b in bots)
    # The last acknowledged heartbeat, or a later one whose answer was lost on the way back.
    lost = [b.session_id for b in bots
            if stored[b.session_id] not in (Bot.stats(b.acknowledged), Bot.stats(b.last_sent))]
    assert not lost, f"{len(lost)} sessions lost their last update"
    events = stored_event_ids([uid for uid, _ in users])
    for (uid, _), dashboard in zip(users, dashboards):
        missing = events[uid] - set(dashboard.events)
        assert not missing, f"user {uid}'s dashboard missed {len(missing)} of {len(events[uid])} events"
        assert dashboard.duplicates == 0
    every_event = set().union(*events.values())
    for watcher in staff:
        missing = every_event - set(watcher.events)
        assert not missing, f"a staff dashboard missed {len(missing)} of {len(every_event)} events"
        assert watcher.duplicates == 0
