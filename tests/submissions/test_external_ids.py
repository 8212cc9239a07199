"""External job references: the owner names a job at creation; workers report with that name as job_id."""
import uuid
from decimal import Decimal

import pytest

from submissions.models import SubmissionJob
from tests.submissions.helpers import post_update

JOBS_URL = "/api/v1/submissions/jobs"
NOT_FOUND = {"error": "No such submission job."}


def create(client, postings, **body):
    return client.post(JOBS_URL, {"job_posting_ids": [p.pk for p in postings], "start": False, **body}, format="json")


@pytest.fixture
def owner_api(user, worker_client):
    return worker_client(user, scope="worker")  # the owner creates jobs with their worker token (or a session)


@pytest.mark.django_db
def test_the_owner_sets_an_external_id_at_creation(owner_api, make_postings, user):
    response = create(owner_api, make_postings(2), external_id="test-job-123")
    assert response.status_code == 201
    body = response.json()
    assert body["external_id"] == "test-job-123" and body["status"] == "pending"
    job = SubmissionJob.objects.get(pk=body["job_id"])
    assert (job.owner, job.external_id, job.assigned_token) == (user, "test-job-123", None)
    assert owner_api.get(f"{JOBS_URL}/{job.pk}").json()["external_id"] == "test-job-123"
    assert create(owner_api, make_postings(1)).json()["external_id"] is None  # optional


@pytest.mark.django_db
@pytest.mark.parametrize(
    "external_id, says",
    [
        ("x" * 101, "1 to 100"),
        ("job 123", "letters, digits"),
        ("-job", "starting with a letter or digit"),
        ("jöb", "letters, digits"),
        ("job\n", "letters, digits"),
        ("", "1 to 100"),
        (123, "must be a string"),
        (["job"], "must be a string"),
    ],
)
def test_a_bad_external_id_is_400_and_creates_nothing(owner_api, make_postings, external_id, says):
    response = create(owner_api, make_postings(1), external_id=external_id)
    assert response.status_code == 400
    assert response.json()["field"] == "external_id" and says in response.json()["error"]
    assert SubmissionJob.objects.count() == 0


@pytest.mark.django_db
def test_an_external_id_is_unique_per_owner(owner_api, make_postings, other_user, worker_client):
    assert create(owner_api, make_postings(1), external_id="job-123").status_code == 201
    again = create(owner_api, make_postings(1), external_id="job-123")
    assert again.status_code == 409
    assert again.json() == {"error": "external_id 'job-123' is already used by another of your submission jobs.",
                            "field": "external_id"}
    assert create(worker_client(other_user, "worker"), make_postings(1), external_id="job-123").status_code == 201
    assert SubmissionJob.objects.filter(external_id="job-123").count() == 2


@pytest.mark.django_db
def test_the_spec_example_body_updates_the_job_named_test_job_123(user, make_job, worker_client):
    job = make_job(user, n=20)
    SubmissionJob.objects.filter(pk=job.pk).update(external_id="test-job-123")
    body = {"job_id": "test-job-123", "status": "in_progress", "directories_completed": 10, "current_directory": "LinkedIn"}
    response = worker_client(user).post("/api/worker/update-progress", body, format="json")
    assert response.status_code == 200
    assert response.json()["job"]["job_id"] == str(job.pk) and response.json()["job"]["external_id"] == "test-job-123"
    job.refresh_from_db()
    assert (job.status, job.completed, job.current_target, job.progress_percentage) == (
        "in_progress", 10, "LinkedIn", Decimal("50.00")
    )
    assert job.started_at is not None


@pytest.mark.django_db
def test_a_reference_with_a_submission_of_ours(user, make_job, worker_client):
    """The spec's Example 2 with job 'job-123' (the submission id is ours: submissions have no references)."""
    job = make_job(user, n=2)
    SubmissionJob.objects.filter(pk=job.pk).update(external_id="job-123")
    first = job.submissions.order_by("position").first()
    worker = worker_client(user)
    assert post_update(worker, job_id="job-123", submission_id=str(first.pk), status="submitting",
                       current_directory="Google My Business").status_code == 200
    response = post_update(worker, job_id="job-123", submission_id=str(first.pk), status="submitted",
                           directories_completed=1, directories_failed=0)
    assert response.status_code == 200 and response.json()["submission"]["status"] == "submitted"
    job.refresh_from_db()
    first.refresh_from_db()
    assert (job.completed, job.progress_percentage, first.status) == (1, Decimal("50.00"), "submitted")


@pytest.mark.django_db
def test_unknown_or_someone_elses_reference_is_the_same_404(user, other_user, make_job, worker_client):
    theirs = make_job(other_user, n=1)
    SubmissionJob.objects.filter(pk=theirs.pk).update(external_id="test-job-123")
    worker = worker_client(user)
    unknown_uuid = post_update(worker, job_id=str(uuid.uuid4()), status="in_progress")
    unknown_ref = post_update(worker, job_id="no-such-job", status="in_progress")
    foreign_ref = post_update(worker, job_id="test-job-123", status="in_progress")
    for response in (unknown_uuid, unknown_ref, foreign_ref):
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert SubmissionJob.objects.get(pk=theirs.pk).status == "pending"


@pytest.mark.django_db
def test_each_owner_reaches_their_own_job_of_the_same_name(user, other_user, make_job, worker_client):
    mine, theirs = make_job(user, n=2), make_job(other_user, n=2)
    SubmissionJob.objects.filter(pk__in=[mine.pk, theirs.pk]).update(external_id="job-123")
    assert post_update(worker_client(other_user), job_id="job-123", status="in_progress").status_code == 200
    assert SubmissionJob.objects.get(pk=theirs.pk).status == "in_progress"
    assert SubmissionJob.objects.get(pk=mine.pk).status == "pending"


@pytest.mark.django_db
def test_a_uuid_shaped_reference_is_found_after_our_ids(user, make_job, worker_client):
    """A worker whose own ids are UUIDs (the spec's "job_id": "uuid") names the job with its UUID."""
    job, other = make_job(user, n=1), make_job(user, n=1)
    theirs = str(uuid.uuid4())
    SubmissionJob.objects.filter(pk=job.pk).update(external_id=theirs)
    SubmissionJob.objects.filter(pk=other.pk).update(external_id=str(job.pk))  # our id wins over a reference
    worker = worker_client(user)
    assert post_update(worker, job_id=theirs, status="in_progress").json()["job"]["job_id"] == str(job.pk)
    assert post_update(worker, job_id=str(job.pk), status="completed").json()["job"]["job_id"] == str(job.pk)
    assert SubmissionJob.objects.get(pk=other.pk).status == "pending"


@pytest.mark.django_db
def test_a_staff_worker_token_uses_references_of_its_own_jobs_only(staff_user, user, make_job, worker_client):
    """Staff tokens reach any job by our UUID; a reference names a job among the caller's own."""
    theirs = make_job(user, n=1)
    SubmissionJob.objects.filter(pk=theirs.pk).update(external_id="test-job-123")
    staff_worker = worker_client(staff_user)
    by_reference = post_update(staff_worker, job_id="test-job-123", status="in_progress")
    assert (by_reference.status_code, by_reference.json()) == (404, NOT_FOUND)
    assert post_update(staff_worker, job_id=str(theirs.pk), status="in_progress").status_code == 200


@pytest.mark.django_db
def test_the_job_page_shows_the_reference(session_client, user, make_job):
    job = make_job(user, n=1)
    SubmissionJob.objects.filter(pk=job.pk).update(external_id="test-job-123")
    page = session_client.get(f"/submissions/{job.pk}/").content.decode()
    assert 'Your reference: <code data-field="external-id">test-job-123</code>' in page
