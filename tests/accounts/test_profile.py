import pytest

pytestmark = pytest.mark.django_db


def test_profile_api_reads_and_updates_only_my_profile(api_client, user, other_user):
    api_client.force_login(user)  # a bot token only reads the profile (tests/test_security_scopes.py)
    response = api_client.patch(
        "/api/v1/profile", {"skills": ["Python", "Django"], "years_experience": 6}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["skills"] == ["Python", "Django"]
    from accounts.services import get_or_create_profile

    assert get_or_create_profile(other_user).skills == []


def test_profile_api_rejects_bad_types(api_client, user):
    api_client.force_login(user)
    response = api_client.patch("/api/v1/profile", {"years_experience": -3, "skills": "python"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"years_experience", "skills"}


def test_profile_page_saves_comma_separated_skills(session_client, user):
    page = session_client.get("/profile/")
    csrf = page.cookies["csrftoken"].value
    response = session_client.post(
        "/profile/",
        {"skills": "Python, Kubernetes ,, Go", "years_experience": 4, "remote_preference": "remote",
         "desired_titles": "Backend Engineer", "locations": "Berlin"},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 302
    user.profile.refresh_from_db()
    assert user.profile.skills == ["Python", "Kubernetes", "Go"]


def test_pages_need_login(client):
    for path in ["/dashboard/", "/profile/", "/tokens/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_dashboard_shows_my_recent_events_and_nobody_elses(session_client, user, other_user):
    from django.db import transaction

    from realtime import publish

    with transaction.atomic():
        mine = publish(user, "bot", "bot.session_updated", {"status": "running", "note": "<b>mine</b>"})
        theirs = publish(other_user, "bot", "bot.session_updated", {"status": "running", "note": "theirs"})
    response = session_client.get("/dashboard/")
    recent = {event["id"]: event for event in response.context["recent_events"]}
    assert mine.id in recent and theirs.id not in recent
    html = response.content.decode()
    assert "theirs" not in html
    assert "<b>mine</b>" not in html  # JSON in a script tag is escaped


def test_profile_lists_follow_one_rule_on_the_page_and_the_api(session_client, api_client, user):
    """At most 100 items of at most 100 characters: the model's validator, for the form and the API alike."""
    too_many = [f"skill{i}" for i in range(101)]
    too_long = ["x" * 101]
    csrf = session_client.get("/profile/").cookies["csrftoken"].value
    api_client.force_login(user)
    for items in [too_many, too_long]:
        page = session_client.post("/profile/", {"skills": ", ".join(items), "years_experience": 1,
                                                 "remote_preference": "any"}, HTTP_X_CSRFTOKEN=csrf)
        assert page.status_code == 200 and "skills" in page.context["form"].errors
        api = api_client.patch("/api/v1/profile", {"skills": items}, format="json")
        assert api.status_code == 400 and set(api.json()["fields"]) == {"skills"}
    from accounts.services import get_or_create_profile

    assert get_or_create_profile(user).skills == []
    ok = api_client.patch("/api/v1/profile", {"skills": ["x" * 100] * 100}, format="json")
    assert ok.status_code == 200
