"""Recommendations: a user's best postings (their analysed jobs and active scraped
postings), recomputed after an analysis or a scrape."""
import pytest

from accounts.models import Profile
from realtime.models import Event
from scraping.models import Company, JobPosting
from tracker import services
from tracker.models import Recommendation

pytestmark = pytest.mark.django_db

PYTHON_JOB = "## Requirements\n- Python and Django\n- PostgreSQL"


def posting(company, n, title, description, active=True, location="Remote"):
    return JobPosting.objects.create(company=company, external_id=str(n), title=title, description=description,
                                     location=location, url=f"https://boards.example.com/{company.pk}/{n}",
                                     active=active)


@pytest.fixture
def board():
    return Company.objects.create(name="Initech", source=Company.Source.GREENHOUSE, board_token="initech")


def profile_for(user, **extra):
    return Profile.objects.create(user=user, skills=["Python", "Django", "PostgreSQL"],
                                  desired_titles=["Backend Engineer"], remote_preference="remote",
                                  years_experience=5, **extra)


def new_events(user, type_):
    return list(Event.objects.filter(user=user, type=type_).values_list("data", flat=True))


def test_best_postings_are_recommended_and_only_changes_publish(user, board):
    profile_for(user)
    good = posting(board, 1, "Backend Engineer", PYTHON_JOB)
    posting(board, 2, "Sales Director", "Quota and CRM experience (Salesforce CRM)")  # a poor match
    posting(board, 3, "Backend Engineer", PYTHON_JOB, active=False)  # closed: never recommended
    services.refresh_posting_analyses()

    data = services.recompute_recommendations(user)
    assert data["count"] == 1
    assert data["top_recommendations"][0]["posting_id"] == good.id
    assert data["top_recommendations"][0]["score"] >= 80
    assert list(Recommendation.objects.filter(user=user).values_list("posting_id", flat=True)) == [good.id]
    assert len(new_events(user, "recommendations.new")) == 1

    assert services.recompute_recommendations(user) is None  # nothing changed, nothing sent
    assert Event.objects.filter(user=user, type__startswith="recommendations.").count() == 1

    better = posting(board, 4, "Senior Backend Engineer", PYTHON_JOB)
    services.refresh_posting_analyses()
    data = services.recompute_recommendations(user)
    assert data["count"] == 1 and data["top_recommendations"][0]["posting_id"] == better.id

    JobPosting.objects.filter(pk=good.pk).update(active=False)
    data = services.recompute_recommendations(user)
    assert data["removed"] == 1 and data["count"] == 1
    assert new_events(user, "recommendations.updated")


def test_own_jobs_count_unless_already_applied(user, board):
    profile_for(user)
    job, _ = services.create_job(user, company="Hooli", job_title="Backend Engineer", job_description=PYTHON_JOB,
                                 job_url="https://hooli.example/1", location="Remote")
    services.analyze_job(job.id)
    assert services.recompute_recommendations(user)["top_recommendations"][0]["job_id"] == job.id
    app = services.create_application(user, job.id)
    services.change_status(user, app.id, "applied")
    data = services.recompute_recommendations(user)
    assert data["removed"] == 1 and Recommendation.objects.filter(user=user).count() == 0


def test_each_user_gets_their_own(user, other_user, board):
    profile_for(user)
    Profile.objects.create(user=other_user, skills=["Figma", "User research"], desired_titles=["Product Designer"])
    posting(board, 1, "Backend Engineer", PYTHON_JOB)
    designer = posting(board, 2, "Product Designer", "## Requirements\n- Figma\n- User research\n- Prototyping")
    services.refresh_posting_analyses()
    services.recompute_recommendations(user)
    services.recompute_recommendations(other_user)
    assert [r.job_title for r in Recommendation.objects.filter(user=user)] == ["Backend Engineer"]
    assert [r.posting_id for r in Recommendation.objects.filter(user=other_user)] == [designer.id]


def test_posting_requirements_are_read_once_until_the_posting_changes(board):
    p = posting(board, 1, "Backend Engineer", PYTHON_JOB)
    assert services.refresh_posting_analyses() == 1
    assert services.refresh_posting_analyses() == 0
    JobPosting.objects.filter(pk=p.pk).update(description=PYTHON_JOB + "\n- Kubernetes")
    assert services.refresh_posting_analyses() == 1
    assert "Kubernetes" in p.tracker_analysis.__class__.objects.get(posting=p).requirements["required_skills"]
