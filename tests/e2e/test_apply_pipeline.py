"""The apply pipeline end to end, in real Chromium: submission jobs run by a Celery worker on the browser
queue with the default applier (bot.applier.browser_apply), against the Greenhouse, Lever and Ashby form
replicas (devtools/ats) served on loopback, with the user's rules; and "Launch bot" queuing a hosted run.

Each test starts its own browser worker on a queue of its own (BROWSER_QUEUE), so no other worker of the
run takes its jobs, and keeps its Chromium runs few (one job over several postings)."""
import copy
import uuid

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Profile
from devtools.ats.greenhouse import DEFAULT_JOB, GreenhouseReplica, select_question
from devtools.ats.lever import LeverReplica
from devtools.ats.server import CareerPages, demo_ports
from scraping.models import Company, JobPosting
from scraping.sources.base import html_to_text
from submissions.models import LedgerEntry, SubmissionJob
from tests.support import wait_until
from tracker.models import Application, Recommendation

PROFILE = {
    "headline": "Backend engineer", "phone": "+49 30 1234567",
    "skills": ["Python", "Django", "PostgreSQL", "Redis", "Celery", "Docker", "REST APIs", "JavaScript"],
    "desired_titles": ["Backend Engineer", "Python Developer", "Software Engineer"], "locations": ["Remote", "Berlin"],
    "years_experience": 5, "remote_preference": "remote", "salary_expectation": 90000,
    "work_authorization": "Authorized to work in the EU",
    "resume_text": "Backend engineer with 5 years of Python and Django: REST APIs, Celery pipelines, PostgreSQL.",
    # the answers the forms need beyond the profile (issue 13: saved once, on the profile)
    "current_location": "Berlin", "start_date": "2026-12-01", "screening_answers": {"i agree": "yes"},
    "apply_delay_seconds": 0,
}
JOB_TIMEOUT = 240


@pytest.fixture
def applicant(user):
    user.first_name, user.last_name = "Alice", "Martin"
    user.save()
    Profile.objects.update_or_create(user=user, defaults=PROFILE)
    return user


@pytest.fixture
def browser_worker(start_celery, settings, tmp_path, chromium_path):
    """start(ports) -> a Celery worker that consumes only this test's browser queue, routing the replicas'
    hosts to the Greenhouse/Lever/Ashby adapters; screenshots go to a private folder of the test."""
    queue = f"browser-{uuid.uuid4().hex[:8]}"
    settings.BROWSER_QUEUE = queue
    settings.SUBMISSIONS_SCREENSHOT_DIR = tmp_path / "private"

    def start(ports, **extra):
        env = {"CELERY_WORKER_QUEUES": queue, "SUBMISSIONS_SCREENSHOT_DIR": str(tmp_path / "private"),
               "JOBELIX_CHROMIUM": chromium_path, "JOBELIX_BOT_TIMEOUT": "30", **ats_env(ports), **extra}
        return start_celery(**env), env
    return start


def ats_env(ports) -> dict[str, str]:
    return {f"JOBELIX_{name.upper()}_URL": ports[name].url for name in ("greenhouse", "lever", "ashby") if name in ports}


def serve(ports: dict):
    for served in ports.values():
        served.start()
    return ports


def stop(ports: dict):
    for served in ports.values():
        served.stop()


def postings_from(careers: CareerPages) -> dict[str, JobPosting]:
    """What a scrape of the companies' career pages stores (their JSON-LD JobPostings), by title and city."""
    made = {}
    for name, jobs in careers.companies().values():
        company, _ = Company.objects.get_or_create(name=name, defaults={"source": "jsonld",
                                                                        "career_url": careers.url + "/careers/x"})
        for job in jobs:
            city = job["jobLocation"]["address"]["addressLocality"]
            made[f"{job['title']} / {city.split(',')[0]}"] = JobPosting.objects.create(
                company=company, external_id=job["url"], title=job["title"], location=city,
                description=html_to_text(job["description"]), url=job["url"], apply_url=job["url"])
    return made


def statuses(job: SubmissionJob) -> dict[str, tuple[str, str]]:
    return {s.target_name.split(" — ")[1] + " / " + s.job_posting.location.split(",")[0]: (s.status, s.last_error_message)
            for s in job.submissions.select_related("job_posting")}


def finished(job_id) -> SubmissionJob | None:
    job = SubmissionJob.objects.get(pk=job_id)
    return job if job.is_finished else None


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_auto_apply_over_the_threshold_reviews_then_sends_and_obeys_the_rules(
        applicant, other_user, browser_worker, start_daphne, new_page, login):
    """README's tour: scraped postings -> recommendations -> Auto-apply >= 70% -> review -> Submit -> submitted,
    live on the pages. The demo's own postings (devtools.ats.server --demo) with the real match scores."""
    from tracker import services as tracker

    ports = serve(demo_ports())
    careers = CareerPages(ports).start()
    try:
        postings = postings_from(careers)
        tracker.refresh_posting_analyses()
        tracker.recompute_recommendations(applicant)
        scores = {key: Recommendation.objects.filter(user=applicant, posting=p).values_list("score", flat=True).first()
                  for key, p in postings.items()}
        assert scores["Software Engineer / Berlin"] < 70 <= min(scores[k] for k in (
            "Backend Engineer / Berlin", "Backend Engineer / Munich", "Senior Backend Engineer / Berlin",
            "Python Developer / Berlin"))
        assert scores["Data Scientist / Berlin"] is None  # not even recommended
        Profile.objects.filter(user=applicant).update(daily_cap=1)  # review mode: on (a new profile's default)

        _, env = browser_worker(ports)
        server = start_daphne(BROWSER_QUEUE=env["CELERY_WORKER_QUEUES"], **ats_env(ports),
                              SUBMISSIONS_SCREENSHOT_DIR=env["SUBMISSIONS_SCREENSHOT_DIR"])
        page = new_page()
        login(page, server, applicant)
        page.goto(f"{server.url}/recommendations/")
        page.get_by_role("button", name="Auto-apply to matches ≥ 70%").click()
        page.wait_for_url(f"{server.url}/submissions/*/")
        job = SubmissionJob.objects.get(owner=applicant)
        # The progress page follows the worker live: each form ends filled in, waiting for review.
        expect(page.locator("#recent-submissions .badge.review")).to_have_count(4, timeout=JOB_TIMEOUT * 1000)
        wait_until(lambda: finished(job.pk), JOB_TIMEOUT, message="the job to finish")
        assert {k: v[0] for k, v in statuses(job).items()} == {
            "Backend Engineer / Berlin": "review", "Backend Engineer / Munich": "review",
            "Senior Backend Engineer / Berlin": "review", "Python Developer / Berlin": "review"}
        assert [p.posts() for p in ports.values()] == [[], [], [], []]  # review mode sent nothing anywhere
        assert not LedgerEntry.objects.exists() and not Application.objects.exists()

        # The job page shows the filled form; Submit sends it for real.
        berlin = job.submissions.get(job_posting=postings["Backend Engineer / Berlin"])
        page.goto(f"{server.url}/jobs/{berlin.tracker_job_id}/")
        expect(page.locator("#review-screenshot")).to_be_visible()
        page.wait_for_function("() => document.getElementById('review-screenshot').naturalWidth > 300")  # the PNG loaded
        page.locator("#review-submit").click()
        expect(page.locator("#bot-confirmation")).to_contain_text("Thank you for applying.", timeout=JOB_TIMEOUT * 1000)
        expect(page.locator("#application-screenshot")).to_be_visible()
        [sent] = ports["greenhouse"].received
        assert (sent.answers["First Name"], sent.answers["Last Name"]) == ("Alice", "Martin")
        assert sent.answers["Gender"] == "Decline To Self Identify"  # the profile's EEO default
        application = Application.objects.get(user=applicant, job_id=berlin.tracker_job_id)
        assert application.status == "applied" and application.confirmation.startswith("Thank you for applying.")
        screenshot = session(applicant).get(f"/applications/{application.pk}/screenshot")
        assert screenshot.status_code == 200 and b"".join(screenshot.streaming_content).startswith(b"\x89PNG")
        assert session(other_user).get(f"/applications/{application.pk}/screenshot").status_code == 404

        # Submit on the same title in another city, and over the daily cap: the rules hold at send time.
        for key in ("Backend Engineer / Munich", "Senior Backend Engineer / Berlin"):
            waiting = job.submissions.get(job_posting=postings[key])
            session(applicant).post(f"/submissions/s/{waiting.pk}/submit")
        python = job.submissions.get(job_posting=postings["Python Developer / Berlin"])
        session(applicant).post(f"/submissions/s/{python.pk}/skip")
        wait_until(lambda: finished(job.pk), JOB_TIMEOUT, message="the job to finish again")
        assert statuses(job) == {
            "Backend Engineer / Berlin": ("submitted", ""),
            "Backend Engineer / Munich": ("skipped", "Already applied to the same role: Backend Engineer at Acme "
                                                     "Analytics (Berlin, Germany)."),
            "Senior Backend Engineer / Berlin": ("skipped", "Daily cap reached: 1 of 1 applications today."),
            "Python Developer / Berlin": ("skipped", "Skipped by you."),
        }
        assert len(ports["greenhouse"].received) == 1 and ports["lever"].received == ports["ashby"].received == []
    finally:
        careers.stop()
        stop(ports)


@pytest.mark.django_db(transaction=True)
def test_an_unknown_question_a_captcha_and_a_form_error_reach_the_user_who_answers_and_resumes(
        applicant, browser_worker):
    """One job over three forms: Greenhouse asks a required question nobody answered (needs_answer), Lever shows
    a captcha (needs_human: the bot stops), Ashby refuses the phone number (the form's own message). The user
    fixes the phone, answers the question on the job page, and the application resumes to submitted."""

    from devtools.ats.ashby import AshbyReplica
    from submissions.services import create_job

    job_json = copy.deepcopy(DEFAULT_JOB)
    job_json["questions"].append(select_question("What are your pronouns?", "question_30008", True,
                                                 ["she/her", "he/him", "they/them"]))
    ports = serve({"greenhouse": GreenhouseReplica(job_json), "lever": LeverReplica(captcha=True),
                   "ashby": AshbyReplica()})
    try:
        Profile.objects.filter(user=applicant).update(review_mode=False, phone="call me maybe")
        browser_worker(ports)
        firm = Company.objects.create(name="Acme Analytics", source="greenhouse", board_token="acme")
        made = [JobPosting.objects.create(company=firm, external_id=name, title=f"{name} role", location="Berlin",
                                          url=served.posting_url(), apply_url=served.posting_url())
                for name, served in ports.items()]
        job = create_job(applicant, [p.pk for p in made])  # as "Apply" on each, in one job
        wait_until(lambda: finished(job.pk), JOB_TIMEOUT, message="the job to finish")
        greenhouse, lever, ashby = job.submissions.order_by("position")
        assert (greenhouse.status, greenhouse.last_error_message) == ("needs_answer",
                                                                      "Needs your answer: What are your pronouns?")
        assert greenhouse.questions[0]["options"] == ["she/her", "he/him", "they/them"]
        assert lever.status == "needs_human" and "hcaptcha" in lever.last_error_message.lower()
        assert ashby.status == "failed" and ashby.last_error_message.startswith("Ashby did not accept the form: ")
        assert "Phone Number: Please enter a valid phone number" in ashby.last_error_message
        assert [p.received for p in ports.values()] == [[], [], []]
        assert ports["greenhouse"].posts() == ports["lever"].posts() == []  # nothing sent before the stop
        # The user sees the form's message on the submission page and the question on the job page.
        assert "Please enter a valid phone number" in session(applicant).get(
            f"/submissions/{ashby.job_id}/").content.decode()
        page = session(applicant).get(f"/jobs/{greenhouse.tracker_job_id}/").content.decode()
        assert "What are your pronouns?" in page and 'id="answer-form"' in page

        Profile.objects.filter(user=applicant).update(phone="+49 30 1234567")
        answered = session(applicant).post(f"/submissions/s/{greenhouse.pk}/answer", {"q0": "they/them"})
        assert answered.status_code == 302
        assert Profile.objects.get(user=applicant).screening_answers["what are your pronouns?"] == "they/them"
        wait_until(lambda: finished(job.pk) and job.submissions.get(pk=greenhouse.pk).status not in (
            "pending", "submitting"), JOB_TIMEOUT, message="the resumed application")
        greenhouse.refresh_from_db()
        assert (greenhouse.status, greenhouse.confirmation[:23]) == ("submitted", "Thank you for applying.")
        [sent] = ports["greenhouse"].received
        assert sent.answers["What are your pronouns?"] == "they/them" and sent.answers["Phone"] == "+49 30 1234567"
        assert Application.objects.get(user=applicant, job_id=greenhouse.tracker_job_id).screenshot
    finally:
        stop(ports)


@pytest.mark.django_db(transaction=True)
def test_launch_bot_with_debug_off_queues_a_hosted_run_on_the_browser_queue(
        applicant, browser_worker, start_daphne, new_page, login, tmp_path):
    """DEBUG=0 (the test servers' setting), no development launch: the button queues a hosted run; the browser
    worker runs the bot against the sandbox board and the status card follows it to the end."""
    from bot.sandbox import SandboxBoard

    Profile.objects.filter(user=applicant).update(desired_titles=["Django"], locations=["Remote"], daily_cap=2)
    with SandboxBoard(slow_seconds=0.1) as board:
        _, env = browser_worker({}, JOBELIX_SANDBOX_BOARD_URL=board.url, JOBELIX_BOT_OUTPUT=str(tmp_path / "out"))
        server = start_daphne(BROWSER_QUEUE=env["CELERY_WORKER_QUEUES"], JOBELIX_DEMO_LAUNCH="0")
        page = new_page()
        login(page, server, applicant)
        page.goto(f"{server.url}/autoapply/")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        page.click("#bot-launch")
        expect(page.locator("#bot-status")).to_have_text("running", timeout=60000)
        expect(page.locator("#bot-summary")).to_contain_text("Finished (completed)", timeout=JOB_TIMEOUT * 1000)
        expect(page.locator("#bot-summary")).to_contain_text("applied to 2 of")  # the profile's daily cap
        assert len(board.applications()) == 2
    from accounts.models import ApiToken
    from sessions_app.launch import LAUNCH_TOKEN_PATTERN

    [token] = ApiToken.objects.filter(user=applicant, name__regex=LAUNCH_TOKEN_PATTERN)
    assert token.revoked_at is not None  # the run's token dies with it
