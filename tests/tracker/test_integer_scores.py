"""Match scores are whole percentages everywhere (issue 14 item 5): "67%", never "66.7%".
An analysis with a fractional skill coverage stores, serves, sends and renders integers."""
import re

import pytest

from accounts.services import get_or_create_profile
from realtime.models import Event
from tracker import services
from tracker.analysis import percent
from tracker.models import Job, Recommendation, SkillGap

pytestmark = pytest.mark.django_db

# Two required skills (weight 3 each) and one nice-to-have (weight 1): Python and Django
# cover 6/7 = 85.71...%, a fraction before rounding (asserted below).
POSTING = "## Requirements\n- Python and Django\n## Nice to have\n- Kubernetes"


def test_percent_rounds_half_up_once():
    assert [percent(x) for x in (0, 52.5, 53.3, 66.6667, 99.5, 100)] == [0, 53, 53, 67, 100, 100]


@pytest.fixture
def job(user):
    profile = get_or_create_profile(user)
    profile.skills, profile.desired_titles = ["Python", "Django"], ["Backend Engineer"]
    profile.save()
    job, _ = services.create_job(user, company="Globex", job_title="Backend Engineer", job_description=POSTING,
                                 job_url="https://jobs.example.com/1", location="Remote")
    services.analyze_job(job.id)
    services.recompute_recommendations(user)
    return Job.objects.get(pk=job.id)


def test_fractional_coverage_is_stored_sent_and_served_as_integers(api_client, user, job):
    gap = SkillGap.objects.get(job=job)
    skills = job.analysis["score_breakdown"][0]
    coverage = skills["points"] / skills["max_points"] * 100
    assert coverage != int(coverage)  # really fractional before rounding
    assert gap.overall_match == percent(coverage)
    for value in (job.match_score, gap.overall_match, job.analysis["match_score"],
                  job.analysis["skills_gap"]["overall_match"]):
        assert type(value) is int
    rec = Recommendation.objects.get(user=user, job=job)
    assert type(rec.score) is int and rec.score == job.match_score

    analyzed = Event.objects.get(user=user, type="job.analyzed").data
    completed = Event.objects.get(user=user, type="skill_gap.completed").data
    assert type(analyzed["match_score"]) is int and analyzed["match_score"] == job.match_score
    assert type(completed["overall_match"]) is int and completed["overall_match"] == gap.overall_match
    new = Event.objects.filter(user=user, type__startswith="recommendations.").latest("id").data
    assert all(type(item["score"]) is int for item in new["top_recommendations"])

    api_client.force_authenticate(user)
    detail = api_client.get(f"/api/v1/jobs/{job.id}").json()
    assert type(detail["match_score"]) is int and detail["match_score"] == job.match_score
    served_gap = api_client.get(f"/api/v1/jobs/{job.id}/skills-gap").json()
    assert type(served_gap["overall_match"]) is int and served_gap["overall_match"] == gap.overall_match
    recs = api_client.get("/api/v1/recommendations").json()
    items = recs["results"] if isinstance(recs, dict) and "results" in recs else recs
    items = items["recommendations"] if isinstance(items, dict) else items
    assert items and all(type(r["score"]) is int for r in items)


def test_pages_show_whole_percentages(session_client, user, job):
    services.create_application(user, job.id)
    score, overall = f"{job.match_score}%", f"{SkillGap.objects.get(job=job).overall_match}%"
    for url, expected in [("/jobs/", score), (f"/jobs/{job.id}/", overall), ("/applications/", score),
                          ("/recommendations/", score)]:
        html = session_client.get(url).content.decode()
        assert expected in html, url
        assert not re.search(r"\d+[.,]\d+\s*%", html), url
