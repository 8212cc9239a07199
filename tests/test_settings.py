"""Settings come from the environment only."""
import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, "
    "'csrf': settings.CSRF_TRUSTED_ORIGINS, 'db': settings.DATABASES['default']['NAME'], "
    "'redis': settings.REDIS_URL, 'ssl': getattr(settings, 'SECURE_SSL_REDIRECT', False), "
    "'key': settings.SECRET_KEY}))"
)


def probe(**env):
    base = {k: v for k, v in os.environ.items() if k not in {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "REDIS_URL", "HTTPS",
        "JOBELIX_TEST_RUN_ID",
    }}
    base["DJANGO_SETTINGS_MODULE"] = "jobelix.settings"
    base.update(env)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=BASE_DIR, env=base, capture_output=True, text=True)


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
    env = {k: v for k, v in os.environ.items() if k not in {"HTTPS", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DEBUG="0", SECRET_KEY="x" * 20 + "-a-long-random-production-secret-value-0123456789",
               ALLOWED_HOSTS="jobs.example.com", DJANGO_SETTINGS_MODULE="jobelix.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
