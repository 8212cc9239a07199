"""The applications download: a user's applications with their status history, read a chunk at
a time from a server-side cursor (streamed by core.exports)."""
from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db.models import Prefetch

from core.wire import iso
from tracker.models import Application, ApplicationStatusChange

APPLICATION_EXPORT_HEADER = [
    "application_id", "company", "job_title", "job_url", "location", "status", "applied_at", "status_changed_at",
    "created_at", "match_score", "contact_name", "contact_email", "salary_expectation", "notes", "status_history",
]


def history_text(changes: list[ApplicationStatusChange]) -> str:
    """'2026-01-02T10:00:00.000Z saved | 2026-01-05T09:30:00.000Z saved -> applied' (oldest first)."""
    return " | ".join(
        f"{iso(c.changed_at)} {c.old_status + ' -> ' if c.old_status else ''}{c.new_status}" for c in changes
    )


def application_rows(user) -> Iterator[tuple]:
    """Only `user`'s applications, oldest first, each with its whole status history."""
    applications = (
        Application.objects.filter(user=user)
        .select_related("job")
        .prefetch_related(Prefetch("status_history", queryset=ApplicationStatusChange.objects.order_by("changed_at", "id")))
        .order_by("created_at", "id")
    )
    for app in applications.iterator(chunk_size=settings.EXPORT_CHUNK_ROWS):
        job = app.job
        yield (
            app.pk, job.company, job.job_title, job.job_url, job.location, app.status, app.applied_at,
            app.status_changed_at, app.created_at, job.match_score, app.contact_name, app.contact_email,
            app.salary_expectation, app.notes, history_text(list(app.status_history.all())),
        )
