"""Tracker pages: rendered for their owner only, escaped, and usable without JavaScript."""
from datetime import timedelta

import pytest
from django.utils import timezone

from tracker import services
from tracker.models import Application, FollowUp, Interview

pytestmark = pytest.mark.django_db

EVIL = '<script>alert("x")</script>'


def csrf(client, url):
    client.get(url)
    return client.cookies["csrftoken"].value


@pytest.fixture
def job(user):
    job, _ = services.create_job(user, company=f"Evil {EVIL}", job_title="Platform Engineer",
                                 job_description="## Requirements\n- Kubernetes and Terraform", job_url="https://e.example/1",
                                 location="Berlin")
    services.analyze_job(job.id)
    job.refresh_from_db()
    return job


def test_pages_need_login(client):
    for url in ("/jobs/", "/applications/", "/interviews/", "/followups/", "/recommendations/"):
        assert client.get(url).status_code == 302, url


def test_jobs_page_lists_with_badges_and_escapes(session_client, job):
    html = session_client.get("/jobs/").content.decode()
    assert "Platform Engineer" in html and f'data-job-id="{job.id}"' in html
    assert "match-badge" in html and f"{job.match_score:g}%".replace(".0%", "%") in html
    assert EVIL not in html and "&lt;script&gt;" in html
    assert "js/tracker.js" in html and 'data-channels="jobs,skills,applications' in html
    assert "Platform Engineer" not in session_client.get("/jobs/?q=designer").content.decode()
    assert "Platform Engineer" in session_client.get(f"/jobs/?recommendation={job.recommendation}").content.decode()


def test_job_page_shows_analysis_and_gap_for_owner_only(session_client, job, other_user):
    html = session_client.get(f"/jobs/{job.id}/").content.decode()
    assert "Skills gap" in html and "Kubernetes" in html and "Terraform" in html
    assert "Missing required skills" in html
    other_job, _ = services.create_job(other_user, company="Other", job_title="Secret", job_url="https://o.example/1")
    assert session_client.get(f"/jobs/{other_job.id}/").status_code == 404


def test_add_job_and_track_it_without_javascript(session_client, user):
    token = csrf(session_client, "/jobs/")
    response = session_client.post("/jobs/", {"company": "Initrode", "job_title": "SRE", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    created = user.tracked_jobs.get(company="Initrode")
    session_client.post(f"/jobs/{created.id}/track", {"csrfmiddlewaretoken": token})
    assert Application.objects.get(job=created).status == "saved"


def test_kanban_columns_and_select_fallback(session_client, user, job):
    app = services.create_application(user, job.id)
    html = session_client.get("/applications/").content.decode()
    for status in ("saved", "applied", "screening", "interviewing", "offer_received", "rejected", "withdrawn"):
        assert f'data-status="{status}"' in html
    assert f'data-application-id="{app.id}"' in html and 'draggable="true"' in html
    token = csrf(session_client, "/applications/")
    session_client.post(f"/applications/{app.id}/status", {"status": "screening", "csrfmiddlewaretoken": token})
    assert Application.objects.get(pk=app.id).status == "screening"


def test_interviews_page_upcoming_with_countdown_and_ics(session_client, user, job):
    app = services.create_application(user, job.id)
    soon = timezone.now() + timedelta(days=2)
    past = services.schedule_interview(user, app.id, scheduled_date=timezone.now() - timedelta(days=1))
    upcoming = services.schedule_interview(user, app.id, scheduled_date=soon, interview_type="onsite")
    html = session_client.get("/interviews/").content.decode()
    assert f'data-interview-id="{upcoming.id}"' in html and f'data-interview-id="{past.id}"' not in html
    assert "data-countdown=" in html and f"/api/v1/interviews/{upcoming.id}.ics" in html
    token = csrf(session_client, "/interviews/")
    session_client.post("/interviews/", {"application_id": app.id, "scheduled_date": "2031-01-01T10:00",
                                         "interview_type": "technical", "duration_minutes": "30",
                                         "csrfmiddlewaretoken": token})
    assert Interview.objects.filter(application=app, interview_type="technical", duration_minutes=30).exists()
    assert session_client.get(f"/api/v1/interviews/{upcoming.id}.ics").status_code == 200


def test_followups_page_plan_and_mark_sent(session_client, user, job):
    app = services.create_application(user, job.id)
    token = csrf(session_client, "/followups/")
    session_client.post("/followups/", {"application_id": app.id, "scheduled_date": "2031-01-01T10:00",
                                        "followup_type": "check_in", "csrfmiddlewaretoken": token})
    followup = FollowUp.objects.get(application=app)
    assert f'data-followup-id="{followup.id}"' in session_client.get("/followups/").content.decode()
    session_client.post(f"/followups/{followup.id}/sent", {"csrfmiddlewaretoken": token})
    followup.refresh_from_db()
    assert followup.sent


def test_admin_has_every_tracker_model(client, staff_user, user, job):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    for model in ("job", "skillgap", "application", "applicationstatuschange", "interview", "interviewreminder",
                  "followup", "postinganalysis", "recommendation"):
        assert client.get(f"/admin/tracker/{model}/").status_code == 200, model


@pytest.mark.parametrize("url, error", [
    ("javascript:alert(document.cookie)", "Enter a valid URL."),
    ("ftp://files.example.com/job.txt", "Enter an http:// or https:// URL."),
])
def test_add_job_form_accepts_only_http_urls(session_client, user, url, error):
    token = csrf(session_client, "/jobs/")
    response = session_client.post("/jobs/", {"company": "Initrode", "job_title": "SRE", "job_url": url,
                                              "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html and 'class="errorlist' in html and "<details class=\"card\" open>" in html
    assert 'href="javascript:' not in html
    assert not user.tracked_jobs.exists()
    session_client.post("/jobs/", {"company": "Initrode", "job_title": "SRE", "job_url": "https://i.example/1",
                                   "csrfmiddlewaretoken": token})
    assert user.tracked_jobs.get().job_url == "https://i.example/1"


def test_interview_form_errors_are_shown_and_others_applications_are_not_choices(session_client, user, other_user,
                                                                                  job):
    theirs, _ = services.create_job(other_user, company="Other", job_title="Secret", job_url="https://o.example/2")
    their_app = services.create_application(other_user, theirs.id)
    token = csrf(session_client, "/interviews/")
    response = session_client.post("/interviews/", {"application_id": their_app.id, "scheduled_date": "soon",
                                                    "interview_type": "technical", "duration_minutes": "2",
                                                    "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"application_id", "scheduled_date", "duration_minutes"}
    assert "Secret" not in response.content.decode()
    assert not Interview.objects.exists()
