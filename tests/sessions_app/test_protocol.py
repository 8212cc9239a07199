"""The bot protocol end to end: StatusReporter against a real daphne, real PostgreSQL and Redis."""
import threading
import uuid
from datetime import timedelta

from django.utils import timezone

from bot.reporter import StatusReporter
from sessions_app.models import BotSession
from tests.sessions_app.conftest import wait_until

ZERO = {"jobs_found": 0, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}


def test_full_lifecycle_is_stored_and_pushed_live(user, reporter_for, ws_listen, live, protocol):
    reporter, raw = reporter_for(user)
    ws = ws_listen(live, raw, channels="bot")

    assert reporter.start_session("1.2.3", "linux") is True
    session = BotSession.objects.get(pk=reporter.session_id)
    assert (session.status, session.bot_version, session.platform) == ("starting", "1.2.3", "linux")
    assert session.token.user == user

    assert reporter.send_heartbeat("browser_opening") is True
    session.refresh_from_db()
    assert session.status == "running" and session.current_activity == "browser_opening"

    reporter.increment_jobs_found(25)
    assert reporter.send_heartbeat("jobs_found", {"count": 25})
    reporter.increment_jobs_applied(2)
    reporter.increment_jobs_failed()
    reporter.increment_credits_used(3)
    before = BotSession.objects.get(pk=reporter.session_id).last_heartbeat_at
    assert reporter.send_heartbeat("application_submitted", {"company": "Acme", "job_title": "SWE"})
    session.refresh_from_db()
    assert session.activity_details == {"company": "Acme", "job_title": "SWE"}
    assert session.stats() == {"jobs_found": 25, "jobs_applied": 2, "jobs_failed": 1, "credits_used": 3}
    assert session.last_heartbeat_at >= before

    assert reporter.complete_session(success=True) is True
    session.refresh_from_db()
    assert session.status == "completed" and session.completed_at is not None
    assert session.error_message == ""

    # Finished: heartbeats are refused with 409 (not "stopped"), stats stay frozen.
    answer = protocol.heartbeat(raw, str(session.id), stats={**ZERO, "jobs_found": 99})
    assert answer.status_code == 409
    assert answer.json()["status"] == "completed" and "stopped" not in answer.json()
    assert protocol.post("complete", {"session_id": str(session.id), "success": True, "final_stats": ZERO},
                         token=raw).status_code == 409
    session.refresh_from_db()
    assert session.jobs_found == 25

    # Every change went out on channel `bot` with the whole session.
    ws.wait_for("bot.session_updated", predicate=lambda m: m["data"]["status"] == "completed")
    events = ws.events("bot.session_updated")
    assert [e["data"]["status"] for e in events] == ["starting", "running", "running", "running", "completed"]
    assert all(e["channel"] == "bot" for e in events)
    last = events[-1]["data"]
    assert last["session_id"] == str(session.id)
    assert last["current_activity"] == "application_submitted"
    assert last["activity_emoji"] == "🎉"
    assert (last["jobs_found"], last["jobs_applied"], last["jobs_failed"], last["credits_used"]) == (25, 2, 1, 3)
    assert last["completed_at"] and last["started_at"] and last["is_active"] is False


def test_failed_run_keeps_its_error_message(user, reporter_for):
    reporter, _ = reporter_for(user)
    assert reporter.start_session("1.0.0", "darwin")
    assert reporter.send_heartbeat("linkedin_login")
    assert reporter.complete_session(success=False, error_message="LinkedIn login failed: captcha")
    session = BotSession.objects.get(pk=reporter.session_id)
    assert session.status == "failed"
    assert session.error_message == "LinkedIn login failed: captcha"


def test_complete_without_final_stats_keeps_the_stored_stats(user, reporter_for, protocol):
    """Issue 14: a client that omits `final_stats` (or sends null) keeps what its heartbeats reported."""
    for success, final_stats in [(True, "absent"), (False, None)]:
        reporter, raw = reporter_for(user)
        assert reporter.start_session("1.0.0", "linux")
        stored = {"jobs_found": 9, "jobs_applied": 4, "jobs_failed": 2, "credits_used": 5}
        assert protocol.heartbeat(raw, reporter.session_id, "applying_jobs", stats=stored).status_code == 200
        body = {"session_id": reporter.session_id, "success": success, "error_message": None}
        if final_stats != "absent":
            body["final_stats"] = final_stats
        answer = protocol.post("complete", body, token=raw)
        assert answer.status_code == 200, answer.text
        assert {name: answer.json()["session"][name] for name in stored} == stored
        session = BotSession.objects.get(pk=reporter.session_id)
        assert session.stats() == stored
        assert session.status == ("completed" if success else "failed") and session.completed_at is not None


def test_complete_with_final_stats_still_only_goes_up(user, reporter_for, protocol):
    reporter, raw = reporter_for(user)
    assert reporter.start_session("1.0.0", "linux")
    assert protocol.heartbeat(raw, reporter.session_id, stats=ZERO | {"jobs_found": 9, "jobs_applied": 4}).ok
    lower = protocol.post("complete", {"session_id": reporter.session_id, "success": True,
                                       "final_stats": ZERO | {"jobs_found": 8, "jobs_applied": 5}}, token=raw)
    assert lower.status_code == 400 and lower.json()["fields"] == {"jobs_found": "must be at least 9"}
    partial = protocol.post("complete", {"session_id": reporter.session_id, "success": True,
                                         "final_stats": {"jobs_found": 10}}, token=raw)
    assert partial.status_code == 400  # when sent, all four counters are required
    assert BotSession.objects.get(pk=reporter.session_id).completed_at is None

    higher = ZERO | {"jobs_found": 10, "jobs_applied": 6, "credits_used": 1}
    done = protocol.post("complete", {"session_id": reporter.session_id, "success": True, "final_stats": higher},
                         token=raw)
    assert done.status_code == 200
    assert BotSession.objects.get(pk=reporter.session_id).stats() == higher


def test_a_second_start_is_refused_while_the_first_bot_is_alive(user, reporter_for, protocol):
    first, raw = reporter_for(user)
    assert first.start_session("1.0.0", "linux")
    assert first.send_heartbeat("searching_jobs")

    second, _ = reporter_for(user)
    assert second.start_session("1.0.0", "linux") is False
    answer = protocol.post("start", {"bot_version": "1.0.0", "platform": "linux"}, token=raw)
    assert answer.status_code == 409
    assert answer.json()["session_id"] == first.session_id
    assert "error" in answer.json()
    assert BotSession.objects.filter(user=user).count() == 1


def test_a_silent_session_is_closed_as_stale_when_a_new_one_starts(user, reporter_for, ws_listen, live):
    first, raw = reporter_for(user)
    assert first.start_session("1.0.0", "linux")
    assert first.send_heartbeat("applying_jobs")
    BotSession.objects.filter(pk=first.session_id).update(
        last_heartbeat_at=timezone.now() - timedelta(minutes=6))
    ws = ws_listen(live, raw, channels="bot")

    second, _ = reporter_for(user)
    assert second.start_session("1.0.1", "linux") is True
    old = BotSession.objects.get(pk=first.session_id)
    assert old.status == "stale" and old.completed_at is not None
    assert "heartbeat" in old.error_message
    assert BotSession.objects.get(pk=second.session_id).status == "starting"
    stale = ws.wait_for("bot.session_updated", predicate=lambda m: m["data"]["status"] == "stale")
    assert stale["data"]["session_id"] == first.session_id

    # The old bot, if it was only slow, learns that its session is over.
    assert first.send_heartbeat("applying_jobs") is False
    assert first.finished is True and first.stopped is False


def test_racing_starts_open_exactly_one_session(user, reporter_for):
    reporters = [reporter_for(user)[0] for _ in range(4)]
    results = [None] * len(reporters)
    barrier = threading.Barrier(len(reporters))

    def start(i):
        barrier.wait()
        results[i] = reporters[i].start_session("1.0.0", "linux")

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(reporters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results.count(True) == 1
    assert BotSession.objects.filter(user=user, status__in=["starting", "running"]).count() == 1


def test_stop_with_the_token_reaches_the_bot_at_its_next_heartbeat(user, reporter_for, protocol):
    reporter, raw = reporter_for(user)
    assert reporter.start_session("1.0.0", "linux")
    reporter.increment_jobs_found(10)
    assert reporter.send_heartbeat("applying_jobs", {"progress": "1/10"})

    answer = protocol.post("stop", {"session_id": reporter.session_id}, token=raw)
    assert answer.status_code == 200 and answer.json()["session"]["status"] == "stopped"

    raw_answer = protocol.heartbeat(raw, reporter.session_id, stats={**ZERO, "jobs_found": 10})
    assert raw_answer.status_code == 409 and raw_answer.json()["stopped"] is True

    reporter.increment_jobs_applied()
    assert reporter.send_heartbeat("applying_jobs") is False
    assert reporter.stopped is True

    # The bot winds down and completes: the session stays `stopped`, stats frozen.
    assert reporter.complete_session(success=False, error_message="Stopped by user") is True
    session = BotSession.objects.get(pk=reporter.session_id)
    assert session.status == "stopped" and session.completed_at and session.stopped_at
    assert session.jobs_applied == 1 and session.error_message == "Stopped by user"
    assert reporter.complete_session(success=True) is False  # frozen


def test_stop_from_the_dashboard_needs_the_session_and_csrf(user, reporter_for, session_client):
    reporter, _ = reporter_for(user)
    assert reporter.start_session("1.0.0", "linux")
    assert reporter.send_heartbeat("applying_jobs")

    no_csrf = session_client.post("/api/autoapply/bot/stop", {}, content_type="application/json")
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["error"]
    assert BotSession.objects.get(pk=reporter.session_id).status == "running"

    csrf = session_client.get("/autoapply/").cookies["csrftoken"].value
    stopped = session_client.post("/api/autoapply/bot/stop", {}, content_type="application/json",
                                  HTTP_X_CSRFTOKEN=csrf)
    assert stopped.status_code == 200
    assert stopped.json()["session"]["session_id"] == reporter.session_id
    again = session_client.post("/api/autoapply/bot/stop", {"session_id": reporter.session_id},
                                content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert again.status_code == 200  # stopping twice is harmless

    assert reporter.send_heartbeat("applying_jobs") is False and reporter.stopped is True


def test_stop_without_a_live_session(user, reporter_for, protocol):
    reporter, raw = reporter_for(user)
    assert protocol.post("stop", {}, token=raw).status_code == 404
    assert reporter.start_session("1.0.0", "linux") and reporter.complete_session(success=True)
    finished = protocol.post("stop", {"session_id": reporter.session_id}, token=raw)
    assert finished.status_code == 409 and finished.json()["status"] == "completed"
    assert protocol.post("stop", {}, token=raw).status_code == 404


def test_other_users_sessions_are_invisible_and_untouchable(user, other_user, reporter_for, ws_listen, live,
                                                           protocol):
    alice, alice_raw = reporter_for(user)
    bob, bob_raw = reporter_for(other_user)
    bob_ws = ws_listen(live, bob_raw, channels="bot")
    assert alice.start_session("1.0.0", "linux")
    assert alice.send_heartbeat("searching_jobs")
    alice_id = alice.session_id

    assert protocol.heartbeat(bob_raw, alice_id, stats={**ZERO, "jobs_found": 7}).status_code == 404
    assert protocol.post("complete", {"session_id": alice_id, "success": False, "final_stats": ZERO},
                         token=bob_raw).status_code == 404
    assert protocol.post("stop", {"session_id": alice_id}, token=bob_raw).status_code == 404
    assert protocol.post("stop", {}, token=bob_raw).status_code == 404  # bob has nothing running
    unknown = protocol.heartbeat(alice_raw, str(uuid.uuid4()))
    assert unknown.status_code == 404 and unknown.json()["error"]

    status = protocol.get("status", bearer=bob_raw).json()
    assert status["current_session"] is None and status["sessions"] == []

    session = BotSession.objects.get(pk=alice_id)
    assert session.status == "running" and session.jobs_found == 0
    # Bob's socket never saw Alice's events (her own socket would: checked in the lifecycle test).
    assert alice.send_heartbeat("jobs_found")
    bob.start_session("2.0", "win32")
    bob_ws.wait_for("bot.session_updated", predicate=lambda m: m["data"]["session_id"] == bob.session_id)
    assert {e["data"]["session_id"] for e in bob_ws.events("bot.session_updated")} == {bob.session_id}


def test_authentication_and_scope(user, make_token, reporter_for, protocol):
    reporter, raw = reporter_for(user)
    assert reporter.start_session("1.0.0", "linux")
    body = {"session_id": reporter.session_id, "activity": "x", "stats": ZERO}

    missing = protocol.post("heartbeat", body)
    assert missing.status_code == 401 and missing.json()["error"]
    assert protocol.post("heartbeat", body, token="jbx_not-a-token").status_code == 401
    worker = protocol.post("heartbeat", body, token=make_token(user, scope="worker"))
    assert worker.status_code == 403 and "bot" in worker.json()["error"]

    # Authorization: Bearer works as well as the body token.
    bearer = protocol.post("heartbeat", body, bearer=raw)
    assert bearer.status_code == 200 and bearer.json()["status"] == "running"


def _valid_heartbeat(session_id):
    return {"session_id": session_id, "activity": "applying_jobs", "details": {"progress": "1/3"},
            "stats": {"jobs_found": 3, "jobs_applied": 1, "jobs_failed": 0, "credits_used": 1}}


BAD_HEARTBEATS = {
    "missing session_id": lambda b: b.pop("session_id"),
    "missing activity": lambda b: b.pop("activity"),
    "missing stats": lambda b: b.pop("stats"),
    "stats without a counter": lambda b: b["stats"].pop("credits_used"),
    "stats as a string": lambda b: b["stats"].update(jobs_found="5"),
    "stats as a boolean": lambda b: b["stats"].update(jobs_applied=True),
    "negative stats": lambda b: b["stats"].update(jobs_failed=-1),
    "fractional stats": lambda b: b["stats"].update(credits_used=1.5),
    "stats going down": lambda b: b["stats"].update(jobs_found=2),
    "stats not an object": lambda b: b.update(stats=[1, 2, 3, 4]),
    "activity not a string": lambda b: b.update(activity=42),
    "empty activity": lambda b: b.update(activity=""),
    "activity too long": lambda b: b.update(activity="x" * 65),
    "details a list": lambda b: b.update(details=["a"]),
    "details a string": lambda b: b.update(details="company"),
    "details over 16 KiB": lambda b: b.update(details={"blob": "x" * (16 * 1024)}),
    "session_id not a uuid": lambda b: b.update(session_id="not-a-uuid"),
    "session_id a number": lambda b: b.update(session_id=12345),
}


def test_bad_heartbeats_are_400_and_write_nothing(user, reporter_for, protocol):
    reporter, raw = reporter_for(user)
    assert reporter.start_session("1.0.0", "linux")
    assert protocol.post("heartbeat", _valid_heartbeat(reporter.session_id), token=raw).status_code == 200
    before = BotSession.objects.get(pk=reporter.session_id)

    for name, spoil in BAD_HEARTBEATS.items():
        body = _valid_heartbeat(reporter.session_id)
        body["stats"] = dict(body["stats"], jobs_found=4)
        body["activity"] = "creating_resume"
        spoil(body)
        answer = protocol.post("heartbeat", body, token=raw)
        assert answer.status_code == 400, (name, answer.status_code, answer.text)
        assert answer.headers["Content-Type"].startswith("application/json"), name
        assert answer.json()["error"], name
        after = BotSession.objects.get(pk=reporter.session_id)
        assert (after.current_activity, after.stats(), after.updated_at) == (
            before.current_activity, before.stats(), before.updated_at), name

    # Exactly 16 KiB of details is fine; the session still works after all that.
    body = _valid_heartbeat(reporter.session_id)
    body["details"] = {"blob": "x" * (16 * 1024 - len('{"blob":""}'))}
    assert protocol.post("heartbeat", body, token=raw).status_code == 200


def test_bad_start_and_complete_bodies_are_400(user, reporter_for, protocol):
    reporter, raw = reporter_for(user)
    for body in [{}, {"bot_version": "1.0"}, {"platform": "linux"}, {"bot_version": 1, "platform": "linux"},
                 {"bot_version": "1.0", "platform": "x" * 51}]:
        answer = protocol.post("start", body, token=raw)
        assert answer.status_code == 400 and answer.json()["error"], body
    not_json = protocol.post("start", raw="{not json", bearer=raw)
    assert not_json.status_code == 400 and not_json.json()["error"]
    a_list = protocol.post("start", raw="[1, 2]", bearer=raw)
    assert a_list.status_code == 400
    assert not BotSession.objects.filter(user=user).exists()

    assert reporter.start_session("1.0.0", "linux")
    reporter.increment_jobs_found(5)
    assert reporter.send_heartbeat("jobs_found")
    for body in [
        {"success": True, "final_stats": ZERO | {"jobs_found": 5}},  # no session_id
        {"session_id": reporter.session_id, "final_stats": ZERO | {"jobs_found": 5}},  # no success
        {"session_id": reporter.session_id, "success": "yes", "final_stats": ZERO | {"jobs_found": 5}},
        {"session_id": reporter.session_id, "success": True, "final_stats": ZERO},  # stats went down
        {"session_id": reporter.session_id, "success": False, "error_message": 500,
         "final_stats": ZERO | {"jobs_found": 5}},
    ]:
        answer = protocol.post("complete", body, token=raw)
        assert answer.status_code == 400 and answer.json()["error"], body
    session = BotSession.objects.get(pk=reporter.session_id)
    assert session.status == "running" and session.completed_at is None

    long_error = "Traceback " * 1000
    assert reporter.complete_session(success=False, error_message=long_error)
    assert len(BotSession.objects.get(pk=reporter.session_id).error_message) == 2000


def test_status_shows_the_current_session_and_the_last_24_hours(user, other_user, reporter_for, protocol,
                                                               session_client):
    now = timezone.now()
    BotSession.objects.create(user=user, bot_version="0.9", platform="linux", status="completed",
                              started_at=now - timedelta(days=2), completed_at=now - timedelta(days=2))
    earlier = BotSession.objects.create(user=user, bot_version="1.0", platform="linux", status="failed",
                                        started_at=now - timedelta(hours=3), completed_at=now - timedelta(hours=2),
                                        error_message="boom")
    BotSession.objects.create(user=other_user, bot_version="1.0", platform="linux", status="completed",
                              started_at=now - timedelta(hours=1))
    reporter, raw = reporter_for(user)
    assert reporter.start_session("1.1", "linux") and reporter.send_heartbeat("searching_jobs")

    status = protocol.get("status", bearer=raw).json()
    assert status["current_session"]["session_id"] == reporter.session_id
    assert status["current_session"]["activity_message"] == "Searching for matching jobs..."
    assert [s["session_id"] for s in status["sessions"]] == [reporter.session_id, str(earlier.id)]

    assert reporter.complete_session(success=True)
    from_page = session_client.get("/api/autoapply/bot/status").json()
    assert from_page["current_session"]["status"] == "completed"  # the finished run keeps its summary
    assert len(from_page["sessions"]) == 2


def test_periodic_heartbeat_keeps_a_busy_bot_alive_and_stops_with_it(user, reporter_for, protocol):
    reporter, raw = reporter_for(user, heartbeat_interval=0.3)
    assert reporter.start_session("1.0.0", "linux")
    assert reporter.send_heartbeat("creating_resume", {"company": "Acme"})
    first = BotSession.objects.get(pk=reporter.session_id).last_heartbeat_at
    reporter.start_periodic_heartbeat()

    # The bot is "busy" (no explicit heartbeat) yet the server keeps hearing from it.
    wait_until(lambda: BotSession.objects.get(pk=reporter.session_id).last_heartbeat_at > first,
               message="a periodic heartbeat")
    session = BotSession.objects.get(pk=reporter.session_id)
    assert session.current_activity == "creating_resume" and session.activity_details == {"company": "Acme"}

    protocol.post("stop", {}, token=raw)
    wait_until(lambda: reporter.stopped, message="the thread to see the stop")
    wait_until(lambda: not reporter._pulse_thread or not reporter._pulse_thread.is_alive(),
               message="the heartbeat thread to end")


def test_reporter_survives_the_server_going_away(user, make_token, start_daphne, transactional_db):
    server = start_daphne()
    reporter = StatusReporter(make_token(user), server.url)
    assert reporter.start_session("1.0.0", "linux")
    assert reporter.send_heartbeat("applying_jobs")
    server.kill()
    reporter.increment_jobs_applied()
    assert reporter.send_heartbeat("applying_jobs") is False  # no exception
    assert reporter.complete_session(success=True) is False
    assert reporter.last_error and reporter.stopped is False
    assert BotSession.objects.get(pk=reporter.session_id).status == "running"  # the reaper's job now
