"""Demo data for `make run`: companies whose career pages the demo board server serves.

`jobelix/launch.py run` starts `python -m devtools.career_boards --companies 4` at
JOBELIX_DEMO_BOARDS_URL and, after `manage.py bootstrap`, runs `python -m devtools.demo`
so Start on /scraping/ has work. Never imported by app code.
"""
from __future__ import annotations

import os
import sys

DEMO_COMPANIES = 4  # as many JSON-LD career pages as launch.py's board server has


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


def main() -> int:
    boards_url = os.environ.get("JOBELIX_DEMO_BOARDS_URL")
    if not boards_url:
        print("[demo] JOBELIX_DEMO_BOARDS_URL is not set: no demo companies")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobelix.settings")
    import django

    django.setup()
    added = seed_demo_companies(boards_url)
    if added:
        print(f"[demo] added {', '.join(added)} (career pages at {boards_url})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
