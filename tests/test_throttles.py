"""API write throttles (issue 12 item 3; docs/security.md "Throttles"): per token and per
user, heartbeats included; 429 with Retry-After and a JSON error; reads are not counted;
an unreachable cache lets requests through."""
from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jobelix.embedded import free_port

pytestmark = pytest.mark.django_db

ZERO_STATS = {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}
GENEROUS = {"write": "1000/min", "write_user": "1000/min", "heartbeat": "1000/min", "progress": "1000/min"}


def rates(**small: str) -> dict[str, str]:
    return {**GENEROUS, **small}


def token_client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def save_job(client: APIClient, n: int):
    return client.post("/api/v1/jobs", {"company": "Acme", "job_title": "Engineer",
                                        "job_url": f"https://jobs.example.com/{n}"}, format="json")


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["error"]


def test_writes_past_the_rate_are_429_with_retry_after_and_others_go_on(make_user, make_token):
    alice, bob = make_user("throttle-alice"), make_user("throttle-bob")
    mine, theirs = token_client(make_token(alice)), token_client(make_token(bob))
    with override_settings(API_THROTTLE_RATES=rates(write="3/min")):
        assert [save_job(mine, n).status_code for n in range(3)] == [201, 201, 201]
        assert_throttled(save_job(mine, 3))
        assert mine.get("/api/v1/applications/applied").status_code == 200  # reads are not counted
        assert save_job(theirs, 0).status_code == 201  # another user is not affected


def test_heartbeats_have_their_own_rate_per_token(make_user, make_token):
    user = make_user("throttle-heartbeats")
    bot = token_client(make_token(user))
    second_bot = token_client(make_token(user, name="second bot"))
    session_id = bot.post("/api/autoapply/bot/start", {"bot_version": "1.0", "platform": "linux"},
                          format="json").json()["session_id"]
    beat = {"session_id": session_id, "activity": "applying_jobs", "stats": ZERO_STATS}
    with override_settings(API_THROTTLE_RATES=rates(heartbeat="2/min")):
        assert [bot.post("/api/autoapply/bot/heartbeat", beat, format="json").status_code for _ in range(2)] == [200, 200]
        assert_throttled(bot.post("/api/autoapply/bot/heartbeat", beat, format="json"))
        assert second_bot.post("/api/autoapply/bot/heartbeat", beat, format="json").status_code == 200


def test_one_users_tokens_and_session_share_a_budget(make_user, make_token):
    user = make_user("throttle-many-tokens")
    tokens = [token_client(make_token(user, name=f"bot {n}")) for n in range(3)]
    session = APIClient()
    session.force_login(user)
    with override_settings(API_THROTTLE_RATES=rates(write_user="3/min")):
        assert [save_job(client, n).status_code for n, client in enumerate(tokens)] == [201, 201, 201]
        assert_throttled(save_job(session, 9))
        assert_throttled(save_job(tokens[0], 10))


def test_an_unreachable_cache_lets_writes_through(make_user, make_token):
    user = make_user("throttle-no-redis")
    mine = token_client(make_token(user))
    dead = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
                        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    with override_settings(API_THROTTLE_RATES=rates(write="1/min"), CACHES=dead):
        assert [save_job(mine, n).status_code for n in range(2)] == [201, 201]


def write_window(user, make_token):
    """The `write` budget of a new token of `user`, as a POST with it is counted."""
    from core.throttles import WriteThrottle
    from realtime.fasthttp import Caller

    make_token(user)
    window = WriteThrottle().window(Caller(user.api_tokens.get()))
    assert window is not None
    return window


def test_concurrent_writes_never_get_past_the_budget(make_user, make_token):
    """Counting is one atomic step in Redis: 24 writes at once against a budget of 5 let
    exactly 5 through (a read-then-write counter lets most of them through)."""
    import threading

    from core.throttles import count

    with override_settings(API_THROTTLE_RATES=rates(write="5/min")):
        window = write_window(make_user("throttle-race"), make_token)
        assert window is not None and window.limit == 5 and window.seconds == 60
        barrier, results = threading.Barrier(24), []

        def write() -> None:
            barrier.wait()
            results.append(count([window])[0] is not None)

        threads = [threading.Thread(target=write) for _ in range(24)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results.count(True) == 5 and len(results) == 24


def test_a_given_back_count_frees_its_place_and_retry_after_is_the_oldests_age(make_user, make_token):
    from core.throttles import count, give_back

    with override_settings(API_THROTTLE_RATES=rates(write="2/hour")):
        window = write_window(make_user("throttle-give-back"), make_token)
        first, _ = count([window])
        assert first is not None and count([window])[0] is not None
        refused, waits = count([window])
        assert refused is None and 3590 < waits[0] <= 3600  # the oldest leaves the hour's window then
        give_back(first)
        assert count([window])[0] is not None  # its place was free again
        assert count([window])[0] is None
