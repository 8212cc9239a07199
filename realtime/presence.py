"""Subscriber counts per channel (for `system.subscribed`), kept in Redis.

Each connection is a member of a sorted set scored by when it was last seen
(refreshed by each process's hub at every ping), so connections of a crashed server age out.
Presence is a nicety: if Redis is unreachable the count is null.
"""
import time

from django.conf import settings

from core.aredis import loop_client


def _client():
    return loop_client(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def _key(channel):
    return f"{settings.REDIS_PREFIX}:subs:{channel}"


async def add(channel, connection_id):
    try:
        await _client().zadd(_key(channel), {connection_id: time.time()})
    except Exception:
        pass


async def remove(channel, connection_id):
    try:
        await _client().zrem(_key(channel), connection_id)
    except Exception:
        pass


async def count(channel):
    horizon = time.time() - settings.REALTIME_PING_INTERVAL * 3 - 10
    try:
        client = _client()
        await client.zremrangebyscore(_key(channel), "-inf", horizon)
        return await client.zcard(_key(channel))
    except Exception:
        return None


async def refresh(subscriptions: dict[str, list[str]]) -> None:
    """Mark every local connection as seen, one ZADD per channel in one round trip (the hub's tick)."""
    by_channel: dict[str, dict[str, float]] = {}
    now = time.time()
    for connection_id, channels in subscriptions.items():
        for channel in channels:
            by_channel.setdefault(channel, {})[connection_id] = now
    if not by_channel:
        return
    try:
        pipe = _client().pipeline(transaction=False)
        for channel, members in by_channel.items():
            pipe.zadd(_key(channel), members)
        await pipe.execute()
    except Exception:
        pass
