"""Fixtures of the submissions tests: postings to apply to, jobs, worker tokens."""
import pytest


@pytest.fixture
def make_postings(db):
    """make_postings(n, company="Acme", apply_url=...) -> n active JobPostings."""
    from scraping.models import Company, JobPosting

    counter = {"n": 0}

    def make(n=3, company="Acme", apply_url="https://jobs.example.com/apply", **extra):
        firm, _ = Company.objects.get_or_create(name=company, defaults={"source": "greenhouse", "board_token": company.lower()})
        made = []
        for _ in range(n):
            counter["n"] += 1
            i = counter["n"]
            made.append(
                JobPosting.objects.create(
                    company=firm,
                    external_id=f"ext-{i}",
                    title=f"Engineer {i}",
                    url=f"https://jobs.example.com/{i}",
                    apply_url=f"{apply_url}/{i}" if apply_url else "",
                    **extra,
                )
            )
        return made

    return make


@pytest.fixture
def make_job(make_postings):
    """make_job(owner, n=3) -> a pending SubmissionJob with n submissions, not queued on Celery."""
    from submissions import services

    def make(owner, n=3, **posting_kwargs):
        postings = make_postings(n, **posting_kwargs)
        return services.create_job(owner, [p.pk for p in postings], start=False)

    return make


@pytest.fixture
def worker_client(api_client, make_token):
    """worker_client(user, scope="worker") -> APIClient sending that user's token."""
    from rest_framework.test import APIClient

    def make(user, scope="worker"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user, scope)}")
        return client

    return make


@pytest.fixture
def user(user):
    """The test user, with a profile that applies at once: the politeness pause between applications
    (apply_delay_seconds, a few seconds by default) is 0 in tests."""
    from accounts.models import Profile

    Profile.objects.update_or_create(user=user, defaults={"apply_delay_seconds": 0})
    return user
