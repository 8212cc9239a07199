"""The admin (filters, search, stop action), the auto-apply page, and the launch service."""
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from core.errors import ApplicationError
from realtime.models import Event
from sessions_app import activities
from sessions_app.launch import launch_bot
from sessions_app.models import BotSession
from tests.sessions_app.conftest import wait_until


@pytest.fixture
def admin_client_(make_user):
    client = Client()
    client.force_login(make_user("root", staff=True, is_superuser=True))
    return client


def _session(user, **fields):
    fields.setdefault("bot_version", "1.0")
    fields.setdefault("platform", "linux")
    return BotSession.objects.create(user=user, **fields)


@pytest.mark.django_db
def test_admin_lists_filters_searches_and_stops(admin_client_, user, other_user):
    running = _session(user, status="running", platform="win32", current_activity="applying_jobs")
    done = _session(other_user, status="completed", platform="darwin")
    url = "/admin/sessions_app/botsession/"

    page = admin_client_.get(url)
    assert page.status_code == 200
    assert str(running.id) in page.content.decode() and str(done.id) in page.content.decode()
    html = page.content.decode()
    assert f'href="/admin/sessions_app/botsession/{running.id}/change/' in html
    assert "applying_jobs" in html and "win32" in html and "alice" in html and "bob" in html
    detail = admin_client_.get(f"{url}{running.id}/change/").content.decode()
    assert str(running.id) in detail and "applying_jobs" in detail and "win32" in detail
    by_status = admin_client_.get(url, {"status__exact": "running"}).content.decode()
    assert str(running.id) in by_status and str(done.id) not in by_status
    by_platform = admin_client_.get(url, {"platform__exact": "darwin"}).content.decode()
    assert str(done.id) in by_platform and str(running.id) not in by_platform
    by_user = admin_client_.get(url, {"user__id__exact": other_user.id}).content.decode()
    assert str(done.id) in by_user and str(running.id) not in by_user
    search = admin_client_.get(url, {"q": "bob"}).content.decode()
    assert str(done.id) in search and str(running.id) not in search

    response = admin_client_.post(url, {"action": "stop_sessions", "_selected_action": [running.id, done.id]})
    assert response.status_code == 302
    running.refresh_from_db()
    done.refresh_from_db()
    assert running.status == "stopped" and running.stopped_at is not None
    assert done.status == "completed"
    event = Event.objects.filter(user=user, type="bot.session_updated").latest("id")
    assert event.data["status"] == "stopped"


@pytest.mark.django_db
def test_staff_without_permission_cannot_stop(make_user, user):
    staff = make_user("viewer", staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_botsession"))
    client = Client()
    client.force_login(staff)
    running = _session(user, status="running")
    client.post("/admin/sessions_app/botsession/", {"action": "stop_sessions", "_selected_action": [running.id]})
    running.refresh_from_db()
    assert running.status == "running"


@pytest.mark.django_db
def test_page_needs_login(client):
    response = client.get("/autoapply/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_page_carries_the_registry_and_escapes_what_the_bot_sent(session_client, user, settings):
    settings.JOBELIX_DEMO_LAUNCH = False
    settings.JOBELIX_HOSTED_BOT = False
    _session(user, status="running", current_activity="</script><img src=x onerror=alert(1)>",
             activity_details={"company": "<b>Acme</b>"})
    html = session_client.get("/autoapply/").content.decode()
    for code, activity in activities.ACTIVITIES.items():
        assert code in html and activity.message in html
    assert "<img src=x" not in html and "<b>Acme</b>" not in html
    assert "\\u003C/script\\u003E\\u003Cimg" in html  # json_script's escaping
    assert 'id="bot-launch"' not in html  # launching is off here


@pytest.mark.django_db
def test_launch_is_refused_when_disabled_or_with_a_token(session_client, user, settings, make_token, api_client):
    settings.JOBELIX_DEMO_LAUNCH = False
    settings.JOBELIX_HOSTED_BOT = False
    csrf = session_client.get("/autoapply/").cookies["csrftoken"].value
    refused = session_client.post("/api/autoapply/bot/launch", {}, content_type="application/json",
                                  HTTP_X_CSRFTOKEN=csrf)
    assert refused.status_code == 403 and "JOBELIX_DEMO_LAUNCH" in refused.json()["error"]

    settings.JOBELIX_DEMO_LAUNCH = True
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user)}")
    # A token is no session: the launch endpoint reads only the session, so the request is anonymous
    # there, and session authentication (no WWW-Authenticate challenge) answers 403.
    refused = api_client.post("/api/autoapply/bot/launch", {}, format="json")
    assert refused.status_code == 403 and "error" in refused.json()
    assert not ApiToken.objects.filter(user=user, name__startswith="Launch").exists()


def test_launch_service_starts_the_command_detached_with_a_fresh_token(user, live, settings):
    settings.JOBELIX_DEMO_LAUNCH = True
    settings.JOBELIX_BOT_COMMAND = [sys.executable, "-m", "bot.simulate", "--pause", "0", "--jobs", "2"]
    settings.JOBELIX_SANDBOX_BOARD_URL = "http://127.0.0.1:9"
    launch = launch_bot(user, live.url + "/")

    token = ApiToken.objects.get(user=user, name=launch.token_name)
    assert token.scope == "bot" and launch.token_name.startswith("Launch ")
    assert all(token.prefix not in part for part in launch.command)  # the token is in its environment
    session = wait_until(lambda: BotSession.objects.filter(user=user, status="completed").first(), timeout=60,
                         message="the launched simulator to complete its run")
    assert session.token == token
    assert (session.jobs_found, session.jobs_applied) == (2, 2)
    assert Path(launch.log_path).exists() and ".jobelix" in str(launch.log_path)

    # While a bot runs, a second launch is refused (409), creating no token.
    _session(user, status="running", last_heartbeat_at=timezone.now())
    with pytest.raises(ApplicationError) as refused:
        launch_bot(user, live.url)
    assert refused.value.status == 409
    assert ApiToken.objects.filter(user=user, name__startswith="Launch").count() == 1
