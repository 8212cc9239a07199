"""GET /health through a real daphne: 200 with PostgreSQL, Redis and a Celery worker, 503 naming what is down;
the checks' details only for staff or callers on this machine (issue 12 item 10)."""
import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)


def test_health_is_200_when_all_three_answer_and_503_naming_redis_when_it_stops(
    private_redis, start_daphne, start_celery
):
    server = start_daphne(REDIS_URL=private_redis.url)
    worker_less = requests.get(f"{server.url}/health", timeout=10)
    assert worker_less.status_code == 503
    assert worker_less.json()["failing"] == ["celery"]

    start_celery(REDIS_URL=private_redis.url)
    healthy = requests.get(f"{server.url}/health", timeout=10)
    assert healthy.status_code == 200, healthy.text
    body = healthy.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "postgres": "ok", "redis": "ok", "celery": "ok"
    }

    private_redis.stop()
    down = requests.get(f"{server.url}/health", timeout=10)
    assert down.status_code == 503
    assert down.json()["failing"] == ["redis", "celery"]
    assert "redis" in down.json()["checks"] and down.json()["checks"]["redis"]["status"] == "error"


def test_health_is_json_for_anonymous_callers(client, celery_worker):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["checks"]["celery"]["workers"]


@pytest.mark.parametrize("remote, headers, details", [
    ("203.0.113.9", {}, False),  # anyone on the internet: status and what fails, nothing more
    ("127.0.0.1", {}, True),  # on this machine
    ("::1", {}, True),
    ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, False),  # relayed by a local proxy: not local
])
def test_details_only_for_loopback_callers(client, remote, headers, details):
    response = client.get("/health", REMOTE_ADDR=remote, **headers)
    body = response.json()
    assert response.status_code == (200 if body["status"] == "ok" else 503)
    assert isinstance(body["failing"], list)
    assert set(body) == ({"status", "checks", "failing", "events"} if details else {"status", "failing"})


def test_details_for_staff_from_anywhere(client, user, staff_user):
    client.force_login(user)
    assert "checks" not in client.get("/health", REMOTE_ADDR="203.0.113.9").json()
    client.force_login(staff_user)
    body = client.get("/health", REMOTE_ADDR="203.0.113.9").json()
    assert set(body["checks"]) == {"postgres", "redis", "celery"}
