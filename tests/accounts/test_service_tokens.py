"""Service worker tokens: made by staff in the admin, shown once, stored hashed, owned by a powerless account."""
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import ApiToken, hash_token
from accounts.services import create_service_token
from core.errors import ApplicationError, PermissionDenied

pytestmark = pytest.mark.django_db

PAGE = "/admin/accounts/apitoken/service-token/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_create_one_in_the_admin_and_see_it_once(make_user, api_client):
    root = make_user("root", staff=True, is_superuser=True)
    client = logged_in(root)
    listing = client.get("/admin/accounts/apitoken/").content.decode()
    assert f'href="{PAGE}"' in listing and "Create a service worker token" in listing
    form = client.get(PAGE)
    assert form.status_code == 200 and 'name="name"' in form.content.decode()

    page = client.post(PAGE, {"name": "DirectoryBolt worker (Render)"})
    assert page.status_code == 200
    content = page.content.decode()
    raw = re.search(r'<code id="raw-token">([^<]+)</code>', content).group(1)
    assert f"WORKER_AUTH_TOKEN={raw}" in content and "API_URL=http://testserver" in content

    token = ApiToken.objects.get(name="DirectoryBolt worker (Render)")
    assert (token.scope, token.is_service, token.created_by, token.revoked_at) == ("worker", True, root, None)
    assert token.token_hash == hash_token(raw) and raw not in {token.token_hash, token.prefix, token.name}
    account = token.user
    assert account != root and account.username.startswith("service-directorybolt-worker-render-")
    assert not (account.is_staff or account.is_superuser or account.has_usable_password())
    assert account.is_active  # else its token would not authenticate

    # Shown once: the token page and the admin's views never show it again.
    assert raw not in client.get(PAGE).content.decode()
    assert raw not in client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/submissions/jobs").status_code == 200  # it authenticates, as a worker
    assert api_client.get("/api/v1/profile").status_code == 403  # and reaches nothing a worker may not


def test_the_name_is_checked(make_user):
    client = logged_in(make_user("root", staff=True, is_superuser=True))
    page = client.post(PAGE, {"name": "x" * 101})
    assert page.status_code == 200 and "at most 100 characters" in page.content.decode()
    assert client.post(PAGE, {"name": ""}).status_code == 200
    assert ApiToken.objects.filter(is_service=True).count() == 0


def test_non_staff_and_staff_without_the_permission_cannot(make_user, user):
    assert logged_in(user).get(PAGE).status_code == 302  # the admin's login page
    clerk = make_user("clerk", staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    client = logged_in(clerk)
    assert client.post(PAGE, {"name": "sneaky"}).status_code == 403
    assert "Create a service worker token" not in client.get("/admin/accounts/apitoken/").content.decode()
    assert ApiToken.objects.filter(is_service=True).count() == 0


def test_the_service_refuses_non_staff_and_bad_names(user, staff_user):
    with pytest.raises(PermissionDenied):
        create_service_token(user, "mine")
    for name in ("", "   ", "x" * 101):
        with pytest.raises(ApplicationError) as refused:
            create_service_token(staff_user, name)
        assert refused.value.body()["field"] == "name"
    assert ApiToken.objects.count() == 0


def test_a_service_token_never_acts_for_the_system(staff_user, make_token):
    service, _ = create_service_token(staff_user, "worker")
    assert service.acts_for_system is False
    make_token(staff_user, "worker")
    assert ApiToken.objects.get(user=staff_user).acts_for_system is True  # unchanged for staff's own tokens
    assert "service worker" in str(service)


def test_users_cannot_make_service_tokens_on_the_tokens_api(session_client):
    csrf = session_client.get("/tokens/").cookies["csrftoken"].value
    response = session_client.post(
        "/api/v1/tokens", {"name": "x", "scope": "worker", "is_service": True},
        content_type="application/json", HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 201 and "is_service" not in response.json()
    assert ApiToken.objects.get(name="x").is_service is False
