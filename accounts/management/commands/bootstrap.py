"""Create the staff superuser and the demo user (with profile and bot token) if missing.

Demo scraping companies are `make run`'s business: devtools/demo.py."""
import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts import services
from accounts.models import Profile
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


class Command(BaseCommand):
    help = "Create the admin and demo users if they do not exist, and print how to log in."

    def handle(self, *args, **options):
        User = get_user_model()
        admin_password = os.environ.get("JOBELIX_ADMIN_PASSWORD", "admin")
        demo_password = os.environ.get("JOBELIX_DEMO_PASSWORD", "demo")
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@jobelix.local", admin_password)
            self.stdout.write(f"Created staff superuser admin / {admin_password}")
        if not User.objects.filter(username="demo").exists():
            demo = User.objects.create_user(
                "demo", "demo@jobelix.local", demo_password, first_name="Dana", last_name="Demo"
            )
            Profile.objects.update_or_create(user=demo, defaults=DEMO_PROFILE)
            _, raw = services.create_token(demo, "demo bot", "bot")
            DATA_DIR.mkdir(exist_ok=True)
            token_file = DATA_DIR / "demo-bot-token.txt"
            token_file.write_text(raw + "\n")
            token_file.chmod(0o600)
            self.stdout.write(f"Created demo user demo / {demo_password} with a bot token (saved in {token_file})")
        self.stdout.write(
            "Log in as admin (staff) or demo at /login/ — passwords from JOBELIX_ADMIN_PASSWORD / "
            "JOBELIX_DEMO_PASSWORD, default admin / demo. Demo bot token: .jobelix/demo-bot-token.txt"
        )

