"""Settings come from the environment only."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, "
    "'csrf': settings.CSRF_TRUSTED_ORIGINS, 'db': settings.DATABASES['default']['NAME'], "
    "'redis': settings.REDIS_URL, 'ssl': getattr(settings, 'SECURE_SSL_REDIRECT', False), "
    "'key': settings.SECRET_KEY}))"
)


RUN_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'test_db': settings.DATABASES['default'].get('TEST', {}).get('NAME'), "
    "'prefix': settings.REDIS_PREFIX, 'layer': settings.CHANNEL_LAYERS['default']['CONFIG']['prefix'], "
    "'celery': settings.CELERY_BROKER_TRANSPORT_OPTIONS['global_keyprefix']}))"
)


def probe(code=PROBE, **env):
    base = {k: v for k, v in os.environ.items() if k not in {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "REDIS_URL", "HTTPS",
        "REDIS_PREFIX", "DATABASE_TEST_NAME",
    }}
    base["DJANGO_SETTINGS_MODULE"] = "jobelix.settings"
    base.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=base, capture_output=True, text=True)


def test_values_come_from_the_environment():
    result = probe(
        DEBUG="0", SECRET_KEY="s3cret-from-env", ALLOWED_HOSTS="jobs.example.com, api.example.com",
        CSRF_TRUSTED_ORIGINS="https://jobs.example.com", DATABASE_URL="postgres://u:p@db.example.com:5432/prod",
        REDIS_URL="redis://cache.example.com:6379/2",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {
        "debug": False, "hosts": ["jobs.example.com", "api.example.com"], "csrf": ["https://jobs.example.com"],
        "db": "prod", "redis": "redis://cache.example.com:6379/2", "ssl": True, "key": "s3cret-from-env",
    }


def test_production_refuses_to_start_without_a_secret_key():
    result = probe(DEBUG="0", DATABASE_URL="postgres://u@h/d", REDIS_URL="redis://h:1/0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_missing_database_url_says_what_to_do():
    result = probe(DEBUG="1", REDIS_URL="redis://h:1/0")
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_deploy_check_passes_with_debug_off():
    env = {k: v for k, v in os.environ.items()
           if k not in {"HTTPS", "INSECURE_COOKIES", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DEBUG="0", SECRET_KEY="x" * 20 + "-a-long-random-production-secret-value-0123456789",
               ALLOWED_HOSTS="jobs.example.com", DJANGO_SETTINGS_MODULE="jobelix.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_test_database_name_and_redis_prefix_come_from_the_environment():
    servers = {"DEBUG": "1", "DATABASE_URL": "postgres://u@h/d", "REDIS_URL": "redis://h:1/0"}
    given = probe(RUN_PROBE, **servers, DATABASE_TEST_NAME="test_jobelix_run1", REDIS_PREFIX="jobelix-run1")
    assert given.returncode == 0, given.stderr
    assert json.loads(given.stdout) == {
        "test_db": "test_jobelix_run1", "prefix": "jobelix-run1", "layer": "jobelix-run1", "celery": "jobelix-run1:",
    }
    default = probe(RUN_PROBE, **servers)
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout) == {"test_db": None, "prefix": "jobelix", "layer": "jobelix", "celery": "jobelix:"}


@pytest.mark.django_db
def test_this_run_has_its_own_test_database_and_redis_prefix():
    """`make test` (jobelix.launch) names both per run, so concurrent runs never meet."""
    from django.conf import settings
    from django.db import connection

    assert connection.settings_dict["NAME"] == os.environ["DATABASE_TEST_NAME"]
    assert settings.REDIS_PREFIX == os.environ["REDIS_PREFIX"] != "jobelix"
