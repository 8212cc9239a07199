"""Notifications: scrape runs that fail or end with errors, new postings matching a user,
bot sessions that fail or go stale; email (Django's locmem outbox here) and a Slack-compatible
webhook (a loopback receiver), each once per event, retried a bounded number of times."""
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from devtools.loopback import LoopbackServer, Reply, Request
from notifications import services as notifications
from notifications.models import NotificationSent, NotificationSettings
from notifications.tasks import deliver, notify_bot_session, notify_scrape_run
from scraping import services as scraping
from scraping.models import Company, CompanyScrape
from scraping.sources import NormalizedJob
from sessions_app import services as sessions
from tests.support import wait_until

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
PYTHON_JOB = ("We need a Backend Engineer with strong Python and Django. You will work with PostgreSQL, "
              "Redis and Celery. 3+ years of experience.")
NURSE_JOB = "We need a nurse with 10 years of experience in pediatric care and Salesforce, SAP, COBOL."


class Receiver:
    """A webhook endpoint on loopback: answers with the next planned status (then 200) and keeps what it got."""

    def __init__(self, statuses: list[int] | None = None):
        self.statuses = list(statuses or [])
        self.server = LoopbackServer(self.handle)

    def handle(self, request: Request) -> Reply:
        status = self.statuses.pop(0) if self.statuses else 200
        return Reply.text("ok" if status == 200 else "no", status)

    @property
    def texts(self) -> list[str]:
        return [r.json()["text"] for r in self.server.requests if r.method == "POST"]

    @property
    def url(self) -> str:
        return f"{self.server.url}/hooks/T000/B000/xyz"


@pytest.fixture
def receiver():
    hook = Receiver()
    with hook.server:
        yield hook


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.EMAIL_BACKEND = LOCMEM
    settings.NOTIFICATIONS_RETRY_SECONDS = 0


def listen(user, *, email=True, webhook="", **flags) -> NotificationSettings:
    return notifications.save_settings(user, {"email_enabled": email, "webhook_url": webhook, **flags})


def failed_run(error="Timed out after 300 s; what was scraped by then is saved."):
    Company.objects.create(name="Acme", source="lever", board_token="acme")
    run = scraping.start_run(None)
    scraping.claim_run(run.pk)
    return scraping.finish_run(run.pk, "failed", error)


def completed_run(jobs_by_company: dict[str, list[NormalizedJob]], failing: dict[str, str] | None = None):
    for name in [*jobs_by_company, *(failing or {})]:
        Company.objects.create(name=name, source="lever", board_token=name.lower())
    run = scraping.start_run(None)
    scraping.claim_run(run.pk)
    for cs in CompanyScrape.objects.filter(run=run).select_related("company"):
        scraping.mark_company_running(cs.pk)
        if cs.company.name in (failing or {}):
            scraping.record_company_failure(cs.pk, "failed", failing[cs.company.name], 0.2)
        else:
            scraping.record_company_jobs(cs.pk, jobs_by_company[cs.company.name], 0.2)
    return scraping.finish_run(run.pk, "completed")


def deliver_all() -> None:
    for pk in NotificationSent.objects.values_list("pk", flat=True):
        deliver(pk)  # the task body, as a worker runs it


@pytest.mark.django_db
def test_a_failed_run_is_sent_to_staff_by_email_and_webhook_once(make_user, staff_user, receiver):
    listen(staff_user, webhook=receiver.url)
    listen(make_user("quiet", staff=True), email=False)  # staff with no channel on: nothing
    listen(make_user("seeker"), scrape_problems=True)  # not staff: never told about scraping
    run = failed_run()
    assert notify_scrape_run(run.pk) == 1
    deliver_all()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["staff@example.com"] and message.subject == f"[Jobelix] Scrape run #{run.pk} failed"
    assert "Timed out after 300 s" in message.body and "/scraping/" in message.body
    assert len(receiver.texts) == 1 and f"Scrape run #{run.pk} failed: Timed out" in receiver.texts[0]
    assert receiver.server.requests[0].headers["Content-Type"] == "application/json"
    sent = NotificationSent.objects.get()
    assert (sent.kind, sent.object_key, sent.attempts) == ("scrape_failed", f"run:{run.pk}", 1)
    assert sent.email_sent_at and sent.webhook_sent_at
    # The same event again (a redelivered task, a second worker): nothing more goes out.
    assert notify_scrape_run(run.pk) == 0
    deliver_all()
    assert len(mail.outbox) == 1 and len(receiver.texts) == 1


@pytest.mark.django_db
def test_a_run_that_ends_with_errors_names_the_failing_companies(staff_user):
    listen(staff_user)
    run = completed_run({"Fine": [NormalizedJob("1", "Clerk")]}, failing={"Broken": "HTTP 503 from the board"})
    assert run.status == "completed"
    notify_scrape_run(run.pk)
    sent = NotificationSent.objects.get()
    assert sent.kind == "scrape_errors" and "Broken (HTTP 503 from the board)" in sent.text
    assert "1 of 2 companies failed" in sent.text


@pytest.mark.django_db
def test_new_postings_are_sent_to_users_they_match_above_their_threshold(make_user, receiver):
    from accounts.models import Profile

    profile = {"skills": ["Python", "Django", "PostgreSQL", "Redis", "Celery"],
               "desired_titles": ["Backend Engineer"], "locations": ["Berlin"], "years_experience": 5}
    alice, carol, dave = make_user("alice"), make_user("carol"), make_user("dave")
    for user in (alice, carol, dave):
        Profile.objects.create(user=user, **profile)
    listen(alice, email=False, webhook=receiver.url, min_match_score=70)
    listen(carol, email=True, min_match_score=100, new_matches=False)  # turned off
    listen(dave, email=False)  # no channel: nothing
    run = completed_run({"<!channel> Py & Co": [
        NormalizedJob("b1", "Senior Backend Engineer", location="Berlin", description=PYTHON_JOB,
                      url="https://jobs.example/b1"),
        NormalizedJob("n1", "Pediatric Nurse", location="Tokyo", description=NURSE_JOB),
    ]})
    assert run.jobs_new == 2
    assert notify_scrape_run(run.pk) == 1
    deliver_all()
    assert mail.outbox == [] and len(receiver.texts) == 1
    text = receiver.texts[0]
    assert text.startswith("1 new posting match your profile (score at least 70)")
    # Scraped names are text for Slack, never markup (no @channel ping, no link syntax).
    assert "Senior Backend Engineer at &lt;!channel&gt; Py &amp; Co (100) https://jobs.example/b1" in text
    assert "Nurse" not in text
    assert NotificationSent.objects.get().user == alice


@pytest.mark.django_db
def test_a_webhook_that_fails_is_retried_without_sending_the_email_twice(staff_user):
    flaky = Receiver([500])
    with flaky.server:
        listen(staff_user, webhook=flaky.url)
        notify_scrape_run(failed_run().pk)
        sent = NotificationSent.objects.get()
        with pytest.raises(notifications.DeliveryFailed, match="HTTP 500"):
            notifications.deliver(sent.pk)
        sent.refresh_from_db()
        assert sent.email_sent_at and sent.webhook_sent_at is None and "HTTP 500" in sent.last_error
        assert notifications.deliver(sent.pk) is True
        sent.refresh_from_db()
        assert sent.webhook_sent_at and sent.attempts == 2 and sent.last_error == ""
        assert len(mail.outbox) == 1 and len(flaky.texts) == 2


@pytest.mark.django_db
def test_delivery_retries_are_bounded(settings, staff_user):
    settings.NOTIFICATIONS_MAX_RETRIES = 2
    down = Receiver([503] * 10)
    with down.server:
        listen(staff_user, email=False, webhook=down.url)
        notify_scrape_run(failed_run().pk)
        sent = NotificationSent.objects.get()
        result = deliver.apply(args=(sent.pk,))  # the task with its retries, run here
        assert result.failed()
        assert len(down.texts) == 3  # the first try and two retries, then it gives up
        sent.refresh_from_db()
        assert sent.attempts == 3 and sent.webhook_sent_at is None and "HTTP 503" in sent.last_error


@pytest.mark.django_db
def test_a_stale_session_is_sent_to_its_owner_and_staff_who_follow_every_session(make_user, staff_user, receiver):
    owner = make_user("botowner")
    listen(owner, webhook=receiver.url)
    listen(staff_user, email=False, webhook=receiver.url, all_bot_sessions=True)
    listen(make_user("boss", staff=True))  # staff who do not follow every session
    session = sessions.start_session(owner, "1.0", "linux")
    assert sessions.reap_stale_sessions(timezone.now() + timedelta(hours=1)) == 1
    assert notify_bot_session(str(session.pk)) == 2
    assert notify_bot_session(str(session.pk)) == 0
    deliver_all()
    assert [m.to for m in mail.outbox] == [["botowner@example.com"]]
    assert mail.outbox[0].subject == "[Jobelix] Bot session of botowner went stale"
    assert len(receiver.texts) == 2 and all("No heartbeat from the bot" in t for t in receiver.texts)
    assert set(NotificationSent.objects.values_list("kind", flat=True)) == {"bot_session_stale"}


@pytest.mark.django_db(transaction=True)
def test_a_failed_bot_session_reaches_email_and_webhook_through_a_real_worker(
    make_user, receiver, start_celery, settings, tmp_path
):
    """sessions_app's service calls the hook; a Celery worker (our settings: file mail, our queue)
    decides, records and delivers."""
    queue = f"notifications-test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    start_celery(CELERY_WORKER_QUEUES=queue, NOTIFICATIONS_QUEUE=queue, NOTIFICATIONS_RETRY_SECONDS=1,
                 EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=mail_dir)
    settings.NOTIFICATIONS_QUEUE = queue
    owner = make_user("runner")
    listen(owner, webhook=receiver.url)
    session = sessions.start_session(owner, "1.0", "linux")
    sessions.complete_session(owner, session.pk, False, "Chromium crashed", None)
    wait_until(lambda: receiver.texts, timeout=30, message="the webhook POST")
    assert receiver.texts == [
        "Bot session of runner failed: Chromium crashed (applied 0, failed 0).\nhttp://127.0.0.1:8000/autoapply/"]
    emails = wait_until(lambda: list(mail_dir.glob("*.log")), timeout=15, message="the email file")
    content = emails[0].read_text()
    assert "Subject: [Jobelix] Bot session of runner failed" in content and "To: runner@example.com" in content
    sent = wait_until(lambda: NotificationSent.objects.filter(email_sent_at__isnull=False,
                                                              webhook_sent_at__isnull=False).first(), timeout=10)
    assert sent.kind == "bot_session_failed" and sent.object_key == f"session:{session.pk}"


@pytest.mark.django_db
def test_settings_are_on_the_profile_page_and_staff_only_choices_stay_staff_only(client, user, staff_user):
    client.force_login(user)
    page = client.get("/profile/").content.decode()
    assert 'id="notification-settings"' in page and 'name="webhook_url"' in page
    assert 'name="scrape_problems"' not in page and 'name="all_bot_sessions"' not in page
    response = client.post("/notifications/settings", {
        "email_enabled": "on", "webhook_url": "https://hooks.example/T/B/x", "new_matches": "on",
        "min_match_score": "65", "bot_sessions": "on", "scrape_problems": "on", "all_bot_sessions": "on",
    }, follow=True)
    assert "Notification settings saved." in response.content.decode()
    row = NotificationSettings.objects.get(user=user)
    assert row.email_enabled and row.webhook_url == "https://hooks.example/T/B/x" and row.min_match_score == 65
    assert not row.scrape_problems and not row.all_bot_sessions  # not staff: never on
    for bad in ({"webhook_url": "javascript:alert(1)"}, {"webhook_url": "ftp://files.example/x"},
                {"min_match_score": "101"}):
        response = client.post("/notifications/settings", {"min_match_score": "50", **bad}, follow=True)
        assert "Notification settings not saved" in response.content.decode(), bad
    assert NotificationSettings.objects.get(user=user).min_match_score == 65
    client.force_login(staff_user)
    page = client.get("/profile/").content.decode()
    assert 'name="scrape_problems"' in page and 'name="all_bot_sessions"' in page


@pytest.mark.django_db
def test_a_webhook_to_an_inside_address_is_refused_without_connecting(settings, staff_user, receiver):
    """Users type the webhook URL: it goes through the outgoing guard like every fetch of the outside world."""
    settings.OUTGOING_ALLOW_LOOPBACK = False
    listen(staff_user, email=False, webhook=receiver.url)  # a loopback listener: must get nothing
    notify_scrape_run(failed_run().pk)
    with pytest.raises(notifications.DeliveryFailed):  # the task retries, a bounded number of times
        deliver_all()
    sent = NotificationSent.objects.get()
    assert sent.webhook_sent_at is None and receiver.server.requests == []
    assert "address Jobelix does not send to" in sent.last_error and "127.0.0.1" not in sent.last_error
