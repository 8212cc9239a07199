"""Demo data for `make run`: companies whose career pages the demo servers serve, and the demo user's
answers to common screening questions.

`jobelix/launch.py run` starts `python -m devtools.career_boards --companies 4` at
JOBELIX_DEMO_BOARDS_URL and `python -m devtools.ats.server --demo` (ATS form replicas, and the career
pages of their companies at JOBELIX_ATS_CAREERS_URL) and, after `manage.py bootstrap`, runs
`python -m devtools.demo` so Start on /scraping/ has work and the apply pipeline can fill the forms
(README's five-minute tour). Never imported by app code.
"""
from __future__ import annotations

import datetime as dt
import os
import sys

DEMO_COMPANIES = 4  # as many JSON-LD career pages as launch.py's board server has
# The companies of devtools.ats.server --demo: career page slug -> name (their postings are ATS forms).
ATS_COMPANIES = {"acme": "Acme Analytics", "northwind": "Northwind Freight", "lumen": "Lumen Health"}
# What the demo user answers on forms (only where their profile is still empty): the forms ask for a phone,
# a location, a start date, and Ashby's data consent box, which the bot never ticks on its own.
DEMO_ANSWERS = {"phone": "+49 30 1234567", "current_location": "Berlin", "notice_period": "2 weeks",
                "linkedin_url": "https://www.linkedin.com/in/dana-demo"}
DEMO_SAVED_ANSWERS = {"i agree": "yes"}


def seed_demo_companies(boards_url: str, count: int = DEMO_COMPANIES) -> list[str]:
    """Add the demo companies that are missing (by name); returns the names added."""
    from scraping import services
    from scraping.models import Company

    added = []
    for i in range(count):
        name = f"Demo Company {i + 1}"
        if Company.objects.filter(name=name).exists():
            continue
        services.save_company(Company(name=name, source=Company.Source.JSONLD,
                                      career_url=f"{boards_url.rstrip('/')}/careers/jsonld-co{i}"))
        added.append(name)
    return added


def seed_ats_companies(careers_url: str) -> list[str]:
    """The ATS replicas' companies (JSON-LD career pages linking to their Greenhouse, Lever and Ashby forms)."""
    from scraping import services
    from scraping.models import Company

    added = []
    for slug, name in ATS_COMPANIES.items():
        if Company.objects.filter(name=name).exists():
            continue
        services.save_company(Company(name=name, source=Company.Source.JSONLD,
                                      career_url=f"{careers_url.rstrip('/')}/careers/{slug}"))
        added.append(name)
    return added


def prepare_demo_user(username: str = "demo") -> bool:
    """Fill the demo user's empty screening answers (never overwriting what was edited); False without them."""
    from accounts.models import Profile

    profile = Profile.objects.filter(user__username=username).first()
    if profile is None:
        return False
    for field, value in DEMO_ANSWERS.items():
        if not getattr(profile, field):
            setattr(profile, field, value)
    if profile.start_date is None:
        profile.start_date = dt.date.today() + dt.timedelta(days=30)
    profile.screening_answers = {**DEMO_SAVED_ANSWERS, **(profile.screening_answers or {})}
    profile.full_clean()
    profile.save()
    return True


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobelix.settings")
    import django

    django.setup()
    boards_url = os.environ.get("JOBELIX_DEMO_BOARDS_URL")
    if boards_url:
        added = seed_demo_companies(boards_url)
        if added:
            print(f"[demo] added {', '.join(added)} (career pages at {boards_url})")
    else:
        print("[demo] JOBELIX_DEMO_BOARDS_URL is not set: no demo companies")
    careers_url = os.environ.get("JOBELIX_ATS_CAREERS_URL")
    if careers_url:
        added = seed_ats_companies(careers_url)
        if added:
            print(f"[demo] added {', '.join(added)} (career pages at {careers_url}, forms on the ATS replicas)")
        if prepare_demo_user():
            print("[demo] the demo user's screening answers are ready for the ATS forms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
