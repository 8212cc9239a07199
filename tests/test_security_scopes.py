"""Token scopes × endpoints (issue 12 item 4; docs/security.md "Token scopes").

Every operation of the OpenAPI schema is called as each of six callers, and the answer
must be exactly what EXPECTED says: refused by the auth layer with 401 (no credentials
DRF accepts there) or 403 (credentials of the wrong kind), or let through to the view
(whatever the view then answers, never 401/403). An operation missing from EXPECTED must
be session-only: a new endpoint that names no token scope is checked closed to tokens.
Then the staff powers: `user_id=` and `C:all` on the events API and the WebSocket need a
staff session; a staff member's bot token is just a bot token.
"""
from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.session_auth import session_cookie, view_class_of
from tests.support import run_async

User = get_user_model()
CALLERS = ("anonymous", "bot", "worker", "session", "staff", "staff_bot")
TOKENS_OF_USER = {"bot", "worker"}
BOT = {"bot", "staff_bot"}
SESSION = {"session", "staff"}
STAFF = {"staff"}

# Who gets through, per operation; anything not listed is SESSION (closed to tokens).
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/profile"): BOT | SESSION,  # the bot reads the profile it applies with
    ("PATCH", "/api/v1/profile"): SESSION,
    ("GET", "/api/v1/events"): BOT | {"worker"} | SESSION,  # the socket's fallback: the socket's tokens
    ("POST", "/api/autoapply/bot/start"): BOT,
    ("POST", "/api/autoapply/bot/heartbeat"): BOT,
    ("POST", "/api/autoapply/bot/complete"): BOT,
    ("POST", "/api/autoapply/bot/stop"): BOT | SESSION,
    ("GET", "/api/autoapply/bot/status"): BOT | SESSION,
    ("POST", "/api/v1/jobs"): BOT | SESSION,  # what bot/api.py records
    ("POST", "/api/v1/applications"): BOT | SESSION,
    ("GET", "/api/v1/applications/applied"): BOT | SESSION,
    ("POST", "/api/v1/applications/{application_id}/status"): BOT | SESSION,
    ("POST", "/api/worker/update-progress"): {"worker"},
    ("GET", "/api/v1/submissions/jobs"): {"worker"} | SESSION,  # external workers' own jobs
    ("POST", "/api/v1/submissions/jobs"): {"worker"} | SESSION,
    ("GET", "/api/v1/submissions/jobs/{job_id}"): {"worker"} | SESSION,
    ("POST", "/api/v1/scraping/start"): STAFF,
    ("POST", "/api/v1/scraping/stop"): STAFF,
    ("POST", "/api/v1/scraping/reset"): STAFF,
    ("PUT", "/api/v1/scraping/schedule"): STAFF,
    ("POST", "/api/v1/scraping/schedules"): STAFF,
    ("PUT", "/api/v1/scraping/schedules/{schedule_id}"): STAFF,
    ("DELETE", "/api/v1/scraping/schedules/{schedule_id}"): STAFF,
    ("POST", "/api/v1/scraping/schedules/{schedule_id}/pause"): STAFF,
    ("POST", "/api/v1/scraping/schedules/{schedule_id}/resume"): STAFF,
}
# Refusals that are 401 although the caller sent something: a Bearer-only endpoint does not
# read sessions, so a session is no credential there.
BEARER_ONLY = {("POST", "/api/worker/update-progress")}
# Refusals that are 403 although nothing was sent: no authenticator there sends a challenge
# (DRF's authenticate_header), so "not authenticated" is a 403.
SESSION_AUTH_ONLY = {("POST", "/api/autoapply/bot/launch")}
# A view's own refusal that is not about who is asking (DEBUG=0: the demo launch is off).
VIEW_REFUSALS = {("POST", "/api/autoapply/bot/launch"): "JOBELIX_DEMO_LAUNCH"}


def expected_status(method: str, path: str, caller: str) -> int | None:
    """401 or 403 for a refusal, None when the caller gets through to the view."""
    allowed = EXPECTED.get((method, path), SESSION)
    if caller in allowed:
        return None
    if caller == "anonymous":
        return 403 if (method, path) in SESSION_AUTH_ONLY else 401
    if caller in SESSION and (method, path) in BEARER_ONLY:
        return 401
    return 403


def schema_operations(client: Any) -> list[tuple[str, str]]:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    return sorted((method.upper(), path) for path, item in schema["paths"].items()
                  for method in item if method in {"get", "post", "put", "patch", "delete"})


def api_views_in_urlconf() -> set[str]:
    """Every DRF view's path in the URLconf, in the schema's spelling (/api/v1/jobs/{job_id})."""
    found: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "view_class", None)
                if view_class is not None and issubclass(view_class, APIView):
                    found.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns, "")
    return found


def concrete(path: str) -> str:
    """The template with ids that exist nowhere (an int or a UUID, whichever the route takes)."""
    for sample in ("999999", str(uuid.uuid4())):
        candidate = re.sub(r"\{[^}]+\}", sample, path)
        try:
            view_class_of(candidate)
            return candidate
        except LookupError:
            continue
    raise LookupError(path)


@pytest.fixture
def callers(make_user, make_token) -> dict[str, APIClient]:
    alice, boss = make_user("scoped-alice"), make_user("scoped-boss", staff=True)
    clients = {name: APIClient() for name in CALLERS}
    clients["bot"].credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(alice, 'bot')}")
    clients["worker"].credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(alice, 'worker')}")
    clients["staff_bot"].credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(boss, 'bot')}")
    clients["session"].force_login(alice)
    clients["staff"].force_login(boss)
    return clients


@pytest.mark.django_db
def test_every_endpoint_answers_each_kind_of_caller_as_expected(callers):
    operations = schema_operations(callers["anonymous"])
    assert {path for _, path in operations} == api_views_in_urlconf() - {"/api/schema/", "/api/docs/"}, \
        "an API view is missing from the OpenAPI schema, so this matrix would not cover it"
    assert set(EXPECTED) <= set(operations), f"EXPECTED names operations that are gone: {set(EXPECTED) - set(operations)}"
    wrong = []
    for method, path in operations:
        url = concrete(path)
        for caller in CALLERS:
            response = callers[caller].generic(method, url, "{}", content_type="application/json")
            body = response.json() if response["Content-Type"].startswith("application/json") else {}
            want = expected_status(method, path, caller)
            if want is None:
                view_refusal = VIEW_REFUSALS.get((method, path), "\0")
                if response.status_code in (401, 403, 429) and view_refusal not in body.get("error", ""):
                    wrong.append(f"{method} {path} as {caller}: {response.status_code} {body}, expected to get through")
                elif response.status_code >= 500:
                    wrong.append(f"{method} {path} as {caller}: {response.status_code}")
            elif response.status_code != want or not body.get("error"):
                wrong.append(f"{method} {path} as {caller}: {response.status_code} {body}, expected {want}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_a_token_of_a_scope_that_does_not_fit_is_told_which_one_does(callers):
    refused = callers["worker"].post("/api/autoapply/bot/heartbeat", {}, format="json")
    assert refused.status_code == 403 and refused.json() == {"error": "This endpoint needs a token with scope bot."}
    refused = callers["bot"].patch("/api/v1/profile", {"headline": "x"}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"error": "This endpoint needs a logged-in session, not a token."}
    refused = callers["worker"].post("/api/v1/jobs", {}, format="json")
    assert refused.json() == {"error": "This endpoint needs a token with scope bot, or a logged-in session."}


@pytest.mark.django_db
def test_staff_powers_on_the_events_api_need_a_staff_session(callers, make_user):
    other = make_user("scoped-other")
    for params in ({"user_id": other.id}, {"channels": "bot:all"}, {"channels": "submissions:all"}):
        assert callers["staff"].get("/api/v1/events", params).status_code == 200, params
        for caller in ("staff_bot", "bot", "worker", "session"):
            response = callers[caller].get("/api/v1/events", params)
            assert response.status_code == 403 and response.json()["error"], (caller, params)
    # Without staff powers the staff member's token still reads its own events.
    assert callers["staff_bot"].get("/api/v1/events", {"channels": "bot"}).status_code == 200


@pytest.mark.django_db
def test_everyones_submissions_need_a_staff_session(callers, make_user, make_token):
    from scraping.models import Company, JobPosting
    from submissions import services

    owner = make_user("scoped-owner")
    company = Company.objects.create(name="Scoped", source=Company.Source.LEVER, board_token="scoped")
    posting = JobPosting.objects.create(company=company, external_id="1", title="Engineer", url="https://x.example/1")
    job = services.create_job(owner, [posting.pk], start=False)
    everyone = callers["staff"].get("/api/v1/submissions/jobs", {"scope": "all"})
    assert str(job.pk) in {j["job_id"] for j in everyone.json()["jobs"]}
    assert callers["staff"].get(f"/api/v1/submissions/jobs/{job.pk}").status_code == 200
    assert callers["session"].get("/api/v1/submissions/jobs", {"scope": "all"}).json()["jobs"] == []
    assert callers["session"].get(f"/api/v1/submissions/jobs/{job.pk}").status_code == 404
    staff_worker = APIClient()
    staff_worker.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(User.objects.get(username='scoped-boss'), 'worker')}")
    for client in (callers["staff_bot"], callers["bot"], callers["worker"], staff_worker):
        refused = client.get("/api/v1/submissions/jobs", {"scope": "all"})
        assert refused.status_code == 403 and refused.json()["error"]
    assert callers["worker"].get("/api/v1/submissions/jobs").json()["jobs"] == []  # a worker token: its own jobs
    assert callers["worker"].get(f"/api/v1/submissions/jobs/{job.pk}").status_code == 404
    for caller in ("staff_bot", "bot"):
        assert callers[caller].get(f"/api/v1/submissions/jobs/{job.pk}").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_on_the_socket_a_staff_members_token_has_no_staff_powers(make_user, make_token):
    from jobelix.asgi import application

    boss, other = make_user("socket-boss", staff=True), make_user("socket-other")
    token, cookie = make_token(boss, "bot"), session_cookie(boss).encode()

    async def scenario() -> None:
        watcher = WebsocketCommunicator(application, f"/api/v1/ws?user_id={other.id}", headers=[(b"authorization", f"Bearer {token}".encode())])
        assert (await watcher.connect(timeout=10))[0]
        assert await watcher.receive_output(timeout=10) == {"type": "websocket.close", "code": 4403}

        socket = WebsocketCommunicator(application, "/api/v1/ws?channels=bot:all", headers=[(b"authorization", f"Bearer {token}".encode())])
        assert (await socket.connect(timeout=10))[0]
        frames = [await socket.receive_json_from(timeout=10) for _ in range(2)]
        assert frames[0]["type"] == "system.connected" and frames[0]["data"]["channels"] == []
        assert frames[1]["type"] == "system.error" and frames[1]["data"]["code"] == "forbidden_channel"
        await socket.send_json_to({"action": "subscribe", "channel": "jobs:all"})
        error = await socket.receive_json_from(timeout=10)
        assert error["type"] == "system.error" and error["data"]["code"] == "forbidden_channel"
        await socket.disconnect()

        # The same staff member on a session has the powers.
        staff = WebsocketCommunicator(application, f"/api/v1/ws?channels=bot:all&user_id={other.id}",
                                      headers=[(b"cookie", cookie)])
        assert (await staff.connect(timeout=10))[0]
        welcome = await staff.receive_json_from(timeout=10)
        assert welcome["type"] == "system.connected"
        assert welcome["data"]["channels"] == ["bot:all"] and welcome["data"]["user_id"] == str(other.id)
        await staff.disconnect()

    run_async(scenario())
