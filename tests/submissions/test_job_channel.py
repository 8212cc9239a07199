"""`submissions:<job id>`: one job's events only, for its owner and staff (issue 15 item 5), through real daphne."""
import time

import pytest
from django.test import Client

from submissions import services
from submissions.progress_rules import ProgressUpdate
from tests.conftest import WsListener
from tests.session_auth import session_cookie, session_listener

pytestmark = pytest.mark.django_db(transaction=True)


def progress(job, status="in_progress", target=""):
    services.apply_progress_update(ProgressUpdate(job_id=job.pk, status=status, current_target=target))


def job_ids(listener):
    return [m["data"]["job_id"] for m in listener.events()]


def errors_of(listener):
    return [m["data"]["code"] for m in listener.messages if m["type"] == "system.error"]


def test_a_job_channel_carries_that_jobs_events_only(daphne_server, ws_listen, make_token, make_job, user,
                                                     other_user, make_user):
    mine, my_other, bobs = make_job(user, n=2), make_job(user, n=1), make_job(other_user, n=1)
    channel = f"submissions:{mine.pk}"
    owner = ws_listen(daphne_server, make_token(user), channels=channel)
    assert owner.messages[0]["data"]["channels"] == [channel]
    everything = ws_listen(daphne_server, make_token(user), channels="submissions")
    boss = make_user("boss", staff=True)
    staff = session_listener(daphne_server, boss)
    spy = ws_listen(daphne_server, make_token(other_user))
    try:
        staff.send({"action": "subscribe", "channel": channel})
        assert staff.wait_for("system.subscribed")["data"]["channel"] == channel
        for frame in ({"action": "subscribe", "channel": channel},
                      {"action": "subscribe", "channel": "submissions:00000000-0000-4000-8000-000000000000"}):
            spy.send(frame)  # another user's job, or no job at all: the same answer
        deadline = time.monotonic() + 10
        while len(errors_of(spy)) < 2:
            assert time.monotonic() < deadline, spy.messages
            time.sleep(0.05)
        assert errors_of(spy) == ["forbidden_channel"] * 2

        progress(my_other, target="Other 1")
        progress(bobs, target="Bob 1")
        progress(mine, target="Mine 1")
        last = owner.wait_for("submission_job.updated", predicate=lambda m: m["data"]["current_directory"] == "Mine 1")
        staff.wait_for("submission_job.updated", predicate=lambda m: m["id"] == last["id"])
        everything.wait_for("submission_job.updated", predicate=lambda m: m["id"] == last["id"])
        assert set(job_ids(owner)) == {str(mine.pk)}
        assert set(job_ids(staff)) == {str(mine.pk)}
        assert set(job_ids(everything)) == {str(mine.pk), str(my_other.pk)}  # the whole channel, as before
        assert spy.events() == [] and spy.close_code is None

        # Resuming on the job channel replays that job's events only.
        resumed = ws_listen(daphne_server, make_token(user), channels=channel, last_event_id=0)
        resumed.wait_for("submission_job.updated", predicate=lambda m: m["id"] == last["id"])
        assert set(job_ids(resumed)) == {str(mine.pk)}
        assert {e["id"] for e in owner.events()} <= {e["id"] for e in resumed.events()}
    finally:
        staff.close()


def test_the_http_fallback_and_the_job_page_use_the_job_channel(make_job, user, other_user, staff_user):
    mine, my_other = make_job(user, n=1), make_job(user, n=1)
    progress(mine, target="Mine")
    progress(my_other, target="Other")
    owner, stranger, staff = Client(), Client(), Client()
    owner.force_login(user)
    stranger.force_login(other_user)
    staff.force_login(staff_user)
    channel = f"submissions:{mine.pk}"

    page = owner.get(f"/submissions/{mine.pk}/")
    assert f'data-channels="{channel}"' in page.content.decode()
    for client in (owner, staff):
        events = client.get("/api/v1/events", {"after": 0, "channels": channel}).json()["events"]
        assert events and {e["data"]["job_id"] for e in events} == {str(mine.pk)}
    refused = stranger.get("/api/v1/events", {"after": 0, "channels": channel})
    assert refused.status_code == 403
    assert stranger.get(f"/submissions/{mine.pk}/").status_code == 404


def test_staff_following_someone_elses_job_lose_it_with_the_staff_flag(daphne_server, make_job, make_user, user):
    job = make_job(user, n=1)
    boss = make_user("job-boss", staff=True)
    following = WsListener(f"{daphne_server.ws_url}?channels=submissions:{job.pk}",
                           headers={"Cookie": session_cookie(boss)})
    following.wait_for("system.connected")
    assert following.messages[0]["data"]["channels"] == [f"submissions:{job.pk}"]
    boss.is_staff = False
    boss.save()
    started = time.monotonic()
    following._thread.join(8)
    assert following.close_code == 4403 and time.monotonic() - started < 8


def test_the_job_page_receives_only_its_jobs_events(daphne_server, new_page, login, make_job, make_token, user):
    from playwright.sync_api import expect

    from bot.progress import ProgressReporter

    mine, other = make_job(user, n=1), make_job(user, n=1)
    page = login(new_page(), daphne_server, user)
    page.goto(f"{daphne_server.url}/submissions/{mine.pk}/")
    card = page.locator("#submission-job")
    expect(card.locator('[data-field="connection"]')).to_have_text("🟢 Live")
    page.evaluate("window.seenJobs = []; Jobelix.realtime.onAny(function (e) { window.seenJobs.push(e.data.job_id); });")

    reporter = ProgressReporter(daphne_server.url, make_token(user, "worker"))
    for job in (other, mine):  # the other job first: had it reached the page, it would have come first
        target = job.submissions.get()
        assert reporter.report_job_started(job.pk)
        assert reporter.report_submission_started(job.pk, target.pk, target.target_name)
    expect(card.locator('[data-field="activity"]')).to_have_text(f"Processing {mine.submissions.get().target_name}…")
    seen = page.evaluate("window.seenJobs")
    assert seen and set(seen) == {str(mine.pk)}


def test_a_job_channel_catches_up_what_was_stored_but_not_sent(start_daphne, ws_listen, make_token, make_job, user):
    """The hub's one catch-up query covers `scoped.submissions.<id>` groups: an event stored but never
    sent live (a lost Redis send, a full outbox) still reaches that job's sockets, and only theirs."""
    from realtime.models import Event

    server = start_daphne(REALTIME_PING_INTERVAL=1)
    mine, other = make_job(user, n=1), make_job(user, n=1)
    following = ws_listen(server, make_token(user), channels=f"submissions:{mine.pk}")
    for job in (other, mine):  # straight into the log: no outbox, no live send
        Event.objects.create(user=user, channel="submissions", type="submission_job.updated",
                             data={"job_id": str(job.pk), "status": "in_progress"})
    caught = following.wait_for("submission_job.updated", timeout=5)
    assert caught["data"]["job_id"] == str(mine.pk)
    time.sleep(1.5)  # another tick: the other job's event never comes
    assert job_ids(following) == [str(mine.pk)]
