"""Admin: jobs with their submissions inline, view only; staff retry, resume or assign jobs through services.

Every field is written by ``submissions.services`` (which also sends the live events), so
the change forms are read-only and the actions are the admin's only writes.
"""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts.models import ApiToken
from core.errors import ApplicationError
from submissions import services
from submissions.models import Submission, SubmissionJob


class AssignTokenForm(forms.Form):
    """Which active service worker token gets the selected jobs (empty: take them back)."""

    token = forms.ModelChoiceField(
        queryset=ApiToken.objects.filter(is_service=True, scope=ApiToken.Scope.WORKER, revoked_at__isnull=True),
        required=False,
        empty_label="— nobody (unassign) —",
        label="Service worker token",
    )


class SubmissionInline(admin.TabularInline):
    model = Submission
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ("position", "target_name", "status", "attempts", "last_error_message", "submitted_at", "failed_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SubmissionJob)
class SubmissionJobAdmin(admin.ModelAdmin):
    list_display = (
        "id", "external_id", "owner", "status", "progress_percentage", "completed", "failed", "total",
        "current_target", "assigned_token", "updated_at",
    )
    list_filter = ("status", ("assigned_token", admin.EmptyFieldListFilter))
    search_fields = ("id", "external_id", "owner__username", "owner__email", "current_target")
    list_select_related = ("owner", "assigned_token")
    readonly_fields = [f.name for f in SubmissionJob._meta.fields]
    inlines = [SubmissionInline]
    actions = ["retry_failed", "resume", "assign_token"]

    def has_add_permission(self, request):
        return False  # jobs are created from postings on the dashboard

    def has_change_permission(self, request, obj=None):
        return False  # view only: workers and the actions below change jobs, through services

    def has_requeue_permission(self, request):
        return request.user.has_perm("submissions.change_submissionjob")

    @admin.action(description="Retry failed submissions", permissions=["requeue"])
    def retry_failed(self, request, queryset):
        count = services.retry_failed_submissions(queryset.values_list("pk", flat=True))
        if count:
            self.message_user(request, f"{count} failed submission(s) queued again.", messages.SUCCESS)
        else:
            self.message_user(request, "No failed submissions in the selected jobs.", messages.WARNING)

    @admin.action(description="Resume unfinished jobs (queue them again)", permissions=["requeue"])
    def resume(self, request, queryset):
        count = services.resume_jobs(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} unfinished job(s) queued again.", messages.SUCCESS)

    def has_assign_permission(self, request):
        return request.user.has_perm("submissions.change_submissionjob")

    @admin.action(description="Assign to a service worker token", permissions=["assign"])
    def assign_token(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        """First a page to choose the token, then services.assign_jobs_to_token."""
        form = AssignTokenForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            token = form.cleaned_data["token"]
            try:
                count = services.assign_jobs_to_token(queryset.values_list("pk", flat=True), token)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                whom = f"assigned to {token}" if token else "unassigned"
                self.message_user(request, f"{count} job(s) {whom}.", messages.SUCCESS)
            return None  # back to the list
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Assign jobs to a service worker token",
            "form": form,
            "jobs": queryset.select_related("owner", "assigned_token"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "submissions/admin_assign_token.html", context)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("target_name", "job", "status", "attempts", "updated_at")
    list_filter = ("status",)
    search_fields = ("target_name", "job__id", "job__owner__username")
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request):
        return False  # submissions are made with their job

    def has_change_permission(self, request, obj=None):
        return False  # view only: written by workers through services

    def has_delete_permission(self, request, obj=None):
        return False  # removing one would leave its job's counts wrong
