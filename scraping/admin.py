"""Admin: companies (with "scrape now"), runs with their company scrapes, postings."""
from django.contrib import admin, messages

from scraping import selectors, services
from scraping.models import Company, CompanyScrape, JobPosting, ScrapeRun


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "board_token", "career_url", "active", "active_postings")
    list_filter = ("source", "active")
    search_fields = ("name", "board_token", "career_url")
    actions = ["scrape_now"]

    @admin.display(description="Active postings")
    def active_postings(self, company):
        return company.postings.filter(active=True).count()

    @admin.action(description="Scrape now")
    def scrape_now(self, request, queryset):
        try:
            run = services.start_run(request.user, list(queryset.values_list("pk", flat=True)))
        except services.ScrapeAlreadyRunning as exc:
            self.message_user(request, f"Run #{exc.run.pk} is already {exc.run.status}; try again when it ends.", messages.WARNING)
        except services.NothingToScrape as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, f"Run #{run.pk} queued for {queryset.count()} compan{'y' if queryset.count() == 1 else 'ies'}; follow it on /scraping/.")


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
    list_display = ("id", "status", "progress", "started_at", "ended_at", "duration", "jobs_found", "jobs_new", "started_by")
    list_filter = ("status",)
    readonly_fields = (
        "status", "progress", "current_stage", "started_at", "ended_at", "jobs_found", "jobs_new", "error",
        "started_by", "celery_task_id", "created_at", "timeout_seconds", "stop_requested_at", "cleared_at",
    )
    inlines = [CompanyScrapeInline]

    @admin.display(description="Duration (s)")
    def duration(self, run):
        return selectors.run_duration(run)

    def has_add_permission(self, request):
        return False  # runs are started from /scraping/ or the companies' "Scrape now"


@admin.register(JobPosting)
class JobPostingAdmin(admin.ModelAdmin):
    list_display = ("title", "company", "location", "remote", "department", "posted_at", "last_seen", "active")
    list_filter = ("active", "remote", "company__source", "company", "posted_at")
    search_fields = ("title", "company__name", "location", "department", "external_id", "description")
    list_select_related = ("company",)
    date_hierarchy = "first_seen"
    readonly_fields = ("first_seen", "last_seen")
