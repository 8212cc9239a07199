"""API tokens: hashed storage, Bearer and body auth, scopes, revocation, JSON errors."""
import pytest

from accounts.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_a_hash(user, make_token):
    raw = make_token(user)
    token = ApiToken.objects.get(user=user)
    assert raw not in {token.token_hash, token.prefix, token.name}
    assert token.token_hash == hash_token(raw)
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw) // 3


def test_valid_bearer_token_reads_own_profile_and_marks_token_used(api_client, user, make_token):
    raw = make_token(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.get("/api/v1/profile")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert ApiToken.objects.get(user=user).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer jbx_not-a-real-token", "Bearer", "Token abc", "Bearer a b", "Bearer " + "x" * 500],
)
def test_bad_or_malformed_tokens_get_401_json(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get("/api/v1/profile")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "error" in response.json()


def test_missing_credentials_get_401_json(api_client):
    response = api_client.get("/api/v1/profile")
    assert response.status_code == 401
    assert response.json() == {"error": "Authentication credentials were not provided."}


def test_revoked_token_is_refused(api_client, user, make_token, session_client):
    raw = make_token(user)
    token = ApiToken.objects.get(user=user)
    page = session_client.get("/tokens/")
    csrf = page.cookies["csrftoken"].value
    response = session_client.post(f"/tokens/{token.pk}/revoke", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 302
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/profile").status_code == 401


def test_another_user_cannot_revoke_my_token(user, other_user, make_token):
    from accounts.services import revoke_token

    make_token(user)
    token = ApiToken.objects.get(user=user)
    assert revoke_token(other_user, token.pk) is False
    token.refresh_from_db()
    assert token.revoked_at is None


def test_wrong_scope_is_403_json(user, make_token):
    """A scope-checked endpoint refuses a token of the other scope with 403 and a JSON error."""
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from accounts.permissions import TokenScopes

    class WorkerOnly(APIView):
        permission_classes = [TokenScopes]
        token_scopes = ("worker",)
        session_allowed = False

        def get(self, request):
            return Response({"ok": True})

    view = WorkerOnly.as_view()
    factory = APIRequestFactory()
    bot = view(factory.get("/x", HTTP_AUTHORIZATION=f"Bearer {make_token(user, 'bot')}"))
    bot.render()
    assert bot.status_code == 403
    assert "worker" in bot.data["error"]
    worker = view(factory.get("/x", HTTP_AUTHORIZATION=f"Bearer {make_token(user, 'worker')}"))
    assert worker.status_code == 200


def test_body_token_authenticates_the_bot_protocol(user, make_token):
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from accounts.auth import BodyTokenAuthentication

    class Echo(APIView):
        authentication_classes = [BodyTokenAuthentication]
        token_scopes = ("bot",)

        def post(self, request):
            return Response({"user": request.user.username, "scope": request.auth.scope})

    factory = APIRequestFactory()
    ok = Echo.as_view()(factory.post("/x", {"token": make_token(user)}, format="json"))
    assert ok.status_code == 200 and ok.data == {"user": "alice", "scope": "bot"}
    bad = Echo.as_view()(factory.post("/x", {"token": "jbx_wrong"}, format="json"))
    assert bad.status_code == 401
    not_a_string = Echo.as_view()(factory.post("/x", {"token": 12345}, format="json"))
    assert not_a_string.status_code == 401


def test_tokens_page_shows_a_new_token_once(session_client, user):
    page = session_client.get("/tokens/")
    csrf = page.cookies["csrftoken"].value
    created = session_client.post("/tokens/", {"name": "laptop bot", "scope": "bot"}, HTTP_X_CSRFTOKEN=csrf)
    assert created.status_code == 200
    raw = created.context["created"]["raw"]
    assert raw in created.content.decode()
    again = session_client.get("/tokens/")
    assert raw not in again.content.decode()
    assert "laptop bot" in again.content.decode()


def test_token_names_are_escaped_on_the_tokens_page(session_client, user):
    from accounts.services import create_token

    create_token(user, "<script>alert(1)</script>", "bot")
    html = session_client.get("/tokens/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_token_api_needs_a_session_not_a_token(api_client, user, make_token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user)}")
    response = api_client.post("/api/v1/tokens", {"name": "x", "scope": "bot"}, format="json")
    assert response.status_code == 403


def test_token_api_create_list_revoke(api_client, user):
    api_client.force_login(user)
    created = api_client.post("/api/v1/tokens", {"name": "ci worker", "scope": "worker"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("jbx_") and body["scope"] == "worker"
    listed = api_client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["ci worker"] and "token" not in listed[0]
    assert api_client.delete(f"/api/v1/tokens/{body['id']}").status_code == 204
    assert api_client.delete(f"/api/v1/tokens/{body['id']}").status_code == 404


def test_invalid_scope_is_a_400_with_field_errors(api_client, user):
    api_client.force_login(user)
    response = api_client.post("/api/v1/tokens", {"name": "x", "scope": "root"}, format="json")
    assert response.status_code == 400
    assert "scope" in response.json()["fields"]


def test_unknown_api_path_is_json_404(api_client, user):
    api_client.force_login(user)
    response = api_client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}


def test_admin_revoke_action_revokes_through_the_service(make_user, user, other_user, make_token, api_client):
    """Staff revoke with the admin action (accounts.services.revoke_token): the token stops authenticating."""
    from django.test import Client

    admin = Client()
    admin.force_login(make_user("root", staff=True, is_superuser=True))
    raw, kept = make_token(user), make_token(other_user)
    token = ApiToken.objects.get(user=user)
    url = "/admin/accounts/apitoken/"

    listing = admin.get(url).content.decode()
    assert 'value="revoke"' in listing and 'value="delete_selected"' not in listing
    assert token.token_hash not in admin.get(f"{url}{token.pk}/change/").content.decode()
    # The change form is read-only: a POST changes nothing.
    edited = admin.post(f"{url}{token.pk}/change/", {"name": "renamed", "scope": "worker"})
    assert edited.status_code == 403
    token.refresh_from_db()
    assert (token.name, token.scope) == ("test token", "bot")

    response = admin.post(url, {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/profile").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {kept}")
    assert api_client.get("/api/v1/profile").status_code == 200


def test_staff_without_the_change_permission_cannot_revoke(make_user, user, make_token, api_client):
    from django.contrib.auth.models import Permission
    from django.test import Client

    viewer = make_user("viewer", staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    client = Client()
    client.force_login(viewer)
    raw = make_token(user)
    token = ApiToken.objects.get(user=user)
    assert 'value="revoke"' not in client.get("/admin/accounts/apitoken/").content.decode()
    client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is None
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/profile").status_code == 200


def test_token_names_and_scopes_are_validated_once_by_the_model(session_client, api_client, user):
    """The page's form and the API refuse the same names and scopes (the model's fields)."""
    csrf = session_client.get("/tokens/").cookies["csrftoken"].value
    for data in [{"name": "x" * 101, "scope": "bot"}, {"name": "ok", "scope": "root"}, {"name": "  ", "scope": "bot"}]:
        page = session_client.post("/tokens/", data, HTTP_X_CSRFTOKEN=csrf)
        assert page.status_code == 200 and page.context["created"] is None and page.context["form"].errors, data
        api_client.force_login(user)
        assert api_client.post("/api/v1/tokens", data, format="json").status_code == 400, data
    assert not ApiToken.objects.filter(user=user).exists()
    created = api_client.post("/api/v1/tokens", {"name": "  laptop  "}, format="json")
    assert created.status_code == 201 and created.json()["scope"] == "bot" and created.json()["name"] == "laptop"


@pytest.mark.django_db(transaction=True)
def test_tokens_in_use_are_checked_again_and_one_revoked_elsewhere_stops_within_the_window(user, make_token,
                                                                                             settings):
    """The async paths (fast paths, WebSockets) trust a token for API_TOKEN_CACHE_SECONDS and check the
    tokens in use again in the background, all at once. A token revoked by another process (nothing
    tells this one) fails within the window; the others keep working."""
    import asyncio
    import time

    from asgiref.sync import sync_to_async
    from django.utils import timezone

    from accounts import auth
    from tests.support import run_async

    settings.API_TOKEN_CACHE_SECONDS = 0.4
    raws = [make_token(user, name=f"bot {n}") for n in range(6)]
    ApiToken.objects.update(last_used_at=None)
    revoked_raw = raws[2]

    async def scenario() -> tuple[float, list[bool]]:
        assert all([await auth.averified_token(raw) for raw in raws])
        await sync_to_async(ApiToken.objects.filter(token_hash=hash_token(revoked_raw)).update)(
            revoked_at=timezone.now())
        revoked_at, refused_after = time.monotonic(), None
        while time.monotonic() - revoked_at < 1.5:  # each token in use, every 20 ms
            answers = [await auth.averified_token(raw) is not None for raw in raws]
            if refused_after is None and not answers[2]:
                refused_after = time.monotonic() - revoked_at
            await asyncio.sleep(0.02)
        return refused_after, answers

    refused_after, last = run_async(scenario())  # not asyncio.run: a browser test may hold this thread's loop
    assert refused_after is not None and refused_after <= 0.4 + 0.5, refused_after  # the window, and room for a slow machine
    assert last == [True, True, False, True, True, True]
    assert ApiToken.objects.filter(last_used_at__isnull=True).count() == 0  # marked used on first sight
