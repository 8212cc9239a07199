"""Applications and their status history: application.updated, application.status_changed."""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, Conflict, NotFound
from realtime import publish
from tracker import events
from tracker.models import Application, ApplicationStatusChange, Job
from tracker.services._common import delete_owned, set_changed_fields

EDITABLE_APPLICATION_FIELDS = ("notes", "contact_name", "contact_email", "salary_expectation")


def _check_status(status: str) -> None:
    if status not in Application.Status.values:
        raise ApplicationError(f"Unknown status {status!r}.", allowed=Application.Status.values)


def create_application(user, job_id: int, status: str = Application.Status.SAVED, notes: str = "") -> Application:
    """Start tracking an application for one of the user's jobs (one per job: 409 otherwise)."""
    _check_status(status)
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(user=user, pk=job_id).first()
        if job is None:
            raise NotFound("No such job.")
        existing = Application.objects.filter(job=job).first()
        if existing:
            raise Conflict("This job already has an application.", application_id=existing.id)
        now = timezone.now()
        app = Application.objects.create(
            user=user, job=job, status=status, notes=notes or "", status_changed_at=now,
            applied_at=now if status == Application.Status.APPLIED else None,
        )
        ApplicationStatusChange.objects.create(application=app, old_status="", new_status=status, changed_at=now)
        publish(user, "applications", events.APPLICATION_UPDATED, events.application_updated(app, ["created"], now))
    return app


def locked_application(user, application_id: int) -> Application:
    """One of the user's applications, locked for this transaction (404 if not theirs)."""
    app = (Application.objects.select_for_update(of=("self",)).select_related("job")
           .filter(user=user, pk=application_id).first())
    if app is None:
        raise NotFound("No such application.")
    return app


def change_status(user, application_id: int, new_status: str) -> Application:
    """Move an application to a new status: history row + application.status_changed."""
    _check_status(new_status)
    with transaction.atomic():
        app = locked_application(user, application_id)
        old_status = app.status
        if old_status == new_status:
            return app
        now = timezone.now()
        app.status = new_status
        app.status_changed_at = now
        fields = ["status", "status_changed_at", "updated_at"]
        if new_status == Application.Status.APPLIED:
            app.applied_at = now
            fields.append("applied_at")
        app.save(update_fields=fields)
        ApplicationStatusChange.objects.create(application=app, old_status=old_status, new_status=new_status,
                                               changed_at=now)
        publish(user, "applications", events.APPLICATION_STATUS_CHANGED,
                events.application_status_changed(app, old_status, now))
    return app


def update_application(user, application_id: int, changes: dict[str, Any]) -> Application:
    """Edit an application's details -> application.updated (a status in the edit is a status change)."""
    changes = dict(changes)
    status = changes.pop("status", None)
    if status is not None:
        change_status(user, application_id, status)
    with transaction.atomic():
        app = locked_application(user, application_id)
        changed = set_changed_fields(app, EDITABLE_APPLICATION_FIELDS, changes)
        if not changed:
            return app
        app.save(update_fields=changed + ["updated_at"])
        publish(user, "applications", events.APPLICATION_UPDATED,
                events.application_updated(app, changed, timezone.now()))
    return app


def delete_application(user, application_id: int) -> None:
    delete_owned(Application, user, application_id, "application")


def record_sent_application(user, job_id: int, *, confirmation: str = "", screenshot: str = "") -> Application:
    """The apply pipeline sent an application for this job: it lands on the board as applied (a saved one is
    moved there) with the board's confirmation text and the sent form's screenshot."""
    with transaction.atomic():
        app = Application.objects.filter(user=user, job_id=job_id).first()
        if app is None:
            app = create_application(user, job_id, Application.Status.APPLIED, notes="Sent by the apply pipeline.")
        elif app.status == Application.Status.SAVED:
            change_status(user, app.id, Application.Status.APPLIED)
        app = locked_application(user, app.id)
        app.confirmation, app.screenshot = confirmation[:5000], screenshot
        app.save(update_fields=["confirmation", "screenshot", "updated_at"])
        publish(user, "applications", events.APPLICATION_UPDATED,
                events.application_updated(app, ["confirmation", "screenshot"], timezone.now()))
    return app
