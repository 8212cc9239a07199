"""Cookie Secure flags (issue 12 item 10; docs/security.md "Cookies"): HTTPS=0 (TLS at the
proxy) keeps them; only INSECURE_COOKIES=1 drops them."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.test_settings import BASE_DIR

COOKIES = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps([settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]))"
)
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@h/d", "REDIS_URL": "redis://h:1/0"}


def secure_flags(**env: str) -> list[bool]:
    """The two flags in a fresh process whose environment is exactly `env` (plus what Python needs)."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}}
    result = subprocess.run([sys.executable, "-c", COOKIES], cwd=BASE_DIR, capture_output=True, text=True,
                            env={**keep, "DJANGO_SETTINGS_MODULE": "jobelix.settings", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("env, secure", [
    ({}, True),
    ({"HTTPS": "0"}, True),  # the proxy terminates TLS: the browser still only sends them over HTTPS
    ({"HTTPS": "0", "INSECURE_COOKIES": "1"}, False),  # plain HTTP on loopback (the test suite)
    ({"HTTPS": "1", "INSECURE_COOKIES": "0"}, True),
])
def test_only_insecure_cookies_drops_the_secure_flags(env, secure):
    assert secure_flags(**PRODUCTION, **env) == [secure, secure]


def test_debug_serves_plain_http_cookies_unless_told_otherwise():
    debug = {**PRODUCTION, "DEBUG": "1"}
    assert secure_flags(**debug) == [False, False]
    assert secure_flags(**debug, INSECURE_COOKIES="0") == [True, True]


def test_behind_a_tls_proxy_the_deploy_check_lists_only_what_the_proxy_settles():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "ALLOWED_HOSTS", "INSECURE_COOKIES",
                                                             "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DEBUG="0", HTTPS="0", SECRET_KEY="x" * 20 + "-a-long-random-production-secret-value-0123456789",
               ALLOWED_HOSTS="jobs.example.com", DJANGO_SETTINGS_MODULE="jobelix.settings")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True)
    warnings = set(re.findall(r"\(security\.(W\d+)\)", result.stdout + result.stderr))
    assert warnings == {"W004", "W008"}, result.stdout + result.stderr
