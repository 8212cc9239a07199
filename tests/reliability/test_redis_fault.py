"""Redis killed (SIGKILL) and restarted while bots heartbeat and dashboards watch.

PostgreSQL holds the state, so every heartbeat keeps answering 200 while Redis
is gone; live delivery stops, and the dashboards, reconnecting and resuming
from their last event id like realtime.js does, end up with every event: none
missed, none twice.
"""
import asyncio
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
from tests.support import run_async

pytestmark = pytest.mark.django_db(transaction=True)

BOTS = 8
PERIOD = 0.25  # four heartbeats a second per bot
BEFORE, OUTAGE, AFTER = 3.0, 4.0, 4.0


def test_redis_killed_and_restarted_during_load(private_redis, start_daphne, django_user_model):
    users = make_bot_users(django_user_model, "redisfault", BOTS)
    server = start_daphne(REDIS_URL=private_redis.url, BOT_HEARTBEAT_COALESCE_SECONDS=0)  # every heartbeat an event
    outage = {}

    async def scenario():
        async with http_client(BOTS * 2) as http:
            # Two dashboards for the first user, one for each of the others.
            dashboards = [Dashboard(server.ws_url, token).start() for _, token in users + users[:1]]
            assert await wait_until(lambda: all(d.live.is_set() for d in dashboards), 30), "dashboards not live"
            bots = [await Bot(server.url, token, http, PERIOD).start() for _, token in users]
            end = time.monotonic() + BEFORE + OUTAGE + AFTER
            running = asyncio.gather(*(bot.run(end) for bot in bots))
            await asyncio.sleep(BEFORE)
            outage["start"] = time.monotonic()
            await asyncio.to_thread(private_redis.stop)
            await asyncio.sleep(OUTAGE)
            await asyncio.to_thread(private_redis.start)
            outage["end"] = time.monotonic()
            await running

            def caught_up():
                return all({(b.session_id, i) for i in b.acked} <= d.heartbeats_seen()
                           for b, d in zip(bots + bots[:1], dashboards))

            await wait_until(caught_up, 45)
            outage["caught_up"] = time.monotonic()
            for dashboard in dashboards:
                await dashboard.stop()
            return bots, dashboards

    bots, dashboards = run_async(scenario())
    statuses = {}
    during = 0
    for bot in bots:
        for answered, status in bot.log:
            statuses[status] = statuses.get(status, 0) + 1
            during += outage["start"] <= answered <= outage["end"]
    assert set(statuses) == {200}, f"every heartbeat must answer 200, got {statuses}\n{server.log()}"
    assert during >= BOTS, f"only {during} heartbeats fell inside the outage"
    stored = stored_sessions(b.session_id for b in bots)
    for bot in bots:
        assert stored[bot.session_id] == Bot.stats(bot.acknowledged)  # no lost update
    events = stored_event_ids([uid for uid, _ in users])
    print(f"\n[reliability] redis kill: {sum(statuses.values())} heartbeats, all 200; {during} during the "
          f"{outage['end'] - outage['start']:.1f} s outage; dashboards reconnected "
          f"{sum(d.connects - 1 for d in dashboards)} times; all caught up "
          f"{outage['caught_up'] - outage['end']:.1f} s after Redis was back; close codes seen "
          f"{sorted({str(c) for d in dashboards for c in d.close_codes})}")
    for (uid, _), dashboard in zip(users + users[:1], dashboards):
        missing = events[uid] - set(dashboard.events)
        assert not missing, (f"dashboard of user {uid} missed {len(missing)} of {len(events[uid])} events "
                             f"(reconnects {dashboard.connects}, closes {dashboard.close_codes})")
        assert dashboard.duplicates == 0
        assert dashboard.connects >= 2, "the outage should have forced a reconnect"
