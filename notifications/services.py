"""Notifications: what happened (a scrape run failed or ended with errors, new postings match
a user, a bot session failed or went stale), who wants to hear about it, and delivery.

Other apps call the hooks (`scrape_run_ended`, `bot_session_changed`); they queue a Celery
task after commit, which decides the recipients and records one NotificationSent per user
and event (the unique constraint makes it once), then queues its delivery: email through
Django's mail backend and a Slack-compatible webhook ({"text": ...}), each at most once,
retried a bounded number of times (notifications.tasks.deliver).
"""
from __future__ import annotations

import logging
from functools import partial
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.errors import ApplicationError
from core.net import OutgoingAddressRefused, OutgoingPolicy, guarded_client
from notifications.models import NotificationSent, NotificationSettings

logger = logging.getLogger(__name__)

Kind = NotificationSent.Kind
# New postings scored per run for the "new matches" notification (the rest are counted, not scored).
MAX_POSTINGS_SCORED = 2000
# Matching postings listed in one message.
MAX_LISTED = 10
STAFF_ONLY_FIELDS = ("scrape_problems", "all_bot_sessions")


class DeliveryFailed(ApplicationError):
    """A channel of a notification could not be delivered (the task retries it)."""

    status = 502
    code = "delivery_failed"


# ---- settings (the profile page) -----------------------------------------------------------

def settings_for(user) -> NotificationSettings:
    """The user's settings row (made with the defaults the first time: every channel off)."""
    row, _ = NotificationSettings.objects.get_or_create(user=user)
    return row


def save_settings(user, values: dict[str, Any]) -> NotificationSettings:
    """Change the user's settings; the staff-only choices are kept off for other users."""
    row = settings_for(user)
    for name, value in values.items():
        setattr(row, name, value)
    if not user.is_staff:
        for name in STAFF_ONLY_FIELDS:
            setattr(row, name, False)
    row.full_clean()
    row.save()
    return row


def _reachable() -> QuerySet[NotificationSettings]:
    """Settings of active users with at least one channel on."""
    return NotificationSettings.objects.filter(user__is_active=True).filter(
        (Q(email_enabled=True) & ~Q(user__email="")) | ~Q(webhook_url="")
    ).select_related("user")


# ---- hooks other apps call ------------------------------------------------------------------

def scrape_run_ended(run_id: int) -> None:
    """A scrape run ended (its task returned): notify about its outcome after commit."""
    from notifications.tasks import notify_scrape_run

    transaction.on_commit(partial(_queue, notify_scrape_run, run_id))


def bot_session_changed(session: Any) -> None:
    """Called by sessions_app's services on every session write (inside its transaction):
    a session that failed or went stale is notified after commit."""
    from notifications.tasks import notify_bot_session
    from sessions_app.models import BotSession

    if session.status in (BotSession.Status.FAILED, BotSession.Status.STALE):
        transaction.on_commit(partial(_queue, notify_bot_session, str(session.pk)))


def _queue(task: Any, *args: Any) -> None:
    """Send the task unless nobody could be told anything; a broker outage is logged, not raised
    (the write that caused it has committed)."""
    if not _reachable().exists():
        return
    try:
        task.apply_async(args=args, **_queue_options())
    except Exception as exc:
        logger.warning("could not queue %s%r: %s", task.name, args, exc)


def _queue_options() -> dict[str, Any]:
    return {"queue": settings.NOTIFICATIONS_QUEUE} if settings.NOTIFICATIONS_QUEUE else {}


# ---- deciding who hears what (task bodies) ---------------------------------------------------

def notify_scrape_run(run_id: int) -> int:
    """Record the notifications of an ended run: to staff when it failed or ended with
    errors, to each user for whom new postings score at or above their threshold.
    Returns how many were recorded (0 when run again: once per event)."""
    from scraping.models import CompanyScrape, ScrapeRun

    run = ScrapeRun.objects.filter(pk=run_id).first()
    if run is None or run.status in ScrapeRun.ACTIVE_STATUSES:
        return 0
    recorded = 0
    link = f"{settings.NOTIFICATIONS_SITE_URL}/scraping/"
    failed = CompanyScrape.objects.filter(run=run, status=CompanyScrape.Status.FAILED).select_related("company")
    problem: tuple[str, str, str] | None = None
    if run.status == ScrapeRun.Status.FAILED:
        problem = (Kind.SCRAPE_FAILED, f"Scrape run #{run.pk} failed",
                   f"Scrape run #{run.pk} failed: {run.error or run.current_stage}")
    elif run.status == ScrapeRun.Status.COMPLETED and failed.exists():
        names = ", ".join(f"{cs.company.name} ({cs.error[:120]})" for cs in failed[:MAX_LISTED])
        problem = (Kind.SCRAPE_ERRORS, f"Scrape run #{run.pk} finished with errors",
                   f"Scrape run #{run.pk} finished with errors: {run.error} {names}")
    if problem is not None:
        kind, subject, text = problem
        for row in _reachable().filter(user__is_staff=True, scrape_problems=True):
            recorded += _record(row, kind, f"run:{run.pk}", subject, f"{text}\n{link}")
    if run.jobs_new:
        recorded += _notify_new_matches(run)
    return recorded


def _notify_new_matches(run: Any) -> int:
    from scraping.models import CompanyScrape, JobPosting
    from tracker.analysis import JobRequirements, score_job
    from tracker.models import PostingAnalysis
    from tracker.services import refresh_posting_analyses
    from tracker.services.jobs import candidate_profile
    from tracker.services.recommendations import _posting_location  # the location the recommendations score

    readers = list(_reachable().filter(new_matches=True))
    if not readers or run.started_at is None:
        return 0
    postings = list(
        JobPosting.objects.filter(
            company_id__in=CompanyScrape.objects.filter(run=run).values("company_id"),
            first_seen__gte=run.started_at, first_seen__lte=run.ended_at or timezone.now(), active=True,
        ).select_related("company").order_by("id")[:MAX_POSTINGS_SCORED]
    )
    if not postings:
        return 0
    refresh_posting_analyses([p.pk for p in postings])
    requirements = dict(
        PostingAnalysis.objects.filter(posting_id__in=[p.pk for p in postings]).values_list("posting_id", "requirements")
    )
    recorded = 0
    for row in readers:
        profile = candidate_profile(row.user)
        matches = []
        for posting in postings:
            if posting.pk not in requirements:
                continue
            scored = score_job(JobRequirements.from_dict(requirements[posting.pk]), posting.title,
                               _posting_location(posting), profile)
            if scored.match_score >= row.min_match_score:
                matches.append((scored.match_score, posting))
        if not matches:
            continue
        matches.sort(key=lambda item: (-item[0], item[1].pk))
        lines = [f"- {p.title} at {p.company.name} ({score:.0f}){' ' + p.url if p.url else ''}"
                 for score, p in matches[:MAX_LISTED]]
        more = f"\n…and {len(matches) - MAX_LISTED} more." if len(matches) > MAX_LISTED else ""
        subject = f"{len(matches)} new posting{'s' if len(matches) != 1 else ''} match your profile"
        text = (f"{subject} (score at least {row.min_match_score}), found by scrape run #{run.pk}:\n"
                + "\n".join(lines) + more + f"\n{settings.NOTIFICATIONS_SITE_URL}/recommendations/")
        recorded += _record(row, Kind.NEW_MATCHES, f"run:{run.pk}", subject, text)
    return recorded


def notify_bot_session(session_id: str) -> int:
    """Record the notifications of a failed or stale bot session: to its owner, and to
    staff who follow every session. Returns how many were recorded."""
    from sessions_app.models import BotSession

    session = BotSession.objects.select_related("user").filter(pk=session_id).first()
    if session is None or session.status not in (BotSession.Status.FAILED, BotSession.Status.STALE):
        return 0
    failed = session.status == BotSession.Status.FAILED
    kind = Kind.BOT_SESSION_FAILED if failed else Kind.BOT_SESSION_STALE
    subject = f"Bot session of {session.user.username} {'failed' if failed else 'went stale'}"
    text = (f"{subject}: {session.error_message or 'no reason given'} "
            f"(applied {session.jobs_applied}, failed {session.jobs_failed}).\n"
            f"{settings.NOTIFICATIONS_SITE_URL}/autoapply/")
    rows = _reachable().filter(
        Q(user=session.user, bot_sessions=True) | Q(user__is_staff=True, all_bot_sessions=True)
    )
    return sum(_record(row, kind, f"session:{session.pk}", subject, text) for row in rows)


def _record(row: NotificationSettings, kind: str, key: str, subject: str, text: str) -> int:
    """Record one notification (1) and queue its delivery after commit; 0 if it was recorded before."""
    from notifications.tasks import deliver

    email = row.user.email if row.email_enabled else ""
    try:
        with transaction.atomic():
            sent = NotificationSent.objects.create(
                user=row.user, kind=kind, object_key=key, subject=subject[:200], text=text,
                email_to=email, webhook_url=row.webhook_url,
            )
    except IntegrityError:
        return 0
    transaction.on_commit(partial(_queue_delivery, deliver, sent.pk))
    return 1


def _queue_delivery(task: Any, notification_id: int) -> None:
    try:
        task.apply_async(args=(notification_id,), **_queue_options())
    except Exception as exc:  # the broker is down: the row stays undelivered (last_error says nothing sent)
        logger.warning("could not queue delivery of notification %s: %s", notification_id, exc)


# ---- delivery ------------------------------------------------------------------------------

def deliver(notification_id: int) -> bool:
    """Send what is not sent yet of one notification (email, webhook), each at most once.

    The row is locked while sending, so two workers never both send it (the second skips).
    Returns True when everything is delivered; raises DeliveryFailed (after saving what did
    go out) so the task retries the rest.
    """
    errors: list[str] = []
    with transaction.atomic():
        sent = NotificationSent.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
        if sent is None:
            return True  # gone, or another worker is delivering it right now
        if sent.delivered:
            return True
        sent.attempts += 1
        if sent.email_to and sent.email_sent_at is None:
            try:
                send_mail(f"[Jobelix] {sent.subject}", sent.text, settings.DEFAULT_FROM_EMAIL, [sent.email_to])
                sent.email_sent_at = timezone.now()
            except Exception as exc:  # SMTP refusals, timeouts, DNS...: retried
                errors.append(f"email: {type(exc).__name__}: {exc}")
        if sent.webhook_url and sent.webhook_sent_at is None:
            try:
                post_webhook(sent.webhook_url, sent.text)
                sent.webhook_sent_at = timezone.now()
            except DeliveryFailed as exc:
                errors.append(f"webhook: {exc.message}")
        sent.last_error = "; ".join(errors)[:2000]
        sent.save(update_fields=["attempts", "email_sent_at", "webhook_sent_at", "last_error"])
    if errors:
        raise DeliveryFailed(f"Notification {notification_id} not fully delivered: {'; '.join(errors)}")
    return True


def slack_text(text: str) -> str:
    """Scraped titles and names are hostile: escape what Slack reads as markup (links, <!channel>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def post_webhook(url: str, text: str) -> None:
    """POST {"text": text} (Slack's incoming-webhook shape, escaped); anything but a 2xx is a failure.

    Users type the webhook URL, so it goes through core.net's outgoing guard (no loopback,
    private or metadata address unless OUTGOING_ALLOW_LOOPBACK), with a timeout and no
    redirects followed; the reply body is never read.
    """
    try:
        with guarded_client(OutgoingPolicy.from_settings(), max_redirects=0,
                            timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT, follow_redirects=False,
                            headers={"User-Agent": "Jobelix notifications"}) as client:
            response = client.post(url, json={"text": slack_text(text)})
    except OutgoingAddressRefused:
        raise DeliveryFailed("the webhook URL leads to an address Jobelix does not send to") from None
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code} from the webhook")

