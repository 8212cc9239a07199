"""The exact bytes of the protocol's refusals (spec: bot-status-integration) and its wire times.

Refusals are ApplicationErrors raised by sessions_app.services and turned into JSON once,
by core.api.json_error_handler; the bodies must stay byte-for-byte what the bot reads.
"""
import jsonschema
import pytest

from core.wire import is_wire_time
from sessions_app import events, services

pytestmark = pytest.mark.django_db

ZERO = {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}


@pytest.fixture
def bot(api_client, user, make_token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user)}")
    return api_client


def _post(bot, name, body):
    return bot.post(f"/api/autoapply/bot/{name}", body, format="json")


def _heartbeat(bot, session_id, **stats):
    return _post(bot, "heartbeat", {"session_id": session_id, "activity": "applying_jobs",
                                    "stats": {**ZERO, **stats}})


def test_refusals_keep_their_exact_bodies(bot, user):
    started = _post(bot, "start", {"bot_version": "1.0", "platform": "linux"})
    assert started.status_code == 200
    session_id = started.json()["session_id"]

    again = _post(bot, "start", {"bot_version": "1.0", "platform": "linux"})
    assert again.status_code == 409
    assert again.content == b'{"error":"A bot session is already running.","session_id":"%s"}' % session_id.encode()

    assert _heartbeat(bot, session_id, jobs_found=5).status_code == 200
    lower = _heartbeat(bot, session_id, jobs_found=4)
    assert lower.status_code == 400
    assert lower.content == (b'{"error":"Stats never go down: jobs_found is lower than the stored value.",'
                             b'"fields":{"jobs_found":"must be at least 5"}}')

    unknown = _heartbeat(bot, "0b6c0000-0000-4000-8000-000000000000")
    assert unknown.status_code == 404 and unknown.content == b'{"error":"No such bot session."}'

    services.stop_session(user, session_id)
    stopped = _heartbeat(bot, session_id, jobs_found=5)
    assert stopped.status_code == 409
    assert stopped.content == b'{"error":"The session was stopped by the user.","stopped":true,"status":"stopped"}'

    complete = {"session_id": session_id, "success": True, "final_stats": {**ZERO, "jobs_found": 5}}
    assert _post(bot, "complete", complete).status_code == 200
    finished = _post(bot, "complete", complete)
    assert finished.status_code == 409
    assert finished.content == b'{"error":"The session is already stopped.","status":"stopped"}'
    nothing_live = _post(bot, "stop", {})
    assert nothing_live.status_code == 404 and nothing_live.content == b'{"error":"No running bot session."}'


def test_completed_session_refuses_with_its_status(bot):
    session_id = _post(bot, "start", {"bot_version": "1.0", "platform": "linux"}).json()["session_id"]
    assert _post(bot, "complete", {"session_id": session_id, "success": True, "final_stats": ZERO}).status_code == 200
    late = _heartbeat(bot, session_id)
    assert late.status_code == 409
    assert late.content == b'{"error":"The session is already completed.","status":"completed"}'
    stop = _post(bot, "stop", {"session_id": session_id})
    assert stop.status_code == 409 and stop.content == b'{"error":"The session is already completed.","status":"completed"}'


def test_sessions_in_answers_have_wire_times_and_the_event_schema(bot, user):
    session_id = _post(bot, "start", {"bot_version": "1.0", "platform": "linux"}).json()["session_id"]
    assert _heartbeat(bot, session_id, jobs_found=1).status_code == 200
    stopped = _post(bot, "stop", {})
    assert stopped.status_code == 200

    status = bot.get("/api/autoapply/bot/status").json()
    assert is_wire_time(status["server_time"])
    sessions = [stopped.json()["session"], status["current_session"], *status["sessions"]]
    for session in sessions:
        jsonschema.validate(session, events.SESSION_SCHEMA)
        assert is_wire_time(session["started_at"]) and is_wire_time(session["updated_at"])
        assert is_wire_time(session["last_heartbeat_at"]) and is_wire_time(session["stopped_at"])
        assert session["completed_at"] is None
