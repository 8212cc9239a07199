"""Routes of this app (pages and API, full paths); included from jobelix/urls.py."""
from django.urls import path

from scraping import api, views

urlpatterns = [
    path("scraping/", views.scraping_page, name="scraping-page"),
    path("scraping/schedule", views.save_schedule, name="scraping-schedule"),
    path("api/v1/scraping/status", api.StatusView.as_view(), name="api-scraping-status"),
    path("api/v1/scraping/start", api.StartView.as_view(), name="api-scraping-start"),
    path("api/v1/scraping/stop", api.StopView.as_view(), name="api-scraping-stop"),
    path("api/v1/scraping/reset", api.ResetView.as_view(), name="api-scraping-reset"),
    path("api/v1/scraping/runs", api.RunListView.as_view(), name="api-scraping-runs"),
    path("api/v1/scraping/runs/<int:run_id>", api.RunDetailView.as_view(), name="api-scraping-run"),
    path("api/v1/scraping/health", api.HealthView.as_view(), name="api-scraping-health"),
    path("api/v1/scraping/companies", api.CompanyListView.as_view(), name="api-scraping-companies"),
    path("api/v1/scraping/schedule", api.ScheduleView.as_view(), name="api-scraping-schedule"),
    path("api/v1/scraping/postings", api.PostingListView.as_view(), name="api-scraping-postings"),
    path("api/v1/scraping/postings/<int:posting_id>", api.PostingDetailView.as_view(), name="api-scraping-posting"),
]
