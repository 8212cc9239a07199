"""Staff writes in the Django admin go through tracker.services: the same history rows,
events and re-armed reminders as the same change made in the app."""
from datetime import UTC, datetime, timedelta

import pytest

from realtime.models import Event
from tracker import services
from tracker.models import Application, ApplicationStatusChange, FollowUp, Interview, Job

pytestmark = pytest.mark.django_db

INTERVIEW_AT = datetime(2031, 6, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def staff_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


@pytest.fixture
def job(user):
    job, _ = services.create_job(user, company="Umbrella", job_title="Data Engineer", job_url="https://u.example/1")
    return job


@pytest.fixture
def app(user, job):
    return services.create_application(user, job.id)


def events(user, type_):
    return list(Event.objects.filter(user=user, type=type_).order_by("id").values_list("data", flat=True))


def saved(response):
    """The admin redirects after a save; a re-rendered form means it was refused."""
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    return response


def split(moment):
    return {"scheduled_date_0": moment.strftime("%Y-%m-%d"), "scheduled_date_1": moment.strftime("%H:%M:%S")}


def application_form(**changes):
    return {"status": "saved", "notes": "", "contact_name": "", "contact_email": "", "salary_expectation": "",
            "_save": "Save", **changes}


def test_status_change_writes_history_and_event(staff_client, user, app):
    saved(staff_client.post(f"/admin/tracker/application/{app.id}/change/",
                            application_form(status="applied", notes="called by the recruiter")))
    app.refresh_from_db()
    assert app.status == "applied" and app.applied_at is not None and app.notes == "called by the recruiter"
    assert list(app.status_history.values_list("old_status", "new_status")) == [("", "saved"), ("saved", "applied")]
    changed = events(user, "application.status_changed")
    assert [(e["old_status"], e["new_status"], e["application_id"]) for e in changed] == [("saved", "applied", app.id)]
    assert events(user, "application.updated")[-1]["changes"] == ["notes"]
    # The changelist shows the application, its job and its new status; the change form its history.
    listing = staff_client.get("/admin/tracker/application/").content.decode()
    assert f'href="/admin/tracker/application/{app.id}/change/' in listing
    assert "Data Engineer at Umbrella" in listing and "alice" in listing and "Applied" in listing
    form = staff_client.get(f"/admin/tracker/application/{app.id}/change/").content.decode()
    assert "called by the recruiter" in form and "saved → applied" in form


def test_adding_an_application_is_the_service_create(staff_client, user, job):
    saved(staff_client.post("/admin/tracker/application/add/", {**application_form(status="applied"),
                                                                 "job": job.id, "contact_name": "Kim"}))
    app = Application.objects.get(job=job)
    assert app.user == user and app.status == "applied" and app.contact_name == "Kim"
    assert list(ApplicationStatusChange.objects.filter(application=app).values_list("new_status", flat=True)) == [
        "applied"]
    assert [e["changes"] for e in events(user, "application.updated")] == [["created"], ["contact_name"]]


def interview_form(moment, **changes):
    return {"interview_type": "technical", **split(moment), "duration_minutes": "60", "location": "",
            "meeting_link": "", "notes": "", "status": "scheduled", "_save": "Save", **changes}


def test_rescheduling_an_interview_publishes_and_rearms_its_reminders(staff_client, user, app):
    interview = services.schedule_interview(user, app.id, interview_type="technical", scheduled_date=INTERVIEW_AT)
    assert services.send_interview_reminders(INTERVIEW_AT - timedelta(minutes=10)) == 1
    new_time = INTERVIEW_AT + timedelta(days=7)
    saved(staff_client.post(f"/admin/tracker/interview/{interview.id}/change/", interview_form(new_time)))
    interview.refresh_from_db()
    assert interview.scheduled_date == new_time
    updated = events(user, "interview.updated")
    assert len(updated) == 1 and updated[0]["changes"] == ["scheduled_date"]
    assert updated[0]["scheduled_date"] == "2031-06-09T14:00:00.000Z"
    assert services.send_interview_reminders(new_time - timedelta(minutes=10)) == 1
    assert [r["scheduled_date"] for r in events(user, "interview.reminder")] == [
        "2031-06-02T14:00:00.000Z", "2031-06-09T14:00:00.000Z"]


def test_adding_an_interview_is_the_service_schedule(staff_client, user, app):
    saved(staff_client.post("/admin/tracker/interview/add/", {**interview_form(INTERVIEW_AT), "application": app.id}))
    interview = Interview.objects.get(application=app)
    assert interview.user == user
    assert [e["interview_id"] for e in events(user, "interview.scheduled")] == [interview.id]


def followup_form(moment, **changes):
    return {"followup_type": "post_application", **split(moment), "notes": "", "_save": "Save", **changes}


def test_rescheduling_a_followup_rearms_followup_due(staff_client, user, app):
    followup = services.create_followup(user, app.id, scheduled_date=INTERVIEW_AT)
    assert services.send_followup_due(INTERVIEW_AT - timedelta(hours=1)) == 1
    new_time = INTERVIEW_AT + timedelta(days=3)
    saved(staff_client.post(f"/admin/tracker/followup/{followup.id}/change/", followup_form(new_time)))
    followup.refresh_from_db()
    assert followup.scheduled_date == new_time and followup.due_notified_at is None
    assert services.send_followup_due(new_time - timedelta(hours=1)) == 1
    assert [e["scheduled_date"] for e in events(user, "followup.due")] == [
        "2031-06-02T14:00:00.000Z", "2031-06-05T14:00:00.000Z"]


def test_adding_a_followup_and_marking_it_sent(staff_client, user, app):
    saved(staff_client.post("/admin/tracker/followup/add/", {**followup_form(INTERVIEW_AT), "application": app.id}))
    followup = FollowUp.objects.get(application=app)
    assert followup.user == user
    saved(staff_client.post("/admin/tracker/followup/", {"action": "mark_sent", "_selected_action": [followup.id]}))
    followup.refresh_from_db()
    assert followup.sent and followup.sent_at
    assert [e["followup_id"] for e in events(user, "followup.sent")] == [followup.id]


def test_jobs_are_added_and_reanalysed_through_services(staff_client, user):
    saved(staff_client.post("/admin/tracker/job/add/", {
        "user": user.id, "company": "Hooli", "job_title": "SRE", "job_description": "Kubernetes",
        "job_url": "https://hooli.example/1", "location": "", "source": "manual", "posting": "", "_save": "Save"}))
    job = Job.objects.get(user=user, company="Hooli")
    assert [e["job_id"] for e in events(user, "job.created")] == [job.id]
    Job.objects.filter(pk=job.pk).update(analysis_status=Job.AnalysisStatus.FAILED)
    saved(staff_client.post("/admin/tracker/job/", {"action": "analyse_again", "_selected_action": [job.id]}))
    job.refresh_from_db()
    assert job.analysis_status == Job.AnalysisStatus.PENDING
    listing = staff_client.get("/admin/tracker/job/").content.decode()
    assert f'href="/admin/tracker/job/{job.id}/change/' in listing and "Hooli" in listing and "SRE" in listing


def test_rejected_job_url_in_admin(staff_client, user):
    response = staff_client.post("/admin/tracker/job/add/", {
        "user": user.id, "company": "Hooli", "job_title": "SRE", "job_url": "ftp://hooli.example/1",
        "source": "manual", "_save": "Save"})
    assert response.status_code == 200 and "Enter an http:// or https:// URL." in response.content.decode()
    assert not Job.objects.filter(user=user).exists()


def test_computed_rows_are_read_only(staff_client, app):
    change = ApplicationStatusChange.objects.get(application=app)
    page = staff_client.get(f"/admin/tracker/applicationstatuschange/{change.id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "- -&gt; saved" in html and "Data Engineer at Umbrella" in html  # the row, shown...
    assert 'name="new_status"' not in html and 'name="_save"' not in html  # ...with nothing to edit
    response = staff_client.post(f"/admin/tracker/applicationstatuschange/{change.id}/change/",
                                 {"old_status": "", "new_status": "rejected"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.new_status == "saved"


def test_deleting_in_the_admin_deletes_through_services(staff_client, user, app):
    saved(staff_client.post(f"/admin/tracker/application/{app.id}/delete/", {"post": "yes"}))
    assert not Application.objects.filter(pk=app.pk).exists()
