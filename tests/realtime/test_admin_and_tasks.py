"""Staff broadcasts from the Django admin, and the event-log purge on a real Celery worker."""
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from realtime.models import Event, PurgeMark
from realtime.selectors import replay
from realtime.tasks import purge_old_events
from tests.realtime.conftest import publish_now

BROADCAST_URL = "/admin/realtime/event/broadcast/"


@pytest.mark.django_db(transaction=True)
def test_a_staff_broadcast_reaches_every_connected_user(
    daphne_server, ws_listen, http_login, user, other_user, staff_user, make_token
):
    alice = ws_listen(daphne_server, make_token(user), channels="jobs,system")
    bob = ws_listen(daphne_server, make_token(other_user), channels="system")
    staff = http_login(daphne_server, staff_user)

    response = staff.broadcast("Deploy in 5 minutes", type_="system.maintenance", severity="critical")
    assert response.status_code == 302
    assert response.headers["Location"] == BROADCAST_URL
    event = Event.objects.get(type="system.maintenance")
    assert f"Broadcast sent as event #{event.id}." in staff.get(staff.url(BROADCAST_URL), timeout=15).text

    for listener in (alice, bob):
        got = listener.wait_for("system.maintenance")
        assert got["id"] == event.id and got["channel"] == "system"
        assert got["data"] == {"message": "Deploy in 5 minutes", "severity": "critical", "action_required": False}

    assert staff.broadcast("<b>Coffee</b> is ready").status_code == 302
    for listener in (alice, bob):
        assert listener.wait_for("system.notification")["data"]["message"] == "<b>Coffee</b> is ready"


@pytest.mark.django_db
def test_only_staff_reach_the_broadcast_form(user, staff_user):
    form = {"type": "system.notification", "message": "hi", "severity": "info"}
    for who in (None, user):
        client = Client()
        if who:
            client.force_login(who)
        for response in (client.get(BROADCAST_URL), client.post(BROADCAST_URL, form)):
            assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert not Event.objects.exists()

    staff = Client()
    staff.force_login(staff_user)
    page = staff.get(BROADCAST_URL)
    assert page.status_code == 200 and b"Send to everyone" in page.content
    invalid = staff.post(BROADCAST_URL, {**form, "message": "", "severity": "apocalyptic"})
    assert invalid.status_code == 200 and b"This field is required" in invalid.content
    assert not Event.objects.exists()
    staff_user.is_superuser = True  # the event log itself needs the view permission
    staff_user.save()
    changelist = staff.get("/admin/realtime/event/")
    assert changelist.status_code == 200 and BROADCAST_URL.encode() in changelist.content
    # A broadcast is listed in the event log, and its page shows what was sent.
    assert staff.post(BROADCAST_URL, {**form, "message": "Lunch &amp; learn"}).status_code == 302
    event = Event.objects.get(type="system.notification")
    listing = staff.get("/admin/realtime/event/").content.decode()
    assert f'href="/admin/realtime/event/{event.id}/change/' in listing and "system.notification" in listing
    detail = staff.get(f"/admin/realtime/event/{event.id}/change/").content.decode()
    assert "Lunch &amp;amp; learn" in detail and "system.notification" in detail


@pytest.mark.django_db(transaction=True)
def test_the_purge_task_runs_on_a_worker_and_clients_then_resync(celery_worker, user):
    assert settings.CELERY_BEAT_SCHEDULE["realtime-purge-old-events"]["task"] == purge_old_events.name == "realtime.purge_old_events"
    before = publish_now(user, "jobs", "job.created", {"n": 0})
    old = publish_now(user, "jobs", "job.created", {"n": 1})
    recent = publish_now(user, "jobs", "job.created", {"n": 2})
    Event.objects.filter(pk__in=[before, old]).update(
        created_at=timezone.now() - timedelta(hours=settings.REALTIME_RETENTION_HOURS + 1)
    )

    purge_old_events.delay()
    deadline = time.monotonic() + 30
    while Event.objects.filter(pk__in=[before, old]).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(Event.objects.values_list("id", flat=True)) == [recent]
    assert PurgeMark.objects.get().purged_up_to == old

    assert replay(user.id, ["jobs"], after=before).resync_required is True
    assert [e.id for e in replay(user.id, ["jobs"], after=old).events] == [recent]
