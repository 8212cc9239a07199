"""Service worker tokens on submission jobs: they reach the jobs they created or were assigned, nothing else."""
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import create_service_token, create_token, revoke_token
from submissions import services
from submissions.models import SubmissionJob
from tests.submissions.helpers import post_update

NOT_FOUND = {"error": "No such submission job."}
CHANGELIST = "/admin/submissions/submissionjob/"


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def named(job: SubmissionJob, external_id: str) -> SubmissionJob:
    SubmissionJob.objects.filter(pk=job.pk).update(external_id=external_id)
    job.refresh_from_db()
    return job


@pytest.fixture
def service(staff_user):
    """(token, raw): a service worker token made by staff."""
    return create_service_token(staff_user, "DirectoryBolt worker")


@pytest.fixture
def admin(make_user) -> Client:
    client = Client()
    client.force_login(make_user("root", staff=True, is_superuser=True))
    return client


# -- the worker endpoint --------------------------------------------------------------


@pytest.mark.django_db
def test_a_service_token_updates_a_job_assigned_to_it(service, user, make_job):
    token, raw = service
    job = named(make_job(user, n=4), "test-job-123")
    assert services.assign_jobs_to_token([job.pk], token) == 1
    worker = bearer(raw)
    response = post_update(worker, job_id="test-job-123", status="in_progress", directories_completed=1,
                           current_directory="LinkedIn")
    assert response.status_code == 200 and response.json()["job"]["job_id"] == str(job.pk)
    first = job.submissions.order_by("position").first()
    assert post_update(worker, job_id=str(job.pk), submission_id=str(first.pk), status="failed",
                       error_message="captcha").status_code == 200
    job.refresh_from_db()
    assert (job.status, job.completed, job.failed, job.current_target) == ("in_progress", 1, 1, "LinkedIn")
    assert job.owner == user  # still the customer's job: their dashboard shows it


@pytest.mark.django_db
def test_a_service_token_gets_404_for_another_users_unassigned_job(service, user, other_user, make_job):
    token, raw = service
    mine = named(make_job(user, n=1), "test-job-123")
    theirs = named(make_job(other_user, n=1), "test-job-123")
    services.assign_jobs_to_token([mine.pk], token)
    worker = bearer(raw)
    for job_id in (str(theirs.pk), "no-such-job"):
        response = post_update(worker, job_id=job_id, status="in_progress")
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert post_update(worker, job_id="test-job-123", status="completed").status_code == 200
    assert SubmissionJob.objects.get(pk=mine.pk).status == "completed"
    assert SubmissionJob.objects.get(pk=theirs.pk).status == "pending"
    # Made by a staff member, yet no staff powers: not the jobs list of everyone, not another's job page.
    assert bearer(raw).get("/api/v1/submissions/jobs?scope=all").status_code == 403  # staff powers need a session
    assert [j["job_id"] for j in bearer(raw).get("/api/v1/submissions/jobs").json()["jobs"]] == [str(mine.pk)]
    assert bearer(raw).get(f"/api/v1/submissions/jobs/{theirs.pk}").status_code == 404


@pytest.mark.django_db
def test_a_job_taken_back_or_given_to_another_token_is_404(service, staff_user, user, make_job):
    token, raw = service
    second, second_raw = create_service_token(staff_user, "second worker")
    job = make_job(user, n=1)
    services.assign_jobs_to_token([job.pk], token)
    services.assign_jobs_to_token([job.pk], second)
    assert post_update(bearer(raw), job_id=str(job.pk), status="in_progress").status_code == 404
    assert post_update(bearer(second_raw), job_id=str(job.pk), status="in_progress").status_code == 200
    services.assign_jobs_to_token([job.pk], None)
    assert post_update(bearer(second_raw), job_id=str(job.pk), status="completed").status_code == 404
    assert SubmissionJob.objects.get(pk=job.pk).status == "in_progress"


@pytest.mark.django_db
def test_a_revoked_service_token_is_401(service, user, make_job):
    token, raw = service
    job = make_job(user, n=1)
    services.assign_jobs_to_token([job.pk], token)
    revoke_token(token.user, token.pk)
    assert post_update(bearer(raw), job_id=str(job.pk), status="in_progress").status_code == 401


@pytest.mark.django_db
def test_a_service_token_reaches_the_jobs_it_created(service, make_postings):
    token, raw = service
    worker = bearer(raw)
    created = worker.post(
        "/api/v1/submissions/jobs",
        {"job_posting_ids": [p.pk for p in make_postings(2)], "start": False, "external_id": "job-123"},
        format="json",
    )
    assert created.status_code == 201
    job = SubmissionJob.objects.get(pk=created.json()["job_id"])
    assert (job.owner, job.assigned_token) == (token.user, token)
    listed = worker.get("/api/v1/submissions/jobs").json()["jobs"]
    assert [j["external_id"] for j in listed] == ["job-123"]
    detail = worker.get(f"/api/v1/submissions/jobs/{job.pk}").json()
    assert len(detail["submissions"]) == 2 and {s["status"] for s in detail["submissions"]} == {"pending"}
    assert post_update(worker, job_id="job-123", status="in_progress").status_code == 200


@pytest.mark.django_db
def test_a_users_worker_token_still_reaches_only_their_own_jobs(service, user, other_user, make_job, worker_client):
    token, _ = service
    mine, theirs = make_job(user, n=1), make_job(other_user, n=1)
    services.assign_jobs_to_token([mine.pk, theirs.pk], token)  # assignment adds a worker, takes nobody away
    worker = worker_client(user)
    assert post_update(worker, job_id=str(mine.pk), status="in_progress").status_code == 200
    response = post_update(worker, job_id=str(theirs.pk), status="in_progress")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.django_db
def test_a_bot_scope_token_is_403_on_the_worker_endpoint(user, make_job, worker_client):
    job = make_job(user, n=1)
    response = post_update(worker_client(user, scope="bot"), job_id=str(job.pk), status="in_progress")
    assert response.status_code == 403
    assert response.json() == {"error": "This endpoint needs a token with scope worker."}
    assert SubmissionJob.objects.get(pk=job.pk).status == "pending"


# -- assigning (service and admin) ------------------------------------------------------


@pytest.mark.django_db
def test_a_token_cannot_hold_two_jobs_of_the_same_reference(service, staff_user, user, other_user, make_job):
    token, _ = service
    mine = named(make_job(user, n=1), "test-job-123")
    theirs = named(make_job(other_user, n=1), "test-job-123")
    services.assign_jobs_to_token([mine.pk], token)
    with pytest.raises(services.ExternalIdTaken, match="test-job-123") as clash:
        services.assign_jobs_to_token([theirs.pk], token)
    assert (clash.value.status, clash.value.body()["field"]) == (409, "external_id")
    fresh, _ = create_service_token(staff_user, "fresh worker")
    with pytest.raises(services.ExternalIdTaken, match="test-job-123"):
        services.assign_jobs_to_token([mine.pk, theirs.pk], fresh)  # the two clash with each other
    assert SubmissionJob.objects.get(pk=theirs.pk).assigned_token is None
    assert SubmissionJob.objects.get(pk=mine.pk).assigned_token == token


@pytest.mark.django_db
def test_only_active_service_tokens_are_given_jobs(service, user, make_job):
    token, _ = service
    job = make_job(user, n=1)
    users_token, _ = create_token(user, "mine", "worker")
    revoke_token(token.user, token.pk)
    token.refresh_from_db()
    for candidate in (users_token, token):
        with pytest.raises(services.ApplicationError, match="active service worker token"):
            services.assign_jobs_to_token([job.pk], candidate)
    assert SubmissionJob.objects.get(pk=job.pk).assigned_token is None


@pytest.mark.django_db
def test_staff_assign_jobs_in_the_admin(admin, service, user, make_job):
    token, raw = service
    job = named(make_job(user, n=1), "test-job-123")
    chosen = {"action": "assign_token", "_selected_action": [str(job.pk)]}
    page = admin.post(CHANGELIST, chosen)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Assign jobs to a service worker token" in content and "test-job-123" in content
    assert f'<option value="{token.pk}">DirectoryBolt worker (service worker,' in content

    done = admin.post(CHANGELIST, {**chosen, "apply": "Assign", "token": str(token.pk)}, follow=True)
    assert "1 job(s) assigned to DirectoryBolt worker" in done.content.decode()
    assert SubmissionJob.objects.get(pk=job.pk).assigned_token == token
    assert post_update(bearer(raw), job_id="test-job-123", status="in_progress").status_code == 200

    listing = admin.get(CHANGELIST).content.decode()
    assert "test-job-123" in listing and "DirectoryBolt worker" in listing

    admin.post(CHANGELIST, {**chosen, "apply": "Assign", "token": ""})
    assert SubmissionJob.objects.get(pk=job.pk).assigned_token is None


@pytest.mark.django_db
def test_the_admin_reports_a_clash_and_assigns_nothing(admin, service, user, other_user, make_job):
    token, _ = service
    mine = named(make_job(user, n=1), "test-job-123")
    theirs = named(make_job(other_user, n=1), "test-job-123")
    selected = [str(mine.pk), str(theirs.pk)]
    done = admin.post(
        CHANGELIST,
        {"action": "assign_token", "_selected_action": selected, "apply": "Assign", "token": str(token.pk)},
        follow=True,
    )
    assert "already has jobs with external_id &#x27;test-job-123&#x27;" in done.content.decode()
    assert SubmissionJob.objects.filter(assigned_token=token).count() == 0


@pytest.mark.django_db
def test_a_revoked_token_is_not_offered(admin, service, user, make_job):
    token, _ = service
    revoke_token(token.user, token.pk)
    job = make_job(user, n=1)
    page = admin.post(
        CHANGELIST, {"action": "assign_token", "_selected_action": [str(job.pk)], "apply": "Assign", "token": str(token.pk)}
    )
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert SubmissionJob.objects.get(pk=job.pk).assigned_token is None


@pytest.mark.django_db
def test_staff_without_change_permission_cannot_assign(make_user, service, user, make_job):
    token, _ = service
    viewer = make_user("viewer", staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_submissionjob"))
    client = Client()
    client.force_login(viewer)
    job = make_job(user, n=1)
    assert "assign_token" not in client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "assign_token", "_selected_action": [str(job.pk)], "apply": "Assign",
                             "token": str(token.pk)})
    assert SubmissionJob.objects.get(pk=job.pk).assigned_token is None
