"""Login brute force (issue 12 item 5; docs/security.md "Login brute force"): django-axes locks
a username from one address after LOGIN_FAILURE_LIMIT wrong passwords, on /login/ and
/admin/login/, with a clear 429 page, until the cool-off has passed."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.test import Client, override_settings

from tests.conftest import PASSWORD

WRONG = "not-the-password"


def attempt(client: Client, path: str, username: str, password: str):
    return client.post(path, {"username": username, "password": password, "next": ""})


def logged_in(response) -> bool:
    return response.status_code == 302


def assert_locked_page(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert "Too many failed logins" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_fifty_wrong_passwords_lock_that_user_out_and_no_one_else(path, make_user):
    victim, bystander = make_user("victim", staff=True), make_user("bystander", staff=True)
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    answers = [attempt(attacker, path, victim.username, WRONG) for _ in range(50)]
    limit = settings.AXES_FAILURE_LIMIT
    assert [r.status_code for r in answers[: limit - 1]] == [200] * (limit - 1)  # the form, with its error
    for response in answers[limit - 1:]:
        assert_locked_page(response)

    right = attempt(attacker, path, victim.username, PASSWORD)
    assert_locked_page(right)
    assert "_auth_user_id" not in attacker.session
    assert logged_in(attempt(Client(REMOTE_ADDR="203.0.113.7"), path, bystander.username, PASSWORD))

    with override_settings(AXES_COOLOFF_TIME=timedelta(seconds=1)):  # the cool-off passes
        time.sleep(1.5)
        assert logged_in(attempt(attacker, path, victim.username, PASSWORD))


@pytest.mark.django_db
def test_a_few_mistakes_then_the_right_password_logs_in_and_resets_the_count(make_user):
    user = make_user("clumsy")
    client = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "/login/", user.username, WRONG).status_code == 200
    assert logged_in(attempt(client, "/login/", user.username, PASSWORD))
    client.logout()
    assert attempt(client, "/login/", user.username, WRONG).status_code == 200  # counting starts again


@pytest.mark.django_db(transaction=True)
def test_the_lockout_holds_through_daphne(daphne_server, make_user):
    """The real server (ASGI: axes' async middleware path), with the login form's CSRF."""
    user = make_user("live-victim")
    with requests.Session() as browser:
        def post(password: str) -> requests.Response:
            form = browser.get(f"{daphne_server.url}/login/", timeout=15).text
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
            return browser.post(f"{daphne_server.url}/login/", allow_redirects=False, timeout=15, data={
                "csrfmiddlewaretoken": csrf, "username": user.username, "password": password, "next": ""})

        statuses = [post(WRONG).status_code for _ in range(settings.AXES_FAILURE_LIMIT + 1)]
        assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429, 429]
        refused = post(PASSWORD)
        assert refused.status_code == 429 and "Too many failed logins" in refused.text
        assert int(refused.headers["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
