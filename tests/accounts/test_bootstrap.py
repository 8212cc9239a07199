"""Known passwords (issue 12 item 2; docs/security.md "Known passwords"): bootstrap makes
admin/admin and demo/demo only with DEBUG=1 on loopback; elsewhere a random admin password,
printed once; an existing user's password changes only with --reset-password; `make run`
refuses DEBUG=1 on a non-loopback address."""
from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.management.commands import bootstrap
from jobelix import launch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No password in the environment, and the demo token file in a temporary directory."""
    monkeypatch.delenv(bootstrap.ADMIN_ENV, raising=False)
    monkeypatch.delenv(bootstrap.DEMO_ENV, raising=False)
    monkeypatch.setattr(bootstrap, "DATA_DIR", tmp_path)


def run_bootstrap(*args: str, debug: bool, host: str = "127.0.0.1") -> str:
    out = StringIO()
    with override_settings(DEBUG=debug, BIND_HOST=host):
        call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


def user(name: str):
    return get_user_model().objects.filter(username=name).first()


def test_debug_on_loopback_makes_the_demo_users(tmp_path):
    output = run_bootstrap(debug=True, host="127.0.0.1")
    assert user("admin").check_password("admin") and user("admin").is_staff
    assert user("demo").check_password("demo") and user("demo").profile.skills
    assert (tmp_path / "demo-bot-token.txt").read_text().startswith("jbx_")
    assert "admin / admin" in output


@pytest.mark.parametrize("debug, host", [(False, "127.0.0.1"), (True, "0.0.0.0"), (True, "jobs.example.com")])
def test_anywhere_else_no_demo_user_and_a_random_admin_password_printed_once(debug, host, tmp_path):
    output = run_bootstrap(debug=debug, host=host)
    assert user("demo") is None and not (tmp_path / "demo-bot-token.txt").exists()
    assert "No demo user" in output
    password = re.search(r"random password (\S+)", output).group(1)
    assert len(password) >= 20 and user("admin").check_password(password)
    assert not user("admin").check_password("admin")

    again = run_bootstrap(debug=debug, host=host)
    assert password not in again and "Created" not in again
    assert user("admin").check_password(password)


def test_a_given_password_for_an_existing_user_changes_nothing_unless_asked(monkeypatch):
    first = "a-long-enough-first-passphrase-41"
    monkeypatch.setenv(bootstrap.ADMIN_ENV, first)
    output = run_bootstrap(debug=False)
    assert "password from JOBELIX_ADMIN_PASSWORD" in output and first not in output
    assert user("admin").check_password(first)

    second = "another-long-enough-passphrase-42"
    monkeypatch.setenv(bootstrap.ADMIN_ENV, second)
    unchanged = run_bootstrap(debug=False)
    assert "admin already exists: JOBELIX_ADMIN_PASSWORD was NOT applied, the password is unchanged" in unchanged
    assert "--reset-password" in unchanged
    assert user("admin").check_password(first)

    changed = run_bootstrap("--reset-password", debug=False)
    assert "Password of admin changed" in changed
    assert user("admin").check_password(second)


def test_the_demo_password_is_kept_too_unless_asked(monkeypatch):
    run_bootstrap(debug=True)
    monkeypatch.setenv(bootstrap.DEMO_ENV, "other-demo-password")
    assert "demo already exists: JOBELIX_DEMO_PASSWORD was NOT applied" in run_bootstrap(debug=True)
    assert user("demo").check_password("demo")
    run_bootstrap("--reset-password", debug=True)
    assert user("demo").check_password("other-demo-password")


def test_outside_debug_a_weak_given_password_is_refused(monkeypatch):
    monkeypatch.setenv(bootstrap.ADMIN_ENV, "admin")
    with pytest.raises(CommandError, match="JOBELIX_ADMIN_PASSWORD is too weak"):
        run_bootstrap(debug=False)
    assert user("admin") is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "jobs.example.com"])
def test_make_run_refuses_debug_on_a_public_address(host, monkeypatch, capsys):
    monkeypatch.setenv("HOST", host)
    monkeypatch.setenv("DEBUG", "1")
    assert launch.run() == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"refusing to serve DEBUG=1 on HOST={host}" in err[0]


@pytest.mark.parametrize("host, debug", [("127.0.0.1", "1"), ("localhost", "1"), ("::1", "1"), ("0.0.0.0", "0")])
def test_loopback_or_debug_off_is_served(host, debug, monkeypatch):
    monkeypatch.setenv("HOST", host)
    monkeypatch.setenv("DEBUG", debug)
    assert launch.refuse_public_debug() is None
