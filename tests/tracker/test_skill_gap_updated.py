"""skill_gap.updated (issue 15 item 5): a change of the profile's skills, through the
real profile API or page form, recomputes the gap of each analysed job and stores one
event per job whose gap changed; a change that leaves the skills alone publishes nothing."""
import pytest

from accounts.services import get_or_create_profile
from realtime.catalogue import validation_errors
from realtime.models import Event
from tracker import services
from tracker.models import SkillGap

pytestmark = pytest.mark.django_db

POSTING = "## Requirements\n- Python and Django\n- PostgreSQL\n## Nice to have\n- Kubernetes"


@pytest.fixture
def analysed(user):
    profile = get_or_create_profile(user)
    profile.skills = ["Python", "Django"]
    profile.save()
    jobs = []
    for n, description in enumerate([POSTING, "## Requirements\n- Rust and Go"]):
        job, _ = services.create_job(user, company="Globex", job_title="Backend Engineer",
                                     job_description=description, job_url=f"https://jobs.example.com/{n}")
        services.analyze_job(job.id)
        jobs.append(job)
    return jobs


def _updates(user) -> list[Event]:
    return list(Event.objects.filter(user=user, type="skill_gap.updated").order_by("id"))


def test_profile_api_skills_change_publishes_the_new_gap(api_client, user, analysed):
    python_job, rust_job = analysed
    before = SkillGap.objects.get(job=python_job).overall_match
    api_client.force_authenticate(user)
    response = api_client.patch("/api/v1/profile", {"skills": ["Python", "Django", "PostgreSQL"]}, format="json")
    assert response.status_code == 200

    gap = SkillGap.objects.get(job=python_job)
    assert gap.overall_match > before
    [event] = _updates(user)  # the Rust job's gap did not change: no event for it
    assert event.channel == "skills"
    assert event.data["job_id"] == python_job.id
    assert event.data["overall_match"] == gap.overall_match
    assert isinstance(event.data["overall_match"], int)
    assert [s["skill"] for s in event.data["missing_skills_list"]] == [s["skill"] for s in gap.missing_skills]
    assert "PostgreSQL" not in [s["skill"] for s in event.data["missing_skills_list"]]
    assert validation_errors("skill_gap.updated", event.data) == []
    assert SkillGap.objects.get(job=rust_job).overall_match == 0


def test_profile_page_form_skills_change_publishes_and_other_changes_do_not(session_client, user, analysed):
    python_job, _ = analysed
    csrf = session_client.get("/profile/").cookies["csrftoken"].value
    form = {"skills": "Python, Django", "years_experience": 4, "remote_preference": "remote",
            "desired_titles": "Backend Engineer", "locations": "Berlin", "headline": "Hello"}
    assert session_client.post("/profile/", form, HTTP_X_CSRFTOKEN=csrf).status_code == 302
    assert _updates(user) == []  # headline, titles... changed, the skills did not

    form["skills"] = "Python, Django, PostgreSQL, Kubernetes"
    assert session_client.post("/profile/", form, HTTP_X_CSRFTOKEN=csrf).status_code == 302
    [event] = _updates(user)
    assert event.data["job_id"] == python_job.id
    assert event.data["overall_match"] == 100 == SkillGap.objects.get(job=python_job).overall_match
    assert event.data["missing_skills"] == 0


def test_same_skills_through_the_api_publish_nothing(api_client, user, analysed):
    api_client.force_authenticate(user)
    assert api_client.patch("/api/v1/profile", {"skills": ["Python", "Django"], "headline": "x"},
                            format="json").status_code == 200
    assert _updates(user) == []
