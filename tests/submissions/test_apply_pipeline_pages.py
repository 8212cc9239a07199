"""The apply pipeline's pages and the owner's answers (no browser): Apply / Auto-apply buttons, an application
stopped for an answer, reviewed, or held by a captcha, the record with its screenshot (owner-only), and the
rules and saved answers on the profile page and API. The outcomes are stored through the real service the
worker calls after its applier (services.pipeline.record_outcome); Chromium runs are in
tests/e2e/test_apply_pipeline.py."""
import pytest
from django.test import Client

from accounts.models import Profile
from scraping.models import Company, JobPosting
from submissions import progress_rules as rules
from submissions.models import Submission, SubmissionJob
from submissions.services import apply_progress_update, create_job, pipeline
from tests.submissions.helpers import events_of, job_starts
from tracker.models import Application, Recommendation

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PRONOUNS = {"name": "what are your pronouns?", "label": "What are your pronouns?", "kind": "select",
            "options": ["she/her", "he/him", "they/them"], "required": True}
CONSENT = {"name": "i agree", "label": "I agree", "kind": "checkbox", "options": [], "required": True}


@pytest.fixture(autouse=True)
def private_screenshots(settings, tmp_path):
    settings.SUBMISSIONS_SCREENSHOT_DIR = tmp_path / "private"
    settings.SUBMISSIONS_APPLIER = "submissions.appliers.record_only"
    return settings.SUBMISSIONS_SCREENSHOT_DIR


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def a_posting(title="Backend Engineer", company="Acme"):
    firm, _ = Company.objects.get_or_create(name=company, defaults={"source": "greenhouse", "board_token": company.lower()})
    n = JobPosting.objects.count() + 1
    return JobPosting.objects.create(company=firm, external_id=f"pages-{n}", title=title, location="Berlin",
                                     url=f"https://jobs.example.com/p{n}", apply_url=f"https://jobs.example.com/p{n}/apply")


def stopped(user, outcome, screenshot_dir=None):
    """A one-posting job whose submission the worker took, stored this outcome for (as after its applier), and
    finished (a submission waiting for its owner does not hold the job open)."""
    job = create_job(user, [a_posting().pk], start=False)
    submission = job.submissions.get()
    apply_progress_update(rules.ProgressUpdate(job_id=job.pk, status="submitting", submission_id=submission.pk))
    if screenshot_dir is not None:
        path = screenshot_dir / str(user.pk) / f"{submission.pk}-1-{outcome['status']}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(PNG)
        outcome = {**outcome, "screenshot": str(path)}
    pipeline.record_outcome(job.pk, submission.pk, outcome)
    apply_progress_update(rules.ProgressUpdate(job_id=job.pk, status="completed"))  # the worker's last step
    job.refresh_from_db()
    return job, Submission.objects.get(pk=submission.pk)


@pytest.mark.django_db
def test_a_question_nobody_answered_is_asked_on_the_job_page_then_remembered_and_resumed(
        user, other_user, django_capture_on_commit_callbacks):
    job, submission = stopped(user, {"status": "needs_answer", "message": "Needs your answer: What are your pronouns?; I agree",
                                     "questions": [PRONOUNS, CONSENT]})
    assert submission.status == "needs_answer" and submission.tracker_job is not None
    assert submission.last_error_message == "Needs your answer: What are your pronouns?; I agree"
    event = events_of(user, "submission.updated")[-1].data
    assert (event["status"], event["questions"], event["tracker_job_id"]) == (
        "needs_answer", ["What are your pronouns?", "I agree"], submission.tracker_job_id)
    page = client_for(user).get(f"/jobs/{submission.tracker_job_id}/").content.decode()
    assert "What are your pronouns?" in page and '<option value="they/them">' in page and 'id="answer-form"' in page
    assert "Answer →" in client_for(user).get(f"/submissions/{job.pk}/").content.decode()

    url = f"/submissions/s/{submission.pk}/answer"
    assert client_for(other_user).post(url, {"q0": "they/them", "q1": "yes"}).status_code == 404
    refused = client_for(user).post(url, {"q0": "they/them"}, follow=True)  # the consent is missing
    assert "Answer every question" in refused.content.decode()
    assert Submission.objects.get(pk=submission.pk).status == "needs_answer"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answered = client_for(user).post(url, {"q0": "they/them", "q1": "yes"})
    assert answered.status_code == 302 and answered["Location"] == f"/jobs/{submission.tracker_job_id}/"
    assert Profile.objects.get(user=user).screening_answers == {"what are your pronouns?": "they/them", "i agree": "yes"}
    submission.refresh_from_db()
    job.refresh_from_db()
    assert (submission.status, submission.questions, submission.last_error_message) == ("pending", [], "")
    assert job.status == "pending" and len(job_starts(queued)) == 1  # the finished job runs again


@pytest.mark.django_db
def test_review_shows_the_filled_form_and_sends_only_on_submit(user, other_user, private_screenshots,
                                                              django_capture_on_commit_callbacks):
    job, submission = stopped(user, {"status": "review", "answers": {"Email": "alice@example.com"}},
                              screenshot_dir=private_screenshots)
    assert submission.status == "review" and submission.screenshot.endswith("-review.png")
    assert submission.last_error_message == "Filled in and waiting for your review: nothing was sent."
    page = client_for(user).get(f"/jobs/{submission.tracker_job_id}/").content.decode()
    assert f'src="/submissions/s/{submission.pk}/screenshot"' in page and 'id="review-submit"' in page
    assert "alice@example.com" in page
    shot = client_for(user).get(f"/submissions/s/{submission.pk}/screenshot")
    assert shot.status_code == 200 and shot["Content-Type"] == "image/png" and b"".join(shot.streaming_content) == PNG
    assert shot["Cache-Control"] == "private, no-store"
    assert client_for(other_user).get(f"/submissions/s/{submission.pk}/screenshot").status_code == 404
    assert Client().get(f"/submissions/s/{submission.pk}/screenshot").status_code == 302  # to the login page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client_for(user).post(f"/submissions/s/{submission.pk}/submit")
    submission.refresh_from_db()
    assert (submission.status, submission.send_confirmed, len(job_starts(queued))) == ("pending", True, 1)

    _, other = stopped(user, {"status": "review", "answers": {}})
    client_for(user).post(f"/submissions/s/{other.pk}/skip")
    other.refresh_from_db()
    assert (other.status, other.last_error_message) == ("skipped", "Skipped by you.")
    assert client_for(user).post(f"/submissions/s/{other.pk}/submit", follow=True).status_code == 200
    assert Submission.objects.get(pk=other.pk).status == "skipped"  # nothing to submit any more


@pytest.mark.django_db
def test_a_captcha_waits_for_a_person_who_may_retry_or_skip(user, django_capture_on_commit_callbacks):
    _, submission = stopped(user, {"status": "needs_human", "reason": "Lever: a hcaptcha challenge is shown"})
    assert submission.status == "needs_human"
    assert submission.last_error_message == "A person must continue this application: Lever: a hcaptcha challenge is shown"
    assert "does not solve captchas" in client_for(user).get(f"/jobs/{submission.tracker_job_id}/").content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client_for(user).post(f"/submissions/s/{submission.pk}/retry")
    assert Submission.objects.get(pk=submission.pk).status == "pending" and len(job_starts(queued)) == 1


@pytest.mark.django_db
def test_a_sent_application_is_recorded_with_the_confirmation_and_a_private_screenshot(
        user, other_user, private_screenshots):
    job, submission = stopped(user, {"status": "submitted", "confirmation": "Thank you for applying. <b>Acme</b>",
                                     "answers": {"Email": "alice@example.com"}}, screenshot_dir=private_screenshots)
    assert (job.submissions.get().status, submission.confirmation) == ("submitted", "Thank you for applying. <b>Acme</b>")
    application = Application.objects.get(user=user, job=submission.tracker_job)
    assert application.status == "applied" and application.confirmation == submission.confirmation
    assert application.screenshot == submission.screenshot and application.screenshot.endswith("-submitted.png")
    page = client_for(user).get(f"/jobs/{submission.tracker_job_id}/").content.decode()
    assert "Thank you for applying. &lt;b&gt;Acme&lt;/b&gt;" in page and "<b>Acme</b>" not in page
    url = f"/applications/{application.pk}/screenshot"
    assert f'href="{url}"' in page
    mine = client_for(user).get(url)
    assert mine.status_code == 200 and b"".join(mine.streaming_content) == PNG
    assert client_for(other_user).get(url).status_code == 404
    # The file is not served as a static or media file.
    assert Client().get(f"/static/{application.screenshot}").status_code == 404


@pytest.mark.django_db
def test_apply_and_auto_apply_buttons_create_jobs(user, django_capture_on_commit_callbacks):
    Profile.objects.update_or_create(user=user, defaults={"apply_threshold": 80})
    strong, weak = a_posting("Backend Engineer"), a_posting("Data Analyst")
    for p, score in ((strong, 91.0), (weak, 72.0)):
        Recommendation.objects.create(user=user, posting=p, score=score, recommendation="apply_now", company="Acme",
                                      job_title=p.title)
    page = client_for(user).get("/recommendations/").content.decode()
    assert "Auto-apply to matches ≥ 80%" in page
    assert f'action="/apply/{strong.pk}/"' in page and f'action="/apply/{weak.pk}/"' in page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        auto = client_for(user).post("/apply/auto/")
    job = SubmissionJob.objects.get(owner=user)
    assert auto["Location"] == f"/submissions/{job.pk}/" and len(job_starts(queued)) == 1
    assert job.metadata == {"mode": "auto"}
    assert [(s.job_posting_id, s.match_score) for s in job.submissions.all()] == [(strong.pk, 91.0)]
    with django_capture_on_commit_callbacks(execute=False):
        one = client_for(user).post(f"/apply/{weak.pk}/")
    single = SubmissionJob.objects.exclude(pk=job.pk).get(owner=user)
    assert one["Location"] == f"/submissions/{single.pk}/" and single.metadata == {"mode": "manual"}
    assert single.submissions.get().match_score == 72.0
    # Nothing left over the threshold: the button says so.
    Profile.objects.filter(user=user).update(apply_threshold=99)
    refused = client_for(user).post("/apply/auto/", {"next": "/recommendations/"}, follow=True)
    assert "No new matches at or above 99% to apply to." in refused.content.decode()


@pytest.mark.django_db
def test_jobs_page_offers_apply_for_jobs_with_a_posting(user):
    from tracker import services as tracker

    posting = a_posting()
    scraped = tracker.job_for_posting(user, posting)
    manual, _ = tracker.create_job(user, company="Initech", job_title="Engineer", job_url="https://initech.example/1")
    page = client_for(user).get("/jobs/").content.decode()
    assert f'action="/apply/{posting.pk}/"' in page and "Auto-apply to matches ≥ 70%" in page
    assert page.count('class="inline apply-form"') == 1
    assert scraped.posting_id == posting.pk and manual.posting_id is None


@pytest.mark.django_db
def test_the_profile_page_and_api_edit_the_rules_and_the_saved_answers(user, session_client, api_client):
    csrf = session_client.get("/profile/").cookies["csrftoken"].value
    page = session_client.get("/profile/").content.decode()
    assert 'id="apply-rules"' in page and 'id="screening-answers"' in page
    saved = session_client.post("/profile/", {
        "section": "rules", "apply_threshold": 80, "daily_cap": 5, "company_cap": 2, "apply_delay_seconds": 10,
    }, HTTP_X_CSRFTOKEN=csrf)
    assert saved.status_code == 302
    profile = Profile.objects.get(user=user)
    assert (profile.apply_threshold, profile.daily_cap, profile.company_cap, profile.review_mode,
            profile.apply_delay_seconds) == (80, 5, 2, False, 10)
    answers = session_client.post("/profile/", {
        "section": "answers", "current_location": "Berlin", "authorized_to_work": "true", "eeo_decline": "on",
        "screening_answers": "What are your pronouns? * => they/them\nWhich tools?  => Git; Docker\n",
    }, HTTP_X_CSRFTOKEN=csrf)
    assert answers.status_code == 302
    profile.refresh_from_db()
    assert profile.current_location == "Berlin" and profile.authorized_to_work is True and profile.eeo_decline
    assert profile.screening_answers == {"what are your pronouns?": "they/them", "which tools?": "Git; Docker"}
    bad = session_client.post("/profile/", {"section": "answers", "screening_answers": "no separator here"},
                              HTTP_X_CSRFTOKEN=csrf)
    assert bad.status_code == 200 and "screening_answers" in bad.context["answers_form"].errors

    api_client.force_login(user)
    patched = api_client.patch("/api/v1/profile", {"screening_answers": {"  Notice period: ": "1 month"},
                                                    "review_mode": True, "apply_threshold": 75}, format="json")
    assert patched.status_code == 200
    assert patched.json()["screening_answers"] == {"notice period": "1 month"}
    assert (patched.json()["review_mode"], patched.json()["apply_threshold"]) == (True, 75)
    too_long = api_client.patch("/api/v1/profile", {"screening_answers": {"x" * 301: "y"}, "apply_threshold": 101},
                                format="json")
    assert too_long.status_code == 400 and set(too_long.json()["fields"]) == {"screening_answers", "apply_threshold"}


@pytest.mark.django_db
def test_a_new_profile_reviews_before_sending(user):
    from django.contrib.auth import get_user_model

    newcomer = get_user_model().objects.create_user("newcomer", "n@example.com", "pw")
    rules_now = pipeline.rules_for(newcomer)  # no profile yet: a new profile's defaults
    assert (rules_now.threshold, rules_now.review, rules_now.daily_cap, rules_now.company_cap) == (70, True, 25, 3)
    assert rules_now.delay_seconds == 3


@pytest.mark.django_db
def test_the_demo_user_gets_what_the_demo_forms_ask_and_keeps_its_own_answers(make_user):
    """devtools/demo.py (make run): the ATS companies to scrape, and the demo profile's answers, never
    overwriting one the user set."""
    from devtools import demo

    Profile.objects.create(user=make_user("demo"), current_location="Hamburg")
    assert demo.seed_ats_companies("http://127.0.0.1:8815") == ["Acme Analytics", "Northwind Freight", "Lumen Health"]
    assert demo.seed_ats_companies("http://127.0.0.1:8815") == []  # idempotent
    assert Company.objects.get(name="Lumen Health").career_url == "http://127.0.0.1:8815/careers/lumen"
    assert demo.prepare_demo_user() is True
    profile = Profile.objects.get(user__username="demo")
    assert (profile.current_location, profile.phone, profile.notice_period) == ("Hamburg", "+49 30 1234567", "2 weeks")
    assert profile.start_date is not None and profile.screening_answers == {"i agree": "yes"}
    assert profile.review_mode and profile.eeo_decline  # a new profile reviews first and declines EEO questions
