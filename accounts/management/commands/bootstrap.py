"""Create the staff superuser (and, on a loopback DEBUG server, the demo user) if missing.

Known passwords (admin/admin, demo/demo) exist only where nobody else can reach them: with
DEBUG=1 and HOST on loopback (`make run`). Anywhere else the admin gets the password in
JOBELIX_ADMIN_PASSWORD (checked by the password validators), or a random one printed once,
and no demo user is made. An existing user's password changes only with --reset-password.
Demo scraping companies are `make run`'s business: devtools/demo.py."""
from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.models import Profile
from core.loopback import is_loopback_host
from jobelix.embedded import DATA_DIR

DEMO_PROFILE = {
    "headline": "Backend engineer",
    "skills": ["Python", "Django", "PostgreSQL", "Redis", "Celery", "Docker", "REST APIs", "JavaScript"],
    "desired_titles": ["Backend Engineer", "Python Developer", "Software Engineer"],
    "locations": ["Remote", "Berlin"],
    "years_experience": 5,
    "remote_preference": Profile.Remote.REMOTE,
    "salary_expectation": 90000,
    "work_authorization": "Authorized to work in the EU",
    "willing_to_relocate": False,
    "resume_text": "Backend engineer with 5 years of Python and Django. Built REST APIs, Celery pipelines "
    "and PostgreSQL schemas for a job marketplace; led the move to Docker-based deployments.",
}
ADMIN_ENV, DEMO_ENV = "JOBELIX_ADMIN_PASSWORD", "JOBELIX_DEMO_PASSWORD"


def demo_allowed() -> bool:
    """Known passwords only on a DEBUG server bound to loopback."""
    return settings.DEBUG and is_loopback_host(settings.BIND_HOST)


class Command(BaseCommand):
    help = ("Create the admin user (and, with DEBUG=1 on loopback, the demo user) if missing; "
            "an existing user's password changes only with --reset-password.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-password", action="store_true",
            help=f"Set {ADMIN_ENV} / {DEMO_ENV} on users that already exist (otherwise they are left as they are).",
        )

    def handle(self, *args: Any, reset_password: bool = False, **options: Any) -> None:
        demo = demo_allowed()
        self.ensure_admin(os.environ.get(ADMIN_ENV) or None, demo=demo, reset=reset_password)
        if demo:
            self.ensure_demo(os.environ.get(DEMO_ENV) or None, reset=reset_password)
        else:
            self.stdout.write("No demo user: demo users with known passwords are made only with DEBUG=1 "
                              f"and a loopback HOST (this is DEBUG={int(settings.DEBUG)}, HOST={settings.BIND_HOST}).")

    def ensure_admin(self, given: str | None, *, demo: bool, reset: bool) -> None:
        User = get_user_model()
        existing = User.objects.filter(username="admin").first()
        if existing is not None:
            self.keep_or_reset(existing, given, ADMIN_ENV, reset=reset, demo=demo)
            return
        if given is not None:
            self.check_strength(given, demo=demo, env_name=ADMIN_ENV)
            User.objects.create_superuser("admin", "admin@jobelix.local", given)
            self.stdout.write(f"Created staff superuser admin with the password from {ADMIN_ENV}.")
        elif demo:
            User.objects.create_superuser("admin", "admin@jobelix.local", "admin")
            self.stdout.write("Created staff superuser admin / admin (DEBUG on loopback only).")
        else:
            password = secrets.token_urlsafe(18)
            User.objects.create_superuser("admin", "admin@jobelix.local", password)
            self.stdout.write(f"Created staff superuser admin with the random password {password}\n"
                              "It is shown this once: store it now (or run bootstrap --reset-password "
                              f"with {ADMIN_ENV} set).")

    def ensure_demo(self, given: str | None, *, reset: bool) -> None:
        User = get_user_model()
        existing = User.objects.filter(username="demo").first()
        if existing is not None:
            self.keep_or_reset(existing, given, DEMO_ENV, reset=reset, demo=True)
            return
        password = given or "demo"
        user = User.objects.create_user("demo", "demo@jobelix.local", password, first_name="Dana", last_name="Demo")
        Profile.objects.update_or_create(user=user, defaults=DEMO_PROFILE)
        _, raw = services.create_token(user, "demo bot", "bot")
        DATA_DIR.mkdir(exist_ok=True)
        token_file = DATA_DIR / "demo-bot-token.txt"
        token_file.write_text(raw + "\n")
        token_file.chmod(0o600)
        shown = f"the password from {DEMO_ENV}" if given else "password demo"
        self.stdout.write(f"Created demo user demo with {shown} and a bot token (saved in {token_file})")

    def keep_or_reset(self, user: Any, given: str | None, env_name: str, *, reset: bool, demo: bool) -> None:
        """An existing user keeps their password unless --reset-password asks, and says so."""
        name = user.get_username()
        if given is None:
            if reset:
                self.stdout.write(f"{name} exists; --reset-password needs {env_name}: nothing changed.")
            return
        if not reset:
            self.stdout.write(f"{name} already exists: {env_name} was NOT applied, the password is unchanged "
                              "(run bootstrap --reset-password to set it).")
            return
        self.check_strength(given, demo=demo, env_name=env_name, user=user)
        user.set_password(given)
        user.save(update_fields=["password"])
        self.stdout.write(f"Password of {name} changed (from {env_name}).")

    def check_strength(self, password: str, *, demo: bool, env_name: str, user: Any = None) -> None:
        """Outside a loopback DEBUG server a given password must pass the password validators."""
        if demo:
            return
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(f"{env_name} is too weak: {' '.join(exc.messages)}") from None
