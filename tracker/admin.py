"""Tracker admin. Every write goes through tracker.services, so a staff edit does
what the same edit does in the app: a status change writes its history row and
application.status_changed, a rescheduled interview publishes interview.updated
(its reminders follow the new time), a rescheduled follow-up re-arms followup.due.
Rows the services compute (history, reminders, analyses, recommendations) are
read-only here."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from tracker import services
from tracker.forms import URLField
from tracker.models import (
    Application,
    ApplicationStatusChange,
    FollowUp,
    Interview,
    InterviewReminder,
    Job,
    PostingAnalysis,
    Recommendation,
    SkillGap,
)
from tracker.services.applications import EDITABLE_APPLICATION_FIELDS
from tracker.services.followups import FOLLOWUP_FIELDS
from tracker.services.interviews import INTERVIEW_FIELDS


class ReadOnlyAdmin(admin.ModelAdmin):
    """Computed by the services: staff may look, not add or edit. (Deleting stays allowed:
    deleting a job or an application through its service-backed admin cascades to these.)"""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAdmin(admin.ModelAdmin):
    """Saves and deletes through the services; subclasses say which service does what."""

    delete_service: Callable[..., None]
    created_only: tuple[str, ...] = ()  # chosen when adding, fixed afterwards
    formfield_overrides = {models.URLField: {"form_class": URLField}}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.readonly_fields) + (list(self.created_only) if obj is not None else [])

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            self.update(obj, {name: form.cleaned_data[name] for name in form.changed_data})
        else:
            obj.pk = self.create(obj, form.cleaned_data).pk

    def create(self, obj: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update(self, obj: Any, changes: dict[str, Any]) -> None:
        raise NotImplementedError

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        type(self).delete_service(obj.user, obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


def _pick(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}


# ---------------------------------------------------------------- jobs

@admin.register(Job)
class JobAdmin(ServiceAdmin):
    """Added through services.create_job (job.created + analysis); afterwards only re-analysed."""

    list_display = ["id", "job_title", "company", "user", "match_score", "recommendation", "analysis_status",
                    "source", "created_at"]
    list_filter = ["analysis_status", "recommendation", "source"]
    search_fields = ["job_title", "company", "job_url", "user__username"]
    raw_id_fields = ["user", "posting"]
    fields = ["user", "company", "job_title", "job_description", "job_url", "location", "source", "posting",
              "application_link", "analysis_status", "match_score", "recommendation", "analysis", "analysis_error",
              "analyzed_at", "created_at", "updated_at"]
    readonly_fields = ["application_link", "analysis_status", "match_score", "recommendation", "analysis",
                       "analysis_error", "analyzed_at", "created_at", "updated_at"]
    created_only = ("user", "company", "job_title", "job_description", "job_url", "location", "source", "posting")
    actions = ["analyse_again"]
    delete_service = services.delete_job

    def create(self, obj: Job, data: dict[str, Any]) -> Job:
        job, _ = services.create_job(obj.user, **_pick(data, (
            "company", "job_title", "job_description", "job_url", "location", "source", "posting")))
        return job

    def update(self, obj: Job, changes: dict[str, Any]) -> None:
        """Nothing is editable once added (the analysis fields are the service's)."""

    @admin.display(description="Application")
    def application_link(self, job: Job) -> str:
        app = getattr(job, "application", None)
        if app is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:tracker_application_change", args=[app.pk]),
                           app.get_status_display())

    @admin.action(description="Analyse again")
    def analyse_again(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        for job in queryset:
            services.request_analysis(job.user, job.pk)
        messages.success(request, f"{queryset.count()} job(s) queued for analysis.")


# ---------------------------------------------------------------- applications

@admin.register(Application)
class ApplicationAdmin(ServiceAdmin):
    """A status change here is services.change_status: history row + application.status_changed."""

    list_display = ["id", "job", "user", "status", "applied_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["job__job_title", "job__company", "user__username"]
    raw_id_fields = ["job"]
    fields = ["user", "job", "status", *EDITABLE_APPLICATION_FIELDS, "applied_at", "status_changed_at",
              "status_history_list"]
    readonly_fields = ["user", "applied_at", "status_changed_at", "status_history_list"]
    created_only = ("job",)
    delete_service = services.delete_application

    def create(self, obj: Application, data: dict[str, Any]) -> Application:
        user = obj.job.user
        app = services.create_application(user, obj.job_id, data["status"], data.get("notes", ""))
        services.update_application(user, app.pk, _pick(data, EDITABLE_APPLICATION_FIELDS))
        return app

    def update(self, obj: Application, changes: dict[str, Any]) -> None:
        services.update_application(obj.user, obj.pk, _pick(changes, ("status", *EDITABLE_APPLICATION_FIELDS)))

    @admin.display(description="Status history")
    def status_history_list(self, app: Application) -> str:
        rows = app.status_history.all() if app.pk else []
        return format_html_join("", "<div>{} → {} ({})</div>",
                                ((c.old_status or "—", c.new_status, c.changed_at) for c in rows)) or "—"


@admin.register(ApplicationStatusChange)
class ApplicationStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["application", "old_status", "new_status", "changed_at"]
    list_filter = ["new_status"]


# ---------------------------------------------------------------- interviews

@admin.register(Interview)
class InterviewAdmin(ServiceAdmin):
    """Edits are services.update_interview: interview.updated; a new time gets its own reminders."""

    list_display = ["id", "application", "user", "interview_type", "scheduled_date", "status"]
    list_filter = ["interview_type", "status"]
    search_fields = ["application__job__company", "user__username"]
    raw_id_fields = ["application"]
    fields = ["user", "application", *INTERVIEW_FIELDS, "reminders_sent"]
    readonly_fields = ["user", "reminders_sent"]
    created_only = ("application",)
    delete_service = services.delete_interview

    def create(self, obj: Interview, data: dict[str, Any]) -> Interview:
        return services.schedule_interview(obj.application.user, obj.application_id, **_pick(data, INTERVIEW_FIELDS))

    def update(self, obj: Interview, changes: dict[str, Any]) -> None:
        services.update_interview(obj.user, obj.pk, _pick(changes, INTERVIEW_FIELDS))

    @admin.display(description="Reminders sent")
    def reminders_sent(self, interview: Interview) -> str:
        rows = interview.reminders.all() if interview.pk else []
        return format_html_join("", "<div>{} before {} (sent {})</div>",
                                ((r.get_kind_display(), r.scheduled_for, r.sent_at) for r in rows)) or "—"


@admin.register(InterviewReminder)
class InterviewReminderAdmin(ReadOnlyAdmin):
    list_display = ["interview", "kind", "scheduled_for", "sent_at"]
    list_filter = ["kind"]


# ---------------------------------------------------------------- follow-ups

@admin.register(FollowUp)
class FollowUpAdmin(ServiceAdmin):
    """Edits are services.update_followup (a new date re-arms followup.due); "Mark sent" sends followup.sent."""

    list_display = ["id", "application", "user", "followup_type", "scheduled_date", "sent", "due_notified_at"]
    list_filter = ["followup_type", "sent"]
    raw_id_fields = ["application"]
    fields = ["user", "application", *FOLLOWUP_FIELDS, "sent", "sent_at", "due_notified_at"]
    readonly_fields = ["user", "sent", "sent_at", "due_notified_at"]
    created_only = ("application",)
    actions = ["mark_sent"]
    delete_service = services.delete_followup

    def create(self, obj: FollowUp, data: dict[str, Any]) -> FollowUp:
        return services.create_followup(obj.application.user, obj.application_id, **_pick(data, FOLLOWUP_FIELDS))

    def update(self, obj: FollowUp, changes: dict[str, Any]) -> None:
        services.update_followup(obj.user, obj.pk, _pick(changes, FOLLOWUP_FIELDS))

    @admin.action(description="Mark sent")
    def mark_sent(self, request: HttpRequest, queryset: QuerySet[FollowUp]) -> None:
        for followup in queryset:
            services.mark_followup_sent(followup.user, followup.pk)


# ---------------------------------------------------------------- computed

@admin.register(SkillGap)
class SkillGapAdmin(ReadOnlyAdmin):
    list_display = ["job", "overall_match", "updated_at"]


@admin.register(PostingAnalysis)
class PostingAnalysisAdmin(ReadOnlyAdmin):
    list_display = ["posting", "version", "updated_at"]


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ["user", "job_title", "company", "score", "recommendation", "updated_at"]
    list_filter = ["recommendation"]
    search_fields = ["job_title", "company", "user__username"]
