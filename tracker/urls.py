"""Tracker routes: REST API v1 and pages (full paths; included from jobelix/urls.py)."""
from django.urls import path

from tracker import api, views

urlpatterns = [
    # API
    path("api/v1/jobs", api.JobListView.as_view(), name="api-jobs"),
    path("api/v1/jobs/<int:job_id>", api.JobDetailView.as_view(), name="api-job"),
    path("api/v1/jobs/<int:job_id>/analyze", api.JobAnalyzeView.as_view(), name="api-job-analyze"),
    path("api/v1/jobs/<int:job_id>/skills-gap", api.JobSkillGapView.as_view(), name="api-job-skills-gap"),
    path("api/v1/applications", api.ApplicationListView.as_view(), name="api-applications"),
    path("api/v1/applications/applied", api.AppliedView.as_view(), name="api-applications-applied"),
    path("api/v1/applications/<int:application_id>", api.ApplicationDetailView.as_view(), name="api-application"),
    path("api/v1/applications/<int:application_id>/status", api.ApplicationStatusView.as_view(),
         name="api-application-status"),
    path("api/v1/interviews", api.InterviewListView.as_view(), name="api-interviews"),
    path("api/v1/interviews/<int:interview_id>", api.InterviewDetailView.as_view(), name="api-interview"),
    path("api/v1/interviews/<int:interview_id>.ics", api.InterviewIcsView.as_view(), name="api-interview-ics"),
    path("api/v1/followups", api.FollowUpListView.as_view(), name="api-followups"),
    path("api/v1/followups/<int:followup_id>", api.FollowUpDetailView.as_view(), name="api-followup"),
    path("api/v1/followups/<int:followup_id>/sent", api.FollowUpSentView.as_view(), name="api-followup-sent"),
    path("api/v1/recommendations", api.RecommendationListView.as_view(), name="api-recommendations"),
    path("api/v1/recommendations/refresh", api.RecommendationRefreshView.as_view(), name="api-recommendations-refresh"),
    # Pages
    path("jobs/", views.jobs, name="tracker-jobs"),
    path("jobs/<int:job_id>/", views.job_detail, name="tracker-job"),
    path("jobs/<int:job_id>/track", views.track_job, name="tracker-job-track"),
    path("jobs/<int:job_id>/analyze", views.analyze_job, name="tracker-job-analyze"),
    path("applications/", views.applications, name="tracker-applications"),
    path("applications/export.csv", views.export_applications, name="tracker-applications-export"),
    path("applications/<int:application_id>/status", views.change_status, name="tracker-application-status"),
    path("applications/<int:application_id>/screenshot", views.application_screenshot,
         name="tracker-application-screenshot"),
    path("interviews/", views.interviews, name="tracker-interviews"),
    path("followups/", views.followups, name="tracker-followups"),
    path("followups/<int:followup_id>/sent", views.followup_sent, name="tracker-followup-sent"),
    path("recommendations/", views.recommendations, name="tracker-recommendations"),
]
