"""Follow-ups: followup.sent, followup.due."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import NotFound
from realtime import publish
from tracker import events
from tracker.models import FollowUp
from tracker.services._common import delete_owned, set_changed_fields
from tracker.services.applications import locked_application

FOLLOWUP_FIELDS = ("followup_type", "scheduled_date", "notes")


def create_followup(user, application_id: int, **fields: Any) -> FollowUp:
    with transaction.atomic():
        app = locked_application(user, application_id)
        followup = FollowUp.objects.create(user=user, application=app,
                                           **{k: v for k, v in fields.items() if k in FOLLOWUP_FIELDS})
    return followup


def update_followup(user, followup_id: int, changes: dict[str, Any]) -> FollowUp:
    """Edit a follow-up; `sent: true` marks it sent. Rescheduling re-arms followup.due."""
    changes = dict(changes)
    mark_sent = changes.pop("sent", None)
    with transaction.atomic():
        followup = FollowUp.objects.select_for_update().filter(user=user, pk=followup_id).first()
        if followup is None:
            raise NotFound("No such follow-up.")
        changed = set_changed_fields(followup, FOLLOWUP_FIELDS, changes)
        if "scheduled_date" in changed:
            followup.due_notified_at = None
            changed.append("due_notified_at")
        if changed:
            followup.save(update_fields=changed + ["updated_at"])
    if mark_sent:
        return mark_followup_sent(user, followup_id)
    return followup


def mark_followup_sent(user, followup_id: int) -> FollowUp:
    """Mark a follow-up sent -> followup.sent (once: a second call changes nothing)."""
    with transaction.atomic():
        now = timezone.now()
        updated = FollowUp.objects.filter(user=user, pk=followup_id, sent=False).update(sent=True, sent_at=now,
                                                                                        updated_at=now)
        followup = FollowUp.objects.select_related("application__job").filter(user=user, pk=followup_id).first()
        if followup is None:
            raise NotFound("No such follow-up.")
        if updated:
            publish(user, "followups", events.FOLLOWUP_SENT, events.followup_sent(followup, now))
    return followup


def delete_followup(user, followup_id: int) -> None:
    delete_owned(FollowUp, user, followup_id, "follow-up")


def send_followup_due(now: datetime | None = None) -> int:
    """followup.due once for each unsent follow-up due within TRACKER_FOLLOWUP_DUE_HOURS.
    The conditional UPDATE (due_notified_at IS NULL) is the once-only guarantee."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.TRACKER_FOLLOWUP_DUE_HOURS)
    candidates = FollowUp.objects.filter(sent=False, due_notified_at__isnull=True, scheduled_date__lte=horizon)
    sent = 0
    for followup_id in candidates.values_list("id", flat=True):
        with transaction.atomic():
            claimed = FollowUp.objects.filter(pk=followup_id, sent=False, due_notified_at__isnull=True).update(
                due_notified_at=now)
            if not claimed:
                continue
            followup = FollowUp.objects.select_related("application__job", "user").get(pk=followup_id)
            hours = max(0, round((followup.scheduled_date - now).total_seconds() / 3600))
            publish(followup.user, "followups", events.FOLLOWUP_DUE, events.followup_due(followup, hours))
            sent += 1
    return sent
