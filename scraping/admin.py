"""Admin: companies (edited through services, with "scrape now"), runs and postings read-only."""
from django.contrib import admin, messages
from django.db import models

from scraping import services
from scraping.models import Company, CompanyScrape, JobPosting, ScrapeRun


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "board_token", "career_url", "active", "active_postings")
    list_filter = ("source", "active")
    search_fields = ("name", "board_token", "career_url")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["scrape_now"]

    @admin.display(description="Active postings")
    def active_postings(self, company):
        return company.postings.filter(active=True).count()

    def save_model(self, request, obj, form, change):
        services.save_company(obj)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Company.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.delete_companies(queryset.values_list("pk", flat=True))

    @admin.action(description="Scrape now")
    def scrape_now(self, request, queryset):
        count = queryset.count()
        try:
            run = services.start_run(request.user, list(queryset.values_list("pk", flat=True)))
        except services.ScrapeAlreadyRunning as exc:
            self.message_user(request, f"Run #{exc.run.pk} is already {exc.run.status}; try again when it ends.", messages.WARNING)
        except services.NothingToScrape as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"Run #{run.pk} queued for {count} compan{'y' if count == 1 else 'ies'}; follow it on /scraping/.")


class CompanyScrapeInline(admin.TabularInline):
    model = CompanyScrape
    extra = 0
    can_delete = False
    fields = ("company", "status", "jobs_found", "duration_seconds", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ScrapeRun)
class ScrapeRunAdmin(admin.ModelAdmin):
    """Runs are written by the scraper; staff read them and may delete finished ones from the history."""

    list_display = ("id", "status", "progress", "started_at", "ended_at", "duration", "jobs_found", "jobs_new", "started_by")
    list_filter = ("status",)
    readonly_fields = (
        "status", "progress", "current_stage", "started_at", "ended_at", "jobs_found", "jobs_new", "error",
        "started_by", "celery_task_id", "created_at", "timeout_seconds", "stop_requested_at", "cleared_at",
    )
    inlines = [CompanyScrapeInline]
    actions = ["delete_finished"]

    @admin.display(description="Duration (s)")
    def duration(self, run):
        return run.duration_seconds()

    def has_add_permission(self, request):
        return False  # runs are started from /scraping/ or the companies' "Scrape now"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # through the action, which keeps the active run

    def has_prune_permission(self, request):
        return request.user.has_perm("scraping.delete_scraperun")

    @admin.action(description="Delete selected finished runs", permissions=["prune"])
    def delete_finished(self, request, queryset):
        deleted = services.delete_finished_runs(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{deleted} finished run(s) deleted.")


@admin.register(JobPosting)
class JobPostingAdmin(admin.ModelAdmin):
    """Postings are what the scraper found: read-only (the next scrape would overwrite edits)."""

    list_display = ("title", "company", "location", "remote", "department", "posted_at", "last_seen", "active")
    list_filter = ("active", "remote", "company__source", "company", "posted_at")
    search_fields = ("title", "company__name", "location", "department", "external_id", "description")
    list_select_related = ("company",)
    date_hierarchy = "first_seen"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
