"""Match preferences (issue 16 item 3): the profile's minimum salary, remote preference and
locations (with "Remote (US)"-style scopes) are parts of the match score with reasons a
job seeker reads; a hard filter per preference keeps failing postings out of the
recommendations; a change of preferences recomputes them."""
from decimal import Decimal

import pytest

from accounts.models import Profile
from core.models import DispatchIntent
from realtime.models import Event
from scraping.models import Company, JobPosting
from scraping.sources.base import location_from_text
from tracker import services, tasks
from tracker.models import Job, Recommendation

pytestmark = pytest.mark.django_db

PYTHON_JOB = "## Requirements\n- Python and Django\n- PostgreSQL"
REFRESH_TASK = "tracker.recompute_recommendations_for_user"


@pytest.fixture
def board():
    return Company.objects.create(name="Initech", source=Company.Source.GREENHOUSE, board_token="initech")


@pytest.fixture
def seeker(user):
    Profile.objects.create(user=user, skills=["Python", "Django", "PostgreSQL"], desired_titles=["Backend Engineer"],
                           remote_preference="remote", years_experience=5)
    yield user
    services.recommendations_refresh_done(user.pk)  # a refresh queued by a test frees its mark


def posting(board, n, *, places=("Remote",), workplace="remote", salary=None, currency="USD", interval="year",
            description=PYTHON_JOB):
    locations = [location_from_text(p, workplace).to_dict() for p in places]
    low, high = salary if salary else (None, None)
    return JobPosting.objects.create(
        company=board, external_id=str(n), title="Backend Engineer", description=description,
        location=places[0], remote=workplace == "remote", url=f"https://boards.example.com/{n}",
        workplace_type=workplace, locations=locations,
        countries=sorted({c for loc in locations for c in (loc["country"], loc["remote_scope"]) if c}),
        salary_min=Decimal(low) if low is not None else None, salary_max=Decimal(high) if high is not None else None,
        salary_currency=currency if salary else "", salary_interval=interval if salary else "")


def recommended(api_client, user) -> dict[int, dict]:
    """What the recommendations API shows, by posting id."""
    services.refresh_posting_analyses()
    services.recompute_recommendations(user)
    api_client.force_authenticate(user)
    answer = api_client.get("/api/v1/recommendations")
    assert answer.status_code == 200
    return {r["posting_id"]: r for r in answer.json()["results"]}


def set_preferences(api_client, user, **changes) -> dict:
    api_client.force_authenticate(user)
    answer = api_client.patch("/api/v1/profile", changes, format="json")
    assert answer.status_code == 200, answer.json()
    return answer.json()


def test_salary_below_the_minimum_lowers_the_score_with_the_reason(api_client, session_client, seeker, board):
    low = posting(board, 1, salary=(80_000, 90_000))
    high = posting(board, 2, salary=(130_000, 150_000))
    hourly = posting(board, 3, salary=(40, 45), interval="hour")
    set_preferences(api_client, seeker, salary_minimum=120_000, salary_currency="usd", salary_interval="year")
    assert Profile.objects.get(user=seeker).salary_currency == "USD"

    shown = recommended(api_client, seeker)
    assert shown[low.id]["score"] < shown[high.id]["score"]
    assert "Salary below your minimum ($90k < $120k)" in shown[low.id]["concerns"]
    assert "Salary meets your minimum ($130k–$150k ≥ $120k)" in shown[high.id]["strengths"]
    # an hourly rate is compared per year (40 hours x 52 weeks), and says so
    assert "Salary below your minimum ($45/hour ≈ $94k/year < $120k)" in shown[hourly.id]["concerns"]
    assert shown[low.id]["score"] == 91 and shown[high.id]["score"] == 100  # (100 - 10) of 110 points

    html = session_client.get("/recommendations/").content.decode()
    assert "Salary below your minimum ($90k &lt; $120k)" in html  # the reason, escaped, on the page


def test_unknown_or_incomparable_salary_is_neutral_and_says_why(api_client, seeker, board):
    unlisted = posting(board, 1)
    euros = posting(board, 2, salary=(60_000, 70_000), currency="EUR")
    meets = posting(board, 3, salary=(130_000, 150_000))
    below = posting(board, 4, salary=(50_000, 60_000))
    set_preferences(api_client, seeker, salary_minimum=120_000)

    shown = recommended(api_client, seeker)
    assert shown[unlisted.id]["score"] == shown[euros.id]["score"] == 97  # 107 of 110: a little under "meets"
    assert shown[below.id]["score"] < shown[unlisted.id]["score"] < shown[meets.id]["score"]
    job, _ = services.create_job(seeker, company="Initech", job_title="Backend Engineer", job_description=PYTHON_JOB,
                                 job_url="https://boards.example.com/2", location="Remote", posting=euros)
    services.analyze_job(job.id)
    details = {part["name"]: part["detail"] for part in
               api_client.get(f"/api/v1/jobs/{job.id}").json()["analysis"]["score_breakdown"]}
    assert details["salary"] == ("Salary in EUR, your minimum in USD: not compared, "
                                 "there is no currency conversion (neutral)")
    assert not any("alary" in c for c in shown[unlisted.id]["concerns"] + shown[euros.id]["concerns"])


def test_remote_preference_against_an_onsite_posting(api_client, session_client, seeker, board):
    remote = posting(board, 1)
    onsite = posting(board, 2, places=("Munich, Germany",), workplace="onsite")
    hybrid = posting(board, 3, places=("Berlin, Germany",), workplace="hybrid",
                     description=PYTHON_JOB + "\n\nHybrid: 2 days a week in our Berlin office.")

    shown = recommended(api_client, seeker)
    assert shown[onsite.id]["score"] < shown[remote.id]["score"]
    assert "On-site role, you prefer remote" in shown[onsite.id]["concerns"]
    assert "Remote role matches your preference" in shown[remote.id]["strengths"]

    set_preferences(api_client, seeker, remote_preference="hybrid", locations=["Berlin, Germany"])
    shown = recommended(api_client, seeker)
    assert "Hybrid, 2 days a week in Berlin, Germany: one of your locations" in shown[hybrid.id]["strengths"]
    job, _ = services.create_job(seeker, company="Initech", job_title="Backend Engineer",
                                 job_description=onsite.description, job_url=onsite.url, posting=onsite,
                                 location=onsite.location)  # saved: recommended as the user's own job
    services.analyze_job(job.id)
    recommended(api_client, seeker)
    assert Recommendation.objects.filter(job=job).exists()

    set_preferences(api_client, seeker, remote_preference="remote", remote_hard_filter=True)
    shown = recommended(api_client, seeker)
    assert hybrid.id not in shown and remote.id in shown
    assert not Recommendation.objects.filter(job=job).exists()
    services.analyze_job(job.id)  # "Analyse again": the job's page says why it is not recommended
    page = session_client.get(f"/jobs/{job.id}/").content.decode()
    assert 'id="filtered-out"' in page and "On-site role; you only want remote work" in page


def test_a_remote_scope_that_excludes_where_you_live(api_client, session_client, seeker, board):
    us_only = posting(board, 1, places=("Remote (US only)",))
    europe = posting(board, 2, places=("Remote (EU)",))
    anywhere = posting(board, 3)
    set_preferences(api_client, seeker, home_location="Berlin, Germany")

    shown = recommended(api_client, seeker)
    assert "Remote (US only): you're in Germany" in shown[us_only.id]["concerns"]
    assert "Remote (EU only): you're in Germany" in shown[europe.id]["strengths"]
    assert shown[us_only.id]["score"] < shown[europe.id]["score"] == shown[anywhere.id]["score"]

    set_preferences(api_client, seeker, location_hard_filter=True)
    shown = recommended(api_client, seeker)
    assert us_only.id not in shown and {europe.id, anywhere.id} <= set(shown)
    html = session_client.get("/recommendations/").content.decode()
    assert 'id="hard-filters"' in html and "outside your locations" in html


def test_hard_salary_filter_removes_postings_paying_less_but_keeps_unlisted_ones(api_client, seeker, board):
    low = posting(board, 1, salary=(80_000, 90_000))
    unlisted = posting(board, 2)
    reaches = posting(board, 3, salary=(100_000, 125_000))
    set_preferences(api_client, seeker, salary_minimum=10_000, salary_interval="month", salary_hard_filter=True)

    shown = recommended(api_client, seeker)  # 10k a month = 120k a year
    assert low.id not in shown and {unlisted.id, reaches.id} <= set(shown)
    assert ("Salary range reaches your minimum ($100k–$125k; yours $10k/month ≈ $120k/year)"
            in shown[reaches.id]["strengths"])


def test_changing_preferences_recomputes_the_recommendations(api_client, session_client, seeker, board):
    low = posting(board, 1, salary=(80_000, 90_000))
    assert low.id in recommended(api_client, seeker)

    def queued() -> int:
        return DispatchIntent.objects.filter(task=REFRESH_TASK, args=[seeker.pk, True]).count()

    set_preferences(api_client, seeker, headline="Backend dev")  # not a match preference: nothing queued
    assert queued() == 0
    set_preferences(api_client, seeker, salary_minimum=120_000, salary_hard_filter=True)
    assert queued() == 1
    tasks.recompute_recommendations_for_user(seeker.pk, True)  # the queued task's body, as the worker runs it
    assert not Recommendation.objects.filter(user=seeker, posting=low).exists()
    update = Event.objects.filter(user=seeker, type="recommendations.updated").latest("id")
    assert update.data["removed"] == 1

    csrf = session_client.get("/profile/").cookies["csrftoken"].value
    form = {"years_experience": 5, "remote_preference": "remote", "skills": "Python, Django, PostgreSQL",
            "desired_titles": "Backend Engineer", "salary_minimum": 120_000, "salary_currency": "USD",
            "salary_interval": "year"}  # the box unticked: no more hard filter
    assert session_client.post("/profile/", form, HTTP_X_CSRFTOKEN=csrf).status_code == 302
    assert queued() == 2
    tasks.recompute_recommendations_for_user(seeker.pk, True)
    assert Recommendation.objects.filter(user=seeker, posting=low).exists()


def test_preferences_are_validated_on_the_page_and_the_api(api_client, session_client, seeker):
    api_client.force_authenticate(seeker)
    bad = api_client.patch("/api/v1/profile", {"salary_hard_filter": True, "remote_hard_filter": True,
                                               "home_location": "Berlin", "salary_currency": "US$",
                                               "location_hard_filter": True}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"salary_currency"}  # a bad field first, then the rules across fields
    bad = api_client.patch("/api/v1/profile", {"salary_hard_filter": True, "home_location": "Berlin",
                                               "remote_preference": "any", "remote_hard_filter": True},
                           format="json")
    fields = bad.json()["fields"]
    assert bad.status_code == 400 and set(fields) == {"salary_hard_filter", "home_location", "remote_hard_filter"}
    assert "Set a minimum salary" in str(fields["salary_hard_filter"])
    assert "Add the country" in str(fields["home_location"])
    assert "Choose remote, hybrid or on-site" in str(fields["remote_hard_filter"])

    csrf = session_client.get("/profile/").cookies["csrftoken"].value
    page = session_client.post("/profile/", {"years_experience": 5, "remote_preference": "remote",
                                             "location_hard_filter": "on", "salary_minimum": 50_000,
                                             "salary_currency": "", "home_location": "Remote (US)"},
                               HTTP_X_CSRFTOKEN=csrf)
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert set(errors) == {"location_hard_filter", "salary_currency", "home_location"}
    html = page.content.decode()
    assert 'id="match-preferences"' in html and "List your locations (or where you live)" in html
    profile = Profile.objects.get(user=seeker)
    assert profile.salary_minimum is None and not profile.location_hard_filter  # nothing saved

    ok = api_client.patch("/api/v1/profile", {"locations": ["Berlin, Germany", "Remote (EU)"],
                                              "home_location": "Berlin, Germany", "location_hard_filter": True},
                          format="json")
    assert ok.status_code == 200 and ok.json()["location_hard_filter"] is True
    schema = api_client.get("/api/schema/?format=json").json()["components"]["schemas"]
    profile_props = schema["Profile"]["properties"]
    for name in Profile.MATCH_PREFERENCE_FIELDS:
        assert name in profile_props and profile_props[name].get("description"), name


def test_saved_job_without_a_posting_reads_office_days_and_place_from_its_text(api_client, seeker):
    set_preferences(api_client, seeker, remote_preference="hybrid", locations=["Berlin"])
    job, _ = services.create_job(seeker, company="Globex", job_title="Backend Engineer", location="Berlin, Germany",
                                 job_description=PYTHON_JOB + "\n\nThis is a hybrid role: in the office 2 days a week.",
                                 job_url="https://jobs.example.com/berlin")
    services.analyze_job(job.id)
    job = Job.objects.get(pk=job.pk)
    assert "Hybrid, 2 days a week in Berlin, Germany: one of your locations" in job.analysis["strengths"]
    assert [c["name"] for c in job.analysis["score_breakdown"]] == ["skills", "title", "location", "experience"]


def test_staff_edits_in_the_admin_go_through_the_service(client, staff_user, seeker):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    url = f"/admin/accounts/profile/{seeker.profile.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (None, False)}
    data.update(salary_minimum=100_000, salary_hard_filter="on")
    assert client.post(url, data).status_code == 302
    assert Profile.objects.get(user=seeker).salary_hard_filter
    assert DispatchIntent.objects.filter(task=REFRESH_TASK, args=[seeker.pk, True]).count() == 1
