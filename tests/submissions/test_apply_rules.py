"""The user's apply rules, obeyed by the apply worker before every application (submissions.apply_rules,
services.pipeline.claim_posting): threshold, never the same posting twice, never the same title at the same
company in another city, daily and per-company caps. The worker runs here in the test process with the
record_only applier (what is checked is the worker's decision, whichever applier sends); the browser runs
are in tests/e2e/test_apply_pipeline.py."""
import pytest

from accounts.models import Profile
from core.errors import ApplicationError
from scraping.models import Company, JobPosting
from submissions import apply_rules, worker
from submissions.models import LedgerEntry, SubmissionJob
from submissions.services import create_job, pipeline
from tracker.models import Application, Job

RECORD_ONLY = "submissions.appliers.record_only"


@pytest.fixture(autouse=True)
def record_only(settings):
    settings.SUBMISSIONS_APPLIER = RECORD_ONLY


def posting(title, company="Acme", location="Berlin", n=[0]):  # noqa: B006 (a counter for unique ids)
    n[0] += 1
    firm, _ = Company.objects.get_or_create(name=company, defaults={"source": "greenhouse", "board_token": company.lower()})
    return JobPosting.objects.create(company=firm, external_id=f"rules-{n[0]}", title=title, location=location,
                                     url=f"https://jobs.example.com/{n[0]}", apply_url=f"https://jobs.example.com/{n[0]}/apply")


def rules(user, **values):
    Profile.objects.update_or_create(user=user, defaults={"apply_delay_seconds": 0, **values})


def run(user, postings, mode="manual", scores=None):
    job = create_job(user, [p.pk for p in postings], start=False, mode=mode, scores=scores)
    assert worker.run_submission_job(job.pk) == "completed"
    return [(s.status, s.last_error_message) for s in job.submissions.order_by("position")]


def test_title_key_ignores_where_the_role_is_worked():
    assert apply_rules.title_key("Backend Engineer - Berlin (Hybrid)", "Berlin, Germany") == "backend engineer"
    assert apply_rules.title_key("Backend Engineer, Munich", "Munich") == "backend engineer"
    assert apply_rules.title_key("Backend Engineer", "Remote") == "backend engineer"
    assert apply_rules.title_key("Senior Backend Engineer", "Berlin") != apply_rules.title_key("Backend Engineer")


@pytest.mark.django_db
def test_auto_apply_skips_postings_under_the_threshold(user):
    rules(user, apply_threshold=70)
    good, weak, unscored = posting("Backend Engineer"), posting("Data Analyst"), posting("Designer")
    outcome = run(user, [good, weak, unscored], mode="auto", scores={good.pk: 85.0, weak.pk: 69.5})
    assert outcome == [
        ("submitted", ""),
        ("skipped", "Below your auto-apply threshold of 70% (a 69.5% match)."),
        ("skipped", "Below your auto-apply threshold of 70% (no match score)."),
    ]
    # A posting the user chose themselves ("Apply") is not held to the threshold.
    assert run(user, [posting("Analyst")], scores={}) == [("submitted", "")]


@pytest.mark.django_db
def test_never_the_same_posting_twice_nor_the_same_role_in_another_city(user):
    rules(user)
    berlin = posting("Backend Engineer - Berlin", location="Berlin, Germany")
    munich = posting("Backend Engineer (Munich)", location="Munich, Germany")
    elsewhere = posting("Backend Engineer", company="Globex", location="Munich")
    assert run(user, [berlin, munich, elsewhere]) == [
        ("submitted", ""),
        ("skipped", "Already applied to the same role: Backend Engineer - Berlin at Acme (Berlin, Germany)."),
        ("submitted", ""),
    ]
    assert run(user, [berlin]) == [("skipped", "Already applied to this posting.")]
    assert LedgerEntry.objects.filter(user=user).count() == 2  # one row per user and posting, ever
    # The applications landed in the tracker, linked to their postings.
    assert sorted(Job.objects.filter(user=user, application__status="applied").values_list("posting_id", flat=True)) \
        == sorted([berlin.pk, elsewhere.pk])


@pytest.mark.django_db
def test_a_posting_already_applied_to_outside_the_pipeline_is_skipped(user, make_token):
    """The tracker is the other half of the ledger: the bot (or the user) recorded it as applied."""
    from tracker import services as tracker

    rules(user)
    target = posting("Platform Engineer")
    job, _ = tracker.create_job(user, company="Acme", job_title="Platform Engineer", job_url=target.url)
    tracker.create_application(user, job.pk, status="applied")
    assert run(user, [target]) == [("skipped", "Already applied to this posting.")]


@pytest.mark.django_db
def test_the_daily_cap_stops_further_applications(user):
    rules(user, daily_cap=2)
    first, second, third = posting("Engineer A"), posting("Engineer B", company="Globex"), posting("Engineer C", company="Initech")
    assert run(user, [first, second, third]) == [
        ("submitted", ""), ("submitted", ""), ("skipped", "Daily cap reached: 2 of 2 applications today."),
    ]


@pytest.mark.django_db
def test_the_company_cap_counts_30_days_per_company(user):
    rules(user, company_cap=2)
    acme = [posting(f"Engineer {i}") for i in range(3)]
    other = posting("Engineer 9", company="Globex")
    assert run(user, [*acme, other]) == [
        ("submitted", ""), ("submitted", ""),
        ("skipped", "Company cap reached: 2 of 2 applications to Acme in 30 days."), ("submitted", ""),
    ]
    # Applications older than 30 days no longer count.
    from datetime import timedelta

    from django.utils import timezone

    Application.objects.filter(user=user, job__company="Acme").update(applied_at=timezone.now() - timedelta(days=31))
    assert run(user, [acme[2]]) == [("submitted", "")]


@pytest.mark.django_db
def test_auto_apply_picks_new_matches_over_the_threshold_best_first(user):
    from tracker.models import Recommendation

    rules(user, apply_threshold=70)
    best, good, weak, done = (posting(t) for t in ("A", "B", "C", "D"))
    for p, score in ((best, 92.0), (good, 75.0), (weak, 60.0), (done, 99.0)):
        Recommendation.objects.create(user=user, posting=p, score=score, recommendation="apply_now",
                                      company="Acme", job_title=p.title)
    LedgerEntry.objects.create(user=user, posting=done, status="sent")
    job = pipeline.auto_apply(user)
    assert job.metadata == {"mode": "auto"}
    assert [(s.job_posting_id, s.match_score) for s in job.submissions.order_by("position")] == [
        (best.pk, 92.0), (good.pk, 75.0)]
    Profile.objects.filter(user=user).update(apply_threshold=95)
    with pytest.raises(ApplicationError, match=r"^No new matches at or above 95% to apply to\.$"):
        pipeline.auto_apply(user)


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_posting_twice(user):
    """The ledger row is taken before anything is sent: a second job for the posting, run while the first
    holds it, skips it."""
    rules(user)
    target = posting("Backend Engineer")
    first = create_job(user, [target.pk], start=False)
    second = create_job(user, [target.pk], start=False)
    sub_a, sub_b = first.submissions.get(), second.submissions.get()
    assert pipeline.claim_posting(first, sub_a, pipeline.rules_for(user), review=False) == ""
    assert pipeline.claim_posting(second, sub_b, pipeline.rules_for(user), review=False) \
        == "Already applied to this posting."
    pipeline.release_claim(sub_a.pk)  # the first one failed: the posting is free again
    assert pipeline.claim_posting(second, sub_b, pipeline.rules_for(user), review=False) == ""
    assert SubmissionJob.objects.count() == 2
