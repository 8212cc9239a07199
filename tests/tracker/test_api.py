"""REST API v1 of the tracker: each endpoint, validation, and isolation between users.
Events are checked in the event log here (tests/tracker/test_events.py receives them
on a real WebSocket)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from realtime.models import Event
from tracker.models import Application, Job

pytestmark = pytest.mark.django_db

JOB = {
    "company": "Acme", "job_title": "Senior Backend Engineer",
    "job_description": "## Requirements\n- 5+ years of Python and Django\n- PostgreSQL\n## Nice to have\n- Kubernetes",
    "job_url": "https://jobs.example.com/acme/1", "location": "Remote (EU)", "source": "linkedin",
}


@pytest.fixture
def client_for(make_token):
    from rest_framework.test import APIClient

    def make(user, scope=None):
        """A bot/worker token client, or (scope None) the user's logged-in session."""
        client = APIClient()
        if scope is None:
            client.force_login(user)
        else:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user, scope)}")
        return client
    return make


@pytest.fixture
def alice(user, client_for):
    return client_for(user)  # a session: a bot token reaches only the bot's endpoints


@pytest.fixture
def bob(other_user, client_for):
    return client_for(other_user)


def events(user, type_):
    return list(Event.objects.filter(user=user, type=type_).order_by("id").values_list("data", flat=True))


def make_job(client, **overrides):
    response = client.post("/api/v1/jobs", {**JOB, **overrides}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def make_application(client, job_id, **body):
    response = client.post("/api/v1/applications", {"job_id": job_id, **body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# ---------------------------------------------------------------- auth

def test_anonymous_gets_401_json(api_client):
    response = api_client.get("/api/v1/jobs")
    assert response.status_code == 401
    assert "error" in response.json()


def test_a_bot_token_and_a_session_work_for_their_own_user(user, client_for):
    for scope in ("bot", None):  # a worker token only reports progress (tests/test_security_scopes.py)
        response = client_for(user, scope).post("/api/v1/jobs", {**JOB, "job_url": f"https://x.example/{scope}"},
                                                format="json")
        assert response.status_code == 201
    assert Job.objects.filter(user=user).count() == 2


def test_session_auth_needs_csrf(session_client):
    response = session_client.post("/api/v1/jobs", JOB, content_type="application/json")
    assert response.status_code == 403
    session_client.get("/jobs/")  # sets the CSRF cookie
    token = session_client.cookies["csrftoken"].value
    response = session_client.post("/api/v1/jobs", JOB, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


# ---------------------------------------------------------------- jobs

def test_create_job_publishes_job_created_and_is_idempotent_per_url(user, alice):
    first = alice.post("/api/v1/jobs", JOB, format="json")
    assert first.status_code == 201
    body = first.json()
    assert body["id"] and body["company"] == "Acme" and body["analysis_status"] == "pending"
    again = alice.post("/api/v1/jobs", {**JOB, "job_title": "Changed"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"] and again.json()["job_title"] == "Senior Backend Engineer"
    assert events(user, "job.created") == [{"job_id": body["id"], "company": "Acme",
                                            "job_title": "Senior Backend Engineer", "location": "Remote (EU)",
                                            "source": "linkedin"}]


def test_same_url_for_two_users_is_two_jobs(alice, bob):
    assert make_job(alice)["id"] != make_job(bob)["id"]


def test_jobs_without_url_are_not_merged(alice):
    assert make_job(alice, job_url="")["id"] != make_job(alice, job_url="")["id"]


@pytest.mark.parametrize("body, field", [
    ({"job_title": "x"}, "company"),
    ({"company": "x"}, "job_title"),
    ({"company": "x", "job_title": "y", "job_url": "not a url"}, "job_url"),
    ({"company": "x" * 201, "job_title": "y"}, "company"),
])
def test_create_job_validation(alice, body, field):
    response = alice.post("/api/v1/jobs", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_job_list_detail_filters_and_analysis(user, alice):
    from tracker import services

    job_id = make_job(alice)["id"]
    other_id = make_job(alice, job_url="https://jobs.example.com/2", job_title="Designer", job_description="Figma")
    services.analyze_job(job_id)  # what the Celery task runs
    detail = alice.get(f"/api/v1/jobs/{job_id}").json()
    assert detail["analysis_status"] == "analyzed"
    # alice has no profile: no skill matches (0/60), and neutral title (10/20), experience (5/10);
    # a remote role suits "any" preference (10/10). 25 is below 60: skip.
    assert detail["match_score"] == 25
    assert detail["recommendation"] == "skip"
    assert [(c["name"], c["points"]) for c in detail["analysis"]["score_breakdown"]] == [
        ("skills", 0), ("title", 10), ("location", 10), ("experience", 5)]
    assert detail["analysis"]["requirements"]["required_skills"] == ["Python", "Django", "PostgreSQL"]
    assert detail["analysis"]["requirements"]["experience"]["label"] == "5+ years"
    listing = alice.get("/api/v1/jobs").json()
    assert listing["count"] == 2 and {j["id"] for j in listing["results"]} == {job_id, other_id["id"]}
    assert [j["id"] for j in alice.get("/api/v1/jobs?q=designer").json()["results"]] == [other_id["id"]]
    assert alice.get("/api/v1/jobs?min_score=abc").status_code == 400
    gap = alice.get(f"/api/v1/jobs/{job_id}/skills-gap").json()
    assert {m["skill"] for m in gap["missing_skills"]} == {"Python", "Django", "PostgreSQL", "Kubernetes"}
    assert alice.get(f"/api/v1/jobs/{other_id['id']}/skills-gap").status_code == 404  # not analysed yet


def test_analysis_events_carry_the_spec_fields(user, alice):
    from accounts.models import Profile
    from tracker import services

    Profile.objects.create(user=user, skills=["python", "django", "postgres"], desired_titles=["Backend Engineer"],
                           years_experience=6, remote_preference="remote")
    job_id = make_job(alice)["id"]
    services.analyze_job(job_id)
    assert events(user, "job.analyzing") == [{"job_id": job_id, "company": "Acme", "job_title": JOB["job_title"]}]
    analyzed = events(user, "job.analyzed")[0]
    assert analyzed["job_id"] == job_id and analyzed["recommendation"] == "apply_now"
    assert "Strong Python match" in analyzed["strengths"] and analyzed["match_score"] >= 80
    # Skills weigh 3 (required) or 1 (nice to have): Python, Django, PostgreSQL held, Kubernetes
    # missing -> 9 of 10 -> 90 % overall, 54/60 points; title, location and experience full marks.
    assert analyzed["match_score"] == 94
    gap = events(user, "skill_gap.completed")[0]
    assert gap == {"job_id": job_id, "overall_match": 90, "matching_skills": 3, "missing_skills": 1,
                   "missing_skills_list": [{"skill": "Kubernetes", "importance": "low"}]}


def test_reanalyze_and_delete(alice, bob):
    job_id = make_job(alice)["id"]
    assert alice.post(f"/api/v1/jobs/{job_id}/analyze").status_code == 202
    assert bob.post(f"/api/v1/jobs/{job_id}/analyze").status_code == 404
    assert bob.delete(f"/api/v1/jobs/{job_id}").status_code == 404
    assert alice.delete(f"/api/v1/jobs/{job_id}").status_code == 204
    assert alice.get(f"/api/v1/jobs/{job_id}").status_code == 404


# ---------------------------------------------------------------- applications

def test_application_create_conflict_status_and_history(user, alice):
    job_id = make_job(alice)["id"]
    app = make_application(alice, job_id, notes="referral from Sam")
    assert app["job_id"] == job_id and app["status"] == "saved" and app["notes"] == "referral from Sam"
    conflict = alice.post("/api/v1/applications", {"job_id": job_id}, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["application_id"] == app["id"] and conflict.json()["error"]

    moved = alice.post(f"/api/v1/applications/{app['id']}/status", {"status": "applied"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "applied"
    alice.post(f"/api/v1/applications/{app['id']}/status", {"status": "interviewing"}, format="json")
    history = alice.get(f"/api/v1/applications/{app['id']}").json()["status_history"]
    assert [(h["old_status"], h["new_status"]) for h in history] == [("", "saved"), ("saved", "applied"),
                                                                     ("applied", "interviewing")]
    assert all(h["changed_at"] for h in history)
    changed = events(user, "application.status_changed")
    assert [(e["old_status"], e["new_status"]) for e in changed] == [("saved", "applied"), ("applied", "interviewing")]
    assert changed[0]["job_id"] == job_id and changed[0]["company"] == "Acme"
    assert changed[0]["job_title"] == JOB["job_title"] and changed[0]["timestamp"].endswith("Z")


def test_status_validation(alice):
    app = make_application(alice, make_job(alice)["id"])
    response = alice.post(f"/api/v1/applications/{app['id']}/status", {"status": "hired"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["fields"]
    assert alice.post("/api/v1/applications", {"job_id": 999999}, format="json").status_code == 404


def test_patch_edits_publish_application_updated(user, alice):
    app = make_application(alice, make_job(alice)["id"])
    response = alice.patch(f"/api/v1/applications/{app['id']}", {"notes": "called HR", "contact_name": "Kim"},
                           format="json")
    assert response.status_code == 200 and response.json()["notes"] == "called HR"
    updated = events(user, "application.updated")
    assert updated[-1]["changes"] == ["notes", "contact_name"] and updated[-1]["application_id"] == app["id"]
    assert alice.patch(f"/api/v1/applications/{app['id']}", {"contact_email": "nope"}, format="json").status_code == 400


def test_applied_summary_for_the_bot(user, alice):
    saved = make_application(alice, make_job(alice, job_url="https://j.example/saved")["id"])
    applied = make_application(alice, make_job(alice, job_url="https://j.example/applied")["id"], status="applied")
    later = make_application(alice, make_job(alice, job_url="https://j.example/later")["id"])
    alice.post(f"/api/v1/applications/{later['id']}/status", {"status": "applied"}, format="json")
    alice.post(f"/api/v1/applications/{later['id']}/status", {"status": "screening"}, format="json")
    old = make_application(alice, make_job(alice, job_url="https://j.example/old")["id"])
    alice.post(f"/api/v1/applications/{old['id']}/status", {"status": "applied"}, format="json")
    Application.objects.get(pk=old["id"]).status_history.filter(new_status="applied").update(
        changed_at=timezone.now() - timedelta(days=2))
    summary = alice.get("/api/v1/applications/applied").json()
    assert summary == {"job_urls": ["https://j.example/applied", "https://j.example/later", "https://j.example/old"],
                       "applied_today": 2}
    assert saved["status"] == "saved" and applied["status"] == "applied"


def test_users_never_see_each_others_data(alice, bob):
    job_id = make_job(alice)["id"]
    app = make_application(alice, job_id)
    interview = alice.post("/api/v1/interviews", {"application_id": app["id"], "interview_type": "technical",
                                                  "scheduled_date": "2030-01-01T10:00:00Z"}, format="json").json()
    followup = alice.post("/api/v1/followups", {"application_id": app["id"],
                                                "scheduled_date": "2030-01-02T10:00:00Z"}, format="json").json()
    for url in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/skills-gap", f"/api/v1/applications/{app['id']}",
                f"/api/v1/interviews/{interview['id']}", f"/api/v1/interviews/{interview['id']}.ics",
                f"/api/v1/followups/{followup['id']}"):
        assert bob.get(url).status_code == 404, url
    assert bob.post(f"/api/v1/applications/{app['id']}/status", {"status": "rejected"}, format="json").status_code == 404
    assert bob.patch(f"/api/v1/applications/{app['id']}", {"notes": "x"}, format="json").status_code == 404
    assert bob.patch(f"/api/v1/interviews/{interview['id']}", {"notes": "x"}, format="json").status_code == 404
    assert bob.post(f"/api/v1/followups/{followup['id']}/sent").status_code == 404
    assert bob.post("/api/v1/applications", {"job_id": job_id}, format="json").status_code == 404
    assert bob.post("/api/v1/interviews", {"application_id": app["id"], "scheduled_date": "2030-01-01T10:00:00Z"},
                    format="json").status_code == 404
    for url in ("/api/v1/jobs", "/api/v1/applications", "/api/v1/interviews", "/api/v1/followups",
                "/api/v1/recommendations"):
        assert bob.get(url).json()["count"] == 0, url
    assert bob.get("/api/v1/applications/applied").json() == {"job_urls": [], "applied_today": 0}
    assert Application.objects.get(pk=app["id"]).status == "saved"


# ---------------------------------------------------------------- interviews

def test_interviews_schedule_update_and_ics(user, alice):
    job_id = make_job(alice)["id"]
    app = make_application(alice, job_id)
    response = alice.post("/api/v1/interviews", {
        "job_id": job_id, "interview_type": "technical", "scheduled_date": "2030-03-01T14:00:00Z",
        "duration_minutes": 90, "meeting_link": "https://meet.example.com/abc", "notes": "Bring questions, please"},
        format="json")
    assert response.status_code == 201, response.json()
    interview = response.json()
    assert interview["application_id"] == app["id"] and interview["calendar_event_id"].startswith("cal_")
    scheduled = events(user, "interview.scheduled")
    assert scheduled == [{"interview_id": interview["id"], "job_id": job_id, "company": "Acme",
                          "job_title": JOB["job_title"], "interview_type": "technical",
                          "scheduled_date": "2030-03-01T14:00:00.000Z", "duration_minutes": 90,
                          "calendar_event_id": interview["calendar_event_id"]}]
    patched = alice.patch(f"/api/v1/interviews/{interview['id']}", {"scheduled_date": "2030-03-02T09:30:00Z",
                                                                    "location": "Room 4"}, format="json")
    assert patched.status_code == 200 and patched.json()["location"] == "Room 4"
    updated = events(user, "interview.updated")
    assert updated[-1]["scheduled_date"] == "2030-03-02T09:30:00.000Z"
    assert set(updated[-1]["changes"]) == {"scheduled_date", "location"}

    ics = alice.get(f"/api/v1/interviews/{interview['id']}.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    text = ics.content.decode()
    assert "BEGIN:VCALENDAR" in text and "DTSTART:20300302T093000Z" in text and "DTEND:20300302T110000Z" in text
    assert "SUMMARY:Technical interview: Senior Backend Engineer at Acme" in text
    assert "Bring questions\\, please" in text and "\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))

    assert alice.post("/api/v1/interviews", {"scheduled_date": "2030-03-01T14:00:00Z"},
                      format="json").status_code == 400
    assert alice.post("/api/v1/interviews", {"application_id": app["id"], "scheduled_date": "soon"},
                      format="json").status_code == 400
    upcoming = alice.get("/api/v1/interviews?upcoming=1").json()
    assert [i["id"] for i in upcoming["results"]] == [interview["id"]]


# ---------------------------------------------------------------- follow-ups

def test_followups_and_sent_event_once(user, alice):
    app = make_application(alice, make_job(alice)["id"], status="applied")
    response = alice.post("/api/v1/followups", {"application_id": app["id"], "followup_type": "post_application",
                                                "scheduled_date": "2030-01-05T09:00:00Z", "notes": "ask for update"},
                          format="json")
    assert response.status_code == 201
    followup = response.json()
    assert followup["sent"] is False and followup["followup_type"] == "post_application"
    first = alice.post(f"/api/v1/followups/{followup['id']}/sent")
    assert first.status_code == 200 and first.json()["sent"] is True and first.json()["sent_at"]
    alice.post(f"/api/v1/followups/{followup['id']}/sent")
    alice.patch(f"/api/v1/followups/{followup['id']}", {"sent": True}, format="json")
    sent = events(user, "followup.sent")
    assert len(sent) == 1
    assert sent[0]["followup_id"] == followup["id"] and sent[0]["followup_type"] == "post_application"
    assert alice.get("/api/v1/followups?pending=1").json()["count"] == 0
    assert alice.post("/api/v1/followups", {"application_id": app["id"]}, format="json").status_code == 400


# ---------------------------------------------------------------- schema

def test_openapi_schema_and_docs_list_tracker_endpoints(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/jobs", "/api/v1/applications/{application_id}/status", "/api/v1/applications/applied",
                 "/api/v1/interviews/{interview_id}.ics", "/api/v1/followups/{followup_id}/sent",
                 "/api/v1/recommendations", "/api/v1/jobs/{job_id}/skills-gap"):
        assert path in text, path
    assert client.get("/api/docs/").status_code == 200


def test_job_urls_must_be_http(alice):
    for url in ("javascript:alert(1)", "ftp://files.example.com/1"):
        response = alice.post("/api/v1/jobs", {**JOB, "job_url": url}, format="json")
        assert response.status_code == 400 and "job_url" in response.json()["fields"], url


def _times(value, key=""):
    """Every (key, value) in a JSON document whose key names a time."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _times(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _times(v, key)
    elif key.endswith("_at") or key in ("scheduled_date", "timestamp"):
        yield key, value


def test_every_time_in_the_api_is_the_wire_format(alice):
    from core.wire import is_wire_time
    from tracker import services

    job_id = make_job(alice)["id"]
    services.analyze_job(job_id)
    app = make_application(alice, job_id, status="applied")
    interview = alice.post("/api/v1/interviews", {"application_id": app["id"], "scheduled_date": "2030-01-01T10:00:00+02:00"},
                           format="json").json()
    followup = alice.post("/api/v1/followups", {"application_id": app["id"], "scheduled_date": "2030-01-02T10:00:00Z",
                                                "sent": True}, format="json").json()
    assert interview["scheduled_date"] == "2030-01-01T08:00:00.000Z"
    urls = ["/api/v1/jobs", f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/skills-gap", "/api/v1/applications",
            f"/api/v1/applications/{app['id']}", "/api/v1/interviews", f"/api/v1/interviews/{interview['id']}",
            "/api/v1/followups", f"/api/v1/followups/{followup['id']}", "/api/v1/recommendations"]
    seen = set()
    for url in urls:
        for key, value in _times(alice.get(url).json()):
            assert value is None or is_wire_time(value), (url, key, value)
            if value:
                seen.add(key)
    assert {"created_at", "updated_at", "analyzed_at", "applied_at", "changed_at", "scheduled_date", "sent_at"} <= seen
