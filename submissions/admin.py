"""Admin: jobs with their submissions inline, view only; staff retry or resume jobs through services.

Every field is written by ``submissions.services`` (which also sends the live events), so
the change forms are read-only and the two actions are the admin's only writes.
"""
from django.contrib import admin, messages

from submissions import services
from submissions.models import Submission, SubmissionJob


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
    list_display = ("id", "owner", "status", "progress_percentage", "completed", "failed", "total", "current_target", "updated_at")
    list_filter = ("status",)
    search_fields = ("id", "owner__username", "owner__email", "current_target")
    readonly_fields = [f.name for f in SubmissionJob._meta.fields]
    inlines = [SubmissionInline]
    actions = ["retry_failed", "resume"]

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
