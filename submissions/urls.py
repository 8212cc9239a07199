"""Routes of the submissions app (pages and API, full paths); included from jobelix/urls.py."""
from django.urls import path

from submissions import api, views

urlpatterns = [
    path("api/worker/update-progress", api.UpdateProgressView.as_view(), name="worker-update-progress"),
    path("api/v1/submissions/jobs", api.JobListView.as_view(), name="api-submission-jobs"),
    path("api/v1/submissions/jobs/<uuid:job_id>", api.JobDetailView.as_view(), name="api-submission-job"),
    path("api/v1/submissions/auto-apply", api.AutoApplyView.as_view(), name="api-submissions-auto-apply"),
    path("submissions/", views.job_list, name="submissions-list"),
    path("submissions/new/", views.new_job, name="submissions-new"),
    path("submissions/<uuid:job_id>/", views.job_detail, name="submissions-detail"),
    path("staff/monitor/", views.staff_monitor, name="staff-monitor"),
    # the apply pipeline
    path("apply/<int:posting_id>/", views.apply_posting, name="submissions-apply-posting"),
    path("apply/auto/", views.auto_apply, name="submissions-auto-apply"),
    path("submissions/s/<uuid:submission_id>/answer", views.answer_submission, name="submission-answer"),
    path("submissions/s/<uuid:submission_id>/submit", views.submit_reviewed, name="submission-submit"),
    path("submissions/s/<uuid:submission_id>/skip", views.skip_submission, name="submission-skip"),
    path("submissions/s/<uuid:submission_id>/retry", views.retry_submission, name="submission-retry"),
    path("submissions/s/<uuid:submission_id>/screenshot", views.submission_screenshot, name="submission-screenshot"),
]
