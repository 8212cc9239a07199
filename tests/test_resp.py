"""core.resp: the lean Redis connection of the heartbeat's throttle and live PUBLISH, against the
test session's real Redis."""
import asyncio
import time

import pytest
import redis
from django.conf import settings
from redis.exceptions import ConnectionError, ResponseError

from core import resp
from tests.support import run_async

REPLIES = (b"+OK\r\n-ERR wrong kind\r\n:42\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n"
           b"*3\r\n:1\r\n*2\r\n$1\r\na\r\n:-2\r\n$2\r\nzz\r\n*0\r\n*-1\r\n")
PARSED = ["OK", ResponseError("ERR wrong kind"), 42, b"hello", None, b"", [1, [b"a", -2], b"zz"], [], None]


def parse_all(data: bytes) -> list:
    buffer, pos, replies = bytearray(data), 0, []
    while True:
        reply, pos = resp.parse(buffer, pos)
        if reply is resp.INCOMPLETE:
            return replies
        replies.append(reply)


def same(a, b) -> bool:
    if isinstance(a, ResponseError):
        return type(a) is type(b) and str(a) == str(b)
    return a == b


def test_replies_cut_anywhere_parse_whole_or_not_at_all():
    assert all(same(a, b) for a, b in zip(parse_all(REPLIES), PARSED, strict=True))
    for cut in range(len(REPLIES)):
        got = parse_all(REPLIES[:cut])
        assert all(same(a, b) for a, b in zip(got, PARSED[:len(got)], strict=True))
        assert len(got) < len(PARSED)


def key(name: str) -> str:
    return f"{settings.REDIS_PREFIX}:test-resp:{name}"


def sync_redis():
    return redis.Redis.from_url(settings.REDIS_URL)


def test_pipelined_commands_and_concurrent_callers_get_their_own_replies():
    sync_redis().delete(key("counter"), key("text"))

    async def scenario():
        assert await resp.execute(settings.REDIS_URL, [("SET", key("text"), "é 1"), ("GET", key("text"))]) == \
            ["OK", "é 1".encode()]
        # 200 callers at once on one connection: each gets the reply to its own INCR.
        results = await asyncio.gather(*(resp.execute(settings.REDIS_URL, [("INCR", key("counter"))])
                                         for _ in range(200)))
        return [r[0] for r in results]

    assert run_async(scenario()) == list(range(1, 201))


def test_an_error_reply_raises_and_the_connection_goes_on():
    async def scenario():
        with pytest.raises(ResponseError, match="unknown command"):
            await resp.execute(settings.REDIS_URL, [("NO-SUCH-COMMAND",)])
        return await resp.execute(settings.REDIS_URL, [("PING",)])

    assert run_async(scenario()) == ["PONG"]


def test_a_script_redis_forgot_is_sent_again():
    script = "return tonumber(ARGV[1]) + 1"

    async def scenario():
        first = await resp.run_script(settings.REDIS_URL, script, [], [1])
        sync_redis().script_flush()
        return first, await resp.run_script(settings.REDIS_URL, script, [], [2])

    assert run_async(scenario()) == (2, 3)


def test_a_late_reply_drops_the_connection_and_the_next_call_makes_a_new_one():
    async def scenario():
        await resp.execute(settings.REDIS_URL, [("PING",)], timeout=0.5)
        sync_redis().execute_command("CLIENT", "PAUSE", 5000, "WRITE")  # writes wait, reads go on
        started = time.monotonic()
        try:
            with pytest.raises(ConnectionError, match="did not answer"):
                await resp.execute(settings.REDIS_URL, [("INCR", key("paused"))], timeout=0.5)
            waited = time.monotonic() - started
        finally:
            sync_redis().execute_command("CLIENT", "UNPAUSE")
        return waited, await resp.execute(settings.REDIS_URL, [("PING",)], timeout=0.5)

    waited, after = run_async(scenario())
    assert 0.5 <= waited < 4.5  # the watchdog looks every `timeout` seconds; the pause lasts 5
    assert after == ["PONG"]


def test_a_connection_the_server_closed_is_made_again():
    async def scenario():
        conn = await resp.connection(settings.REDIS_URL)
        await resp.execute(settings.REDIS_URL, [("PING",)])
        host, port = conn.transport.get_extra_info("sockname")[:2]
        assert sync_redis().execute_command("CLIENT", "KILL", "ADDR", f"{host}:{port}")
        for _ in range(50):  # the close reaches the loop
            if not conn.usable:
                break
            await asyncio.sleep(0.02)
        assert not conn.usable
        return await resp.execute(settings.REDIS_URL, [("PING",)])

    assert run_async(scenario()) == ["PONG"]


def test_an_unreachable_redis_is_a_connection_error():
    from jobelix.embedded import free_port

    async def scenario():
        with pytest.raises(ConnectionError, match="cannot connect"):
            await resp.execute(f"redis://127.0.0.1:{free_port()}/0", [("PING",)], connect_timeout=1)

    run_async(scenario())
