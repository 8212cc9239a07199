"""Routes of the submissions app (pages and API, full paths); included from jobelix/urls.py."""
from django.urls import path

from submissions import api, views

urlpatterns = [
    path("api/worker/update-progress", api.UpdateProgressView.as_view(), name="worker-update-progress"),
    path("api/v1/submissions/jobs", api.JobListView.as_view(), name="api-submission-jobs"),
    path("api/v1/submissions/jobs/<uuid:job_id>", api.JobDetailView.as_view(), name="api-submission-job"),
    path("submissions/", views.job_list, name="submissions-list"),
    path("submissions/new/", views.new_job, name="submissions-new"),
    path("submissions/<uuid:job_id>/", views.job_detail, name="submissions-detail"),
    path("staff/monitor/", views.staff_monitor, name="staff-monitor"),
]
