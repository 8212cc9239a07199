"""Routes of this app (pages and API, full paths); included from jobelix/urls.py."""
from django.urls import path

from scraping import api, views

urlpatterns = [
    path("scraping/", views.scraping_page, name="scraping-page"),
    path("scraping/schedule", views.save_schedule, name="scraping-schedule"),
    path("scraping/schedules/<int:schedule_id>/pause", views.pause_schedule, name="scraping-schedule-pause"),
    path("scraping/schedules/<int:schedule_id>/resume", views.resume_schedule, name="scraping-schedule-resume"),
    path("scraping/schedules/<int:schedule_id>/delete", views.delete_schedule, name="scraping-schedule-delete"),
    path("scraping/export/runs.csv", views.export_runs, name="scraping-export-runs"),
    path("scraping/export/postings.csv", views.export_postings, name="scraping-export-postings"),
    path("api/v1/scraping/status", api.StatusView.as_view(), name="api-scraping-status"),
    path("api/v1/scraping/start", api.StartView.as_view(), name="api-scraping-start"),
    path("api/v1/scraping/stop", api.StopView.as_view(), name="api-scraping-stop"),
    path("api/v1/scraping/reset", api.ResetView.as_view(), name="api-scraping-reset"),
    path("api/v1/scraping/runs", api.RunListView.as_view(), name="api-scraping-runs"),
    path("api/v1/scraping/runs/<int:run_id>", api.RunDetailView.as_view(), name="api-scraping-run"),
    path("api/v1/scraping/history", api.RunHistoryView.as_view(), name="api-scraping-history"),
    path("api/v1/scraping/analytics", api.AnalyticsView.as_view(), name="api-scraping-analytics"),
    path("api/v1/scraping/health", api.HealthView.as_view(), name="api-scraping-health"),
    path("api/v1/scraping/companies", api.CompanyListView.as_view(), name="api-scraping-companies"),
    path("api/v1/scraping/schedule", api.ScheduleView.as_view(), name="api-scraping-schedule"),
    path("api/v1/scraping/postings", api.PostingListView.as_view(), name="api-scraping-postings"),
    path("api/v1/scraping/postings/<int:posting_id>", api.PostingDetailView.as_view(), name="api-scraping-posting"),
    path("api/v1/scraping/schedules", api.ScheduleListView.as_view(), name="api-scraping-schedules"),
    path("api/v1/scraping/schedules/<int:schedule_id>", api.ScheduleDetailView.as_view(),
         name="api-scraping-schedule-detail"),
    path("api/v1/scraping/schedules/<int:schedule_id>/pause", api.SchedulePauseView.as_view(),
         name="api-scraping-schedule-pause"),
    path("api/v1/scraping/schedules/<int:schedule_id>/resume", api.ScheduleResumeView.as_view(),
         name="api-scraping-schedule-resume"),
]
