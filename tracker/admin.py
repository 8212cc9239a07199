from django.contrib import admin

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


class ApplicationInline(admin.StackedInline):
    model = Application
    extra = 0
    fields = ["status", "notes", "applied_at"]
    readonly_fields = ["applied_at"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "job_title", "company", "user", "match_score", "recommendation", "analysis_status",
                    "source", "created_at"]
    list_filter = ["analysis_status", "recommendation", "source"]
    search_fields = ["job_title", "company", "job_url", "user__username"]
    raw_id_fields = ["user", "posting"]
    readonly_fields = ["analysis", "analyzed_at", "created_at", "updated_at"]
    inlines = [ApplicationInline]


@admin.register(SkillGap)
class SkillGapAdmin(admin.ModelAdmin):
    list_display = ["job", "overall_match", "updated_at"]
    raw_id_fields = ["job"]


class StatusChangeInline(admin.TabularInline):
    model = ApplicationStatusChange
    extra = 0
    readonly_fields = ["old_status", "new_status", "changed_at"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "user", "status", "applied_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["job__job_title", "job__company", "user__username"]
    raw_id_fields = ["user", "job"]
    inlines = [StatusChangeInline]


@admin.register(ApplicationStatusChange)
class ApplicationStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["application", "old_status", "new_status", "changed_at"]
    list_filter = ["new_status"]
    raw_id_fields = ["application"]


class ReminderInline(admin.TabularInline):
    model = InterviewReminder
    extra = 0
    readonly_fields = ["kind", "scheduled_for", "sent_at"]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["id", "application", "user", "interview_type", "scheduled_date", "status"]
    list_filter = ["interview_type", "status"]
    search_fields = ["application__job__company", "user__username"]
    raw_id_fields = ["user", "application"]
    inlines = [ReminderInline]


@admin.register(InterviewReminder)
class InterviewReminderAdmin(admin.ModelAdmin):
    list_display = ["interview", "kind", "scheduled_for", "sent_at"]
    list_filter = ["kind"]
    raw_id_fields = ["interview"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["id", "application", "user", "followup_type", "scheduled_date", "sent", "due_notified_at"]
    list_filter = ["followup_type", "sent"]
    raw_id_fields = ["user", "application"]


@admin.register(PostingAnalysis)
class PostingAnalysisAdmin(admin.ModelAdmin):
    list_display = ["posting", "version", "updated_at"]
    raw_id_fields = ["posting"]
    readonly_fields = ["requirements"]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["user", "job_title", "company", "score", "recommendation", "updated_at"]
    list_filter = ["recommendation"]
    search_fields = ["job_title", "company", "user__username"]
    raw_id_fields = ["user", "job", "posting"]
