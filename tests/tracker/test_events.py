"""The events each tracker action publishes, received on a real WebSocket (daphne)
with analysis running on a real Celery worker."""
import httpx
import pytest

from accounts.models import Profile
from tests import support
from tests.session_auth import session_headers

pytestmark = pytest.mark.django_db(transaction=True)

CHANNELS = "jobs,skills,applications,interviews,followups,recommendations"
JOB = {"company": "Globex", "job_title": "Backend Engineer",
       "job_description": "## Requirements\n- Python, Django and PostgreSQL\n## Nice to have\n- Kubernetes",
       "job_url": "https://jobs.example.com/globex/7", "location": "Remote", "source": "linkedin"}


class Api:
    """HTTP calls to the real daphne server, as the bot and other clients make them
    (in-process calls could not send live once a Playwright loop owns this thread)."""

    def __init__(self, server, token=None, *, user=None):
        """With a bot `token`, or as `user` on a logged-in session (with CSRF): a bot token
        reaches only the bot's endpoints (tests/test_security_scopes.py)."""
        headers = session_headers(user) if user is not None else {"Authorization": f"Bearer {token}"}
        self.client = httpx.Client(base_url=server.url, headers=headers, timeout=15)

    def _call(self, method, path, body=None):
        response = self.client.request(method, path, json=body)
        assert response.status_code < 400, response.text
        return response.json()

    def post(self, path, body=None):
        return self._call("POST", path, body)

    def patch(self, path, body):
        return self._call("PATCH", path, body)


def test_job_pipeline_events_reach_the_owner_only(user, other_user, make_token, daphne_server, celery_worker,
                                                  ws_listen):
    Profile.objects.create(user=user, skills=["Python", "Django", "Postgres"], desired_titles=["Backend Engineer"],
                           remote_preference="remote", years_experience=5)
    token = make_token(user)
    mine = ws_listen(daphne_server, token, CHANNELS)
    theirs = ws_listen(daphne_server, make_token(other_user), CHANNELS)

    job_id = Api(daphne_server, token).post("/api/v1/jobs", JOB)["id"]

    created = mine.wait_for("job.created")
    assert created["channel"] == "jobs"
    assert created["data"] == {"job_id": job_id, "company": "Globex", "job_title": "Backend Engineer",
                               "location": "Remote", "source": "linkedin"}
    assert mine.wait_for("job.analyzing", timeout=30)["data"] == {"job_id": job_id, "company": "Globex",
                                                                  "job_title": "Backend Engineer"}
    analyzed = mine.wait_for("job.analyzed", timeout=30)["data"]
    assert analyzed["job_id"] == job_id and analyzed["recommendation"] == "apply_now"
    assert analyzed["match_score"] >= 80 and "Strong Python match" in analyzed["strengths"]
    assert "Remote role matches your preference" in analyzed["strengths"]
    gap = mine.wait_for("skill_gap.completed", timeout=30)
    assert gap["channel"] == "skills"
    assert gap["data"]["missing_skills_list"] == [{"skill": "Kubernetes", "importance": "low"}]
    recommendations = mine.wait_for("recommendations.new", timeout=30)["data"]
    assert recommendations["count"] == 1
    assert recommendations["top_recommendations"][0]["job_id"] == job_id
    order = [m["type"] for m in mine.events()]
    assert order.index("job.created") < order.index("job.analyzing") < order.index("job.analyzed")
    assert not theirs.events()
    # A barrier: bob saves a job of his own. His socket is alive and gets it; had any of alice's
    # events leaked to him, they would have arrived before it.
    their_job_id = Api(daphne_server, make_token(other_user)).post(
        "/api/v1/jobs", {**JOB, "job_url": "https://jobs.example.com/globex/8"})["id"]
    barrier = theirs.wait_for("job.created")
    assert barrier["data"]["job_id"] == their_job_id
    assert theirs.events()[0]["id"] == barrier["id"]
    assert all(m["data"].get("job_id") != job_id for m in theirs.events())
    support.wait_until_idle(celery_worker)  # bob's job is being analysed: let it finish before the flush


def test_application_interview_followup_events(user, make_token, daphne_server, celery_worker, ws_listen):
    token = make_token(user)
    api = Api(daphne_server, user=user)
    ws = ws_listen(daphne_server, token, CHANNELS)
    job_id = api.post("/api/v1/jobs", JOB)["id"]
    app_id = api.post("/api/v1/applications", {"job_id": job_id})["id"]
    assert ws.wait_for("application.updated")["data"]["changes"] == ["created"]

    api.post(f"/api/v1/applications/{app_id}/status", {"status": "applied"})
    changed = ws.wait_for("application.status_changed")
    assert changed["channel"] == "applications"
    data = changed["data"]
    assert (data["old_status"], data["new_status"], data["job_id"], data["company"], data["job_title"]) == (
        "saved", "applied", job_id, "Globex", "Backend Engineer")
    assert data["timestamp"].endswith("Z")

    api.patch(f"/api/v1/applications/{app_id}", {"notes": "sent portfolio"})
    assert ws.wait_for("application.updated", predicate=lambda m: m["data"]["changes"] == ["notes"])

    interview = api.post("/api/v1/interviews", {"application_id": app_id, "interview_type": "phone_screen",
                                                "scheduled_date": "2031-05-01T15:00:00Z"})
    scheduled = ws.wait_for("interview.scheduled")["data"]
    assert scheduled["interview_id"] == interview["id"] and scheduled["interview_type"] == "phone_screen"
    assert scheduled["scheduled_date"] == "2031-05-01T15:00:00.000Z" and scheduled["duration_minutes"] == 60
    api.patch(f"/api/v1/interviews/{interview['id']}", {"duration_minutes": 45})
    assert ws.wait_for("interview.updated")["data"]["duration_minutes"] == 45

    followup = api.post("/api/v1/followups", {"application_id": app_id, "scheduled_date": "2031-05-02T09:00:00Z"})
    api.post(f"/api/v1/followups/{followup['id']}/sent")
    sent = ws.wait_for("followup.sent")
    assert sent["channel"] == "followups" and sent["data"]["followup_id"] == followup["id"]
    support.wait_until_idle(celery_worker)  # the saved job's analysis: finished before the flush


def test_recommendations_for_all_users_after_a_scrape(user, other_user, make_token, daphne_server, celery_worker,
                                                      ws_listen):
    """What the scraping app calls after a run: tracker.recompute_recommendations_for_all_users."""
    from scraping.models import Company, JobPosting
    from tracker import tasks

    Profile.objects.create(user=user, skills=["Python", "Django"], desired_titles=["Backend Engineer"])
    Profile.objects.create(user=other_user, skills=["Figma", "Prototyping"], desired_titles=["Product Designer"])
    board = Company.objects.create(name="Vandelay", source=Company.Source.LEVER, board_token="vandelay")
    backend = JobPosting.objects.create(company=board, external_id="1", title="Backend Engineer", location="Remote",
                                        description="Requirements: Python, Django", url="https://l.example/1")
    designer = JobPosting.objects.create(company=board, external_id="2", title="Product Designer", location="Remote",
                                         description="Requirements: Figma, prototyping", url="https://l.example/2")
    mine = ws_listen(daphne_server, make_token(user), "recommendations")
    theirs = ws_listen(daphne_server, make_token(other_user), "recommendations")

    tasks.recompute_recommendations_for_all_users.delay()

    assert mine.wait_for("recommendations.new", timeout=30)["data"]["top_recommendations"][0]["posting_id"] == backend.id
    assert theirs.wait_for("recommendations.new", timeout=30)["data"]["top_recommendations"][0]["posting_id"] == \
        designer.id
    support.wait_until_idle(celery_worker)  # the recompute task: finished before the flush
