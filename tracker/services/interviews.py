"""Interviews and their reminders: interview.scheduled, interview.updated, interview.reminder."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import NotFound
from realtime import publish
from tracker import events
from tracker.models import Interview, InterviewReminder
from tracker.services._common import delete_owned, set_changed_fields
from tracker.services.applications import locked_application

REMINDER_OFFSETS = [  # smallest first: the one whose moment has come most recently wins
    (InterviewReminder.Kind.QUARTER, timedelta(minutes=15), "15 minutes"),
    (InterviewReminder.Kind.HOUR, timedelta(hours=1), "1 hour"),
    (InterviewReminder.Kind.DAY, timedelta(days=1), "1 day"),
]

INTERVIEW_FIELDS = ("interview_type", "scheduled_date", "duration_minutes", "location", "meeting_link", "notes",
                    "status")


def schedule_interview(user, application_id: int, **fields: Any) -> Interview:
    with transaction.atomic():
        app = locked_application(user, application_id)
        interview = Interview.objects.create(user=user, application=app,
                                             **{k: v for k, v in fields.items() if k in INTERVIEW_FIELDS})
        interview.application = app
        publish(user, "interviews", events.INTERVIEW_SCHEDULED, events.interview_scheduled(interview))
    return interview


def update_interview(user, interview_id: int, changes: dict[str, Any]) -> Interview:
    """Edit an interview -> interview.updated. A new scheduled_date re-arms its reminders
    (a reminder is unique per interview time, so the new time gets its own)."""
    with transaction.atomic():
        interview = (Interview.objects.select_for_update(of=("self",)).select_related("application__job")
                     .filter(user=user, pk=interview_id).first())
        if interview is None:
            raise NotFound("No such interview.")
        changed = set_changed_fields(interview, INTERVIEW_FIELDS, changes)
        if not changed:
            return interview
        interview.save(update_fields=changed + ["updated_at"])
        publish(user, "interviews", events.INTERVIEW_UPDATED, events.interview_updated(interview, changed))
    return interview


def delete_interview(user, interview_id: int) -> None:
    delete_owned(Interview, user, interview_id, "interview")


def send_interview_reminders(now: datetime | None = None) -> int:
    """Send the reminder whose moment has come (1 day, 1 hour, 15 minutes before) for
    every upcoming interview. Each goes out once: the InterviewReminder row and its
    event are written in one transaction, and the unique constraint turns a second
    beat, a retried task or a racing worker into a no-op. Returns how many were sent."""
    now = now or timezone.now()
    upcoming = (Interview.objects.filter(status=Interview.Status.SCHEDULED, scheduled_date__gt=now,
                                         scheduled_date__lte=now + REMINDER_OFFSETS[-1][1])
                .select_related("application__job", "user"))
    sent = 0
    for interview in upcoming:
        due = next(((kind, label) for kind, offset, label in REMINDER_OFFSETS
                    if interview.scheduled_date - offset <= now), None)
        if due is None:
            continue
        kind, label = due
        try:
            with transaction.atomic():
                InterviewReminder.objects.create(interview=interview, kind=kind,
                                                 scheduled_for=interview.scheduled_date, sent_at=now)
                publish(interview.user, "interviews", events.INTERVIEW_REMINDER,
                        events.interview_reminder(interview, label))
            sent += 1
        except IntegrityError:
            continue  # already sent by another beat/worker
    return sent
