"""What every app shares in the database: work to start after a commit (core.dispatch)."""
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DispatchIntent(models.Model):
    """A Celery task to send once the transaction that asked for it commits.

    Written in that transaction, so the work is on record even when the broker is
    down at commit time; `dispatched_at` is set when the broker took the message.
    Rows still undispatched are sent again by the `core.redispatch_pending` beat task.
    """

    task = models.CharField(max_length=200, help_text="The Celery task's name.")
    args = models.JSONField(default=list, help_text="Its positional arguments (ids: tasks take ids).")
    options = models.JSONField(default=dict, blank=True, help_text="apply_async options (task_id, queue).")
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            # The beat task: undispatched intents, oldest first (partial: sent rows stay out).
            models.Index(fields=["created_at"], name="dispatch_pending_created",
                         condition=Q(dispatched_at__isnull=True)),
            # The purge of sent intents.
            models.Index(fields=["dispatched_at"], name="dispatch_dispatched_at"),
        ]

    def __str__(self) -> str:
        state = "sent" if self.dispatched_at else f"pending after {self.attempts} attempts"
        return f"{self.task}{tuple(self.args)} ({state})"
