"""The admin writes only through services: forms are view only; the actions need change permission."""
import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from submissions.models import Submission, SubmissionJob
from tests.submissions.helpers import events_of


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_job_and_submission_forms_are_view_only(make_user, user, make_job):
    root = make_user("root", staff=True, is_superuser=True)
    job = make_job(user, n=2)
    submission = job.submissions.order_by("position").first()
    client = admin_client(root)
    events_before = len(events_of(user))

    page = client.get(f"/admin/submissions/submissionjob/{job.pk}/change/")
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()
    html = page.content.decode()
    assert f"Submission job {str(job.pk)[:8]} (pending)" in html and user.username in html
    targets = list(job.submissions.order_by("position").values_list("target_name", flat=True))
    assert len(targets) == 2 and all(name in html for name in targets)  # the submissions inline
    listing = client.get("/admin/submissions/submissionjob/").content.decode()
    assert f'href="/admin/submissions/submissionjob/{job.pk}/change/' in listing and user.username in listing
    submissions = client.get("/admin/submissions/submission/").content.decode()
    assert all(name in submissions for name in targets)
    assert client.post(f"/admin/submissions/submissionjob/{job.pk}/change/", {"status": "completed"}).status_code == 403
    assert client.post(f"/admin/submissions/submission/{submission.pk}/change/", {"status": "failed"}).status_code == 403
    assert client.get("/admin/submissions/submissionjob/add/").status_code == 403
    assert client.get("/admin/submissions/submission/add/").status_code == 403
    assert client.post(f"/admin/submissions/submission/{submission.pk}/delete/", {"post": "yes"}).status_code == 403

    job.refresh_from_db()
    assert job.status == "pending" and job.total == 2
    assert Submission.objects.get(pk=submission.pk).status == "pending"
    assert len(events_of(user)) == events_before


@pytest.mark.django_db
def test_staff_without_change_permission_cannot_run_the_actions(make_user, user, make_job,
                                                                django_capture_on_commit_callbacks):
    from submissions import services
    from submissions.progress_rules import ProgressUpdate

    viewer = make_user("viewer", staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_submissionjob"))
    job = make_job(user, n=1)
    services.apply_progress_update(
        ProgressUpdate(job_id=job.pk, submission_id=job.submissions.get().pk, status="failed", error_message="nope")
    )
    client = admin_client(viewer)
    listing = client.get("/admin/submissions/submissionjob/")
    assert listing.status_code == 200 and "retry_failed" not in listing.content.decode()
    assert f'href="/admin/submissions/submissionjob/{job.pk}/change/' in listing.content.decode()
    with django_capture_on_commit_callbacks() as queued:
        client.post("/admin/submissions/submissionjob/", {"action": "retry_failed", "_selected_action": [str(job.pk)]})
    assert queued == []
    assert SubmissionJob.objects.get(pk=job.pk).failed == 1
