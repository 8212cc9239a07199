"""Production settings behind a TLS-terminating proxy (README "Configuration").

daphne runs with DEBUG=0, a SECRET_KEY, ALLOWED_HOSTS and HTTPS on, and the test plays
the proxy: it connects over plain HTTP and says `X-Forwarded-Proto: https` when the
visitor came over HTTPS. Such requests are secure (no redirect, HSTS, Secure cookies,
a CSRF-checked login works); plain HTTP is redirected to https://; /health answers
over plain HTTP too (load balancers probe it that way)."""
import secrets
from http.cookies import Morsel, SimpleCookie

import httpx
import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "jobs.example.com"
HTTPS = {"Host": HOST, "X-Forwarded-Proto": "https"}
PLAIN = {"Host": HOST}


def set_cookies(response: httpx.Response) -> dict[str, Morsel]:
    jar: SimpleCookie = SimpleCookie()
    for line in response.headers.get_list("set-cookie"):
        jar.load(line)
    return dict(jar)


@pytest.fixture
def production(start_daphne, celery_worker):
    # INSECURE_COOKIES=0: the test run sets it for plain-HTTP loopback; production leaves it off.
    return start_daphne(DEBUG="0", HTTPS="1", INSECURE_COOKIES="0", SECRET_KEY=secrets.token_urlsafe(50),
                        ALLOWED_HOSTS=f"{HOST},127.0.0.1", CSRF_TRUSTED_ORIGINS=f"https://{HOST}")


def test_forwarded_https_is_secure_and_plain_http_is_redirected(production, user):
    url = production.url

    plain = httpx.get(f"{url}/login/?next=/jobs/", headers=PLAIN)
    assert plain.status_code == 301
    assert plain.headers["location"] == f"https://{HOST}/login/?next=/jobs/"
    assert "strict-transport-security" not in plain.headers  # HSTS only means something over HTTPS
    assert httpx.get(f"{url}/login/", headers={**PLAIN, "X-Forwarded-Proto": "http"}).status_code == 301

    form = httpx.get(f"{url}/login/", headers=HTTPS)
    assert form.status_code == 200
    assert form.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert form.headers["x-content-type-options"] == "nosniff" and form.headers["x-frame-options"] == "DENY"
    csrf = set_cookies(form)["csrftoken"]
    assert csrf["secure"] is True

    login = httpx.post(
        f"{url}/login/", headers={**HTTPS, "Origin": f"https://{HOST}", "Cookie": f"csrftoken={csrf.value}"},
        data={"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf.value})
    assert login.status_code == 302 and login.headers["location"] == "/dashboard/", login.text[:500]
    cookies = set_cookies(login)
    session = cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True
    assert cookies["csrftoken"]["secure"] is True  # rotated at login, still Secure
    assert "strict-transport-security" in login.headers

    signed_in = {"Cookie": f"sessionid={session.value}; csrftoken={cookies['csrftoken'].value}"}
    dashboard = httpx.get(f"{url}/dashboard/", headers={**HTTPS, **signed_in})
    assert dashboard.status_code == 200 and user.username in dashboard.text
    # The same session over plain HTTP is never served: sent to https:// first.
    assert httpx.get(f"{url}/dashboard/", headers={**PLAIN, **signed_in}).status_code == 301
    # Unknown hosts are refused even behind the proxy.
    assert httpx.get(f"{url}/login/", headers={**HTTPS, "Host": "evil.example"}).status_code == 400


def test_health_is_reachable_over_plain_http(production):
    for headers in (PLAIN, HTTPS, {"Host": "127.0.0.1"}):
        health = httpx.get(f"{production.url}/health", headers=headers, timeout=15)
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ok" and health.json()["failing"] == []
    assert "strict-transport-security" in httpx.get(f"{production.url}/health", headers=HTTPS).headers
