"""Creating jobs from the dashboard, the pages and the read API: each user sees only their own."""
import pytest
from django.test import Client

from submissions.models import Submission, SubmissionJob
from tests.submissions.helpers import events_of, job_starts


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


# -- creating a job -----------------------------------------------------------------


@pytest.mark.django_db
def test_new_page_lists_active_postings_with_checkboxes(user, make_postings):
    active = make_postings(2, company="Initech")
    closed = make_postings(1, company="Initech", active=False)[0]
    page = client_for(user).get("/submissions/new/")
    assert page.status_code == 200
    html = page.content.decode()
    for posting in active:
        assert f'name="job_posting_ids" value="{posting.pk}"' in html
    assert f'value="{closed.pk}"' not in html
    filtered = client_for(user).get("/submissions/new/", {"q": "no such thing"}).content.decode()
    assert 'name="job_posting_ids" value=' not in filtered


@pytest.mark.django_db
def test_choosing_postings_creates_a_job_and_queues_it(user, make_postings, django_capture_on_commit_callbacks):
    postings = make_postings(3)
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/submissions/new/", {"job_posting_ids": [postings[0].pk, postings[2].pk]})
    job = SubmissionJob.objects.get(owner=user)
    assert response.status_code == 302 and response["Location"] == f"/submissions/{job.pk}/"
    assert job.total == 2 and job.status == "pending" and len(job_starts(queued)) == 1
    assert [s.job_posting_id for s in job.submissions.order_by("position")] == [postings[0].pk, postings[2].pk]
    assert job.submissions.first().target_name == f"Acme — {postings[0].title}"
    assert events_of(user, "submission_job.updated")[0].data["status"] == "pending"


@pytest.mark.django_db
def test_choosing_nothing_or_closed_postings_is_refused(user, make_postings):
    closed = make_postings(1, active=False)[0]
    client = client_for(user)
    response = client.post("/submissions/new/", {})
    assert response.status_code == 302 and response["Location"] == "/submissions/new/"
    response = client.post("/submissions/new/", {"job_posting_ids": [closed.pk]}, follow=True)
    assert "Unknown or closed job postings" in response.content.decode()
    assert not SubmissionJob.objects.exists()


@pytest.mark.django_db
def test_new_job_form_needs_csrf(user, make_postings):
    posting = make_postings(1)[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/submissions/new/", {"job_posting_ids": [posting.pk]}).status_code == 403


@pytest.mark.django_db
def test_api_creates_lists_and_shows_jobs(user, make_postings, api_client, django_capture_on_commit_callbacks):
    postings = make_postings(2)
    api_client.force_authenticate(user)
    with django_capture_on_commit_callbacks() as queued:
        created = api_client.post("/api/v1/submissions/jobs", {"job_posting_ids": [p.pk for p in postings]}, format="json")
    assert created.status_code == 201 and created.json()["total"] == 2 and len(job_starts(queued)) == 1
    job_id = created.json()["job_id"]
    listed = api_client.get("/api/v1/submissions/jobs").json()["jobs"]
    assert [j["job_id"] for j in listed] == [job_id]
    detail = api_client.get(f"/api/v1/submissions/jobs/{job_id}").json()
    assert [s["job_posting_id"] for s in detail["submissions"]] == [p.pk for p in postings]
    with django_capture_on_commit_callbacks() as queued:
        external = api_client.post(
            "/api/v1/submissions/jobs", {"job_posting_ids": [postings[0].pk], "start": False}, format="json"
        )
    assert external.status_code == 201 and external.json()["status"] == "pending" and job_starts(queued) == []
    bad = api_client.post("/api/v1/submissions/jobs", {"job_posting_ids": "1,2"}, format="json")
    assert bad.status_code == 400 and "list" in bad.json()["error"]
    bad = api_client.post("/api/v1/submissions/jobs", {"job_posting_ids": ["x"]}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "job_posting_ids"


# -- isolation ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_user_never_sees_another_users_jobs(user, other_user, make_job, api_client):
    mine = make_job(user, n=1)
    theirs = make_job(other_user, n=1)
    client = client_for(user)

    listing = client.get("/submissions/").content.decode()
    assert str(mine.pk)[:8] in listing and str(theirs.pk)[:8] not in listing
    assert client.get(f"/submissions/{mine.pk}/").status_code == 200
    assert client.get(f"/submissions/{theirs.pk}/").status_code == 404
    assert client.get("/staff/monitor/").status_code == 403

    api_client.force_authenticate(user)
    assert [j["job_id"] for j in api_client.get("/api/v1/submissions/jobs?scope=all").json()["jobs"]] == [str(mine.pk)]
    assert api_client.get(f"/api/v1/submissions/jobs/{theirs.pk}").status_code == 404

    polled = api_client.get("/api/v1/events", {"after": 0, "channels": "submissions"}).json()["events"]
    assert {e["data"]["job_id"] for e in polled} == {str(mine.pk)}
    refused = api_client.get("/api/v1/events", {"after": 0, "channels": "submissions:all"})
    assert refused.status_code == 403 and "staff view" in refused.json()["error"]


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(make_job, user):
    job = make_job(user, n=1)
    for path in ("/submissions/", "/submissions/new/", f"/submissions/{job.pk}/", "/staff/monitor/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]
    anonymous = Client().get("/api/v1/submissions/jobs")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_staff_see_every_active_job(staff_user, user, other_user, make_job, api_client):
    from submissions import services
    from submissions.progress_rules import ProgressUpdate

    running = make_job(user, n=2)
    waiting = make_job(other_user, n=1)
    finished = make_job(other_user, n=1)
    services.apply_progress_update(ProgressUpdate(job_id=running.pk, status="in_progress", current_target="Acme — Engineer 1"))
    services.apply_progress_update(ProgressUpdate(job_id=finished.pk, status="completed"))

    client = client_for(staff_user)
    monitor = client.get("/staff/monitor/")
    assert monitor.status_code == 200
    html = monitor.content.decode()
    assert f'data-job-id="{running.pk}"' in html and f'data-job-id="{waiting.pk}"' in html
    assert f'data-job-id="{finished.pk}"' not in html
    assert "Processing Acme — Engineer 1…" in html and "alice" in html and "bob" in html
    assert 'data-channels="submissions:all"' in html

    page = client.get(f"/submissions/{running.pk}/")
    assert page.status_code == 200 and f'data-channels="submissions:{running.pk}"' in page.content.decode()
    api_client.force_authenticate(staff_user)
    everyone = api_client.get("/api/v1/submissions/jobs?scope=all").json()["jobs"]
    assert {j["job_id"] for j in everyone} == {str(running.pk), str(waiting.pk), str(finished.pk)}
    assert api_client.get("/api/v1/submissions/jobs").json()["jobs"] == []


@pytest.mark.django_db
def test_progress_page_shows_state_escaped(user, make_job):
    from submissions import services
    from submissions.progress_rules import ProgressUpdate

    job = make_job(user, n=2)
    first = job.submissions.order_by("position").first()
    services.apply_progress_update(
        ProgressUpdate(job_id=job.pk, submission_id=first.pk, status="failed", error_message="<script>alert(1)</script>")
    )
    services.apply_progress_update(ProgressUpdate(job_id=job.pk, status="in_progress", current_target="<b>Evil</b> Corp"))
    html = client_for(user).get(f"/submissions/{job.pk}/").content.decode()
    assert "Processing &lt;b&gt;Evil&lt;/b&gt; Corp…" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert 'data-field="failed">1<' in html and 'data-field="total">2<' in html
    assert 'style="width: 50.00%"' in html
    assert f'data-channels="submissions:{job.pk}"' in html  # this job's events only (test_job_channel.py)


# -- admin --------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_retries_failed_submissions(make_user, user, make_job, django_capture_on_commit_callbacks):
    from submissions import services
    from submissions.progress_rules import ProgressUpdate

    admin = make_user("root", staff=True, is_superuser=True)
    job = make_job(user, n=3)
    first, second, third = job.submissions.order_by("position")
    for sub, status in ((first, "submitted"), (second, "failed"), (third, "failed")):
        services.apply_progress_update(ProgressUpdate(job_id=job.pk, submission_id=sub.pk, status=status, error_message="nope" if status == "failed" else None))
    services.apply_progress_update(ProgressUpdate(job_id=job.pk, status="completed"))

    client = client_for(admin)
    assert client.get(f"/admin/submissions/submissionjob/{job.pk}/change/").status_code == 200
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            "/admin/submissions/submissionjob/",
            {"action": "retry_failed", "_selected_action": [str(job.pk)]},
            follow=True,
        )
    assert "2 failed submission(s) queued again." in response.content.decode()
    assert len(job_starts(queued)) == 1
    job.refresh_from_db()
    assert (job.status, job.completed, job.failed, job.completed_at) == ("pending", 1, 0, None)
    assert float(job.progress_percentage) == pytest.approx(33.33)
    retried = Submission.objects.get(pk=second.pk)
    assert (retried.status, retried.attempts, retried.failed_at) == ("pending", 0, None)
    assert retried.error_log and retried.last_error_message == "nope"  # history kept
    assert events_of(user, "submission_job.updated")[-1].data["status"] == "pending"


@pytest.mark.django_db
def test_admin_resumes_only_unfinished_jobs(make_user, user, make_job, django_capture_on_commit_callbacks):
    from submissions import services
    from submissions.progress_rules import ProgressUpdate

    admin = make_user("root", staff=True, is_superuser=True)
    interrupted, finished = make_job(user, n=1), make_job(user, n=1)
    services.apply_progress_update(ProgressUpdate(job_id=interrupted.pk, status="in_progress"))
    services.apply_progress_update(ProgressUpdate(job_id=finished.pk, status="completed"))
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(admin).post(
            "/admin/submissions/submissionjob/",
            {"action": "resume", "_selected_action": [str(interrupted.pk), str(finished.pk)]},
            follow=True,
        )
    assert "1 unfinished job(s) queued again." in response.content.decode()
    assert len(job_starts(queued)) == 1
