"""The application-form adapters (Greenhouse, Lever, Ashby, generic) in real headless Chromium against
the loopback replicas in devtools/ats, answering with the bot's real Answerer; plus URL routing."""

import copy
from pathlib import Path

import pytest

from bot.answers import Answerer
from bot.profile import Profile
from bot.resume import build_resume
from bot.runner import apply_to_job
from bot.sites import (
    FORM_ADAPTERS,
    FormRejected,
    JobRef,
    NeedsAnswer,
    NeedsHuman,
    adapter_for_url,
    get_adapter,
)
from bot.sites.ashby import AshbyAdapter
from bot.sites.forms import normalize_question
from bot.sites.generic import GenericFormAdapter
from bot.sites.greenhouse import GreenhouseAdapter
from bot.sites.lever import LeverAdapter
from bot.sites.sandbox import SandboxAdapter
from devtools.ats.ashby import AshbyReplica
from devtools.ats.generic_unseen import UnseenFormReplica
from devtools.ats.greenhouse import DEFAULT_JOB, GreenhouseReplica, select_question
from devtools.ats.lever import LeverReplica
from tests.bot.conftest import ADA

TIMEOUT_MS = 15_000
CONSENT = "I agree that Kestrel Robotics may store my data to assess this application."

# What the user saved (issue 13's profile answers): the Answerer does not split names, knows no places,
# no demographic answers and no consent; everything else below comes from the Answerer.
SAVED = {
    "greenhouse": {"First Name": "Ada", "Last Name": "Lovelace", "Location (City)": "Berlin",
                   "Gender": "Decline To Self Identify", "Are you Hispanic/Latino?": "No",
                   "Please identify your race": "Decline To Self Identify"},
    "lever": {"Current location": "Berlin", "Current company": "Foo Logistics", "Gender": "Decline to self-identify"},
    "ashby": {"Location": "Berlin", "When could you start?": "2026-10-01", "I agree": "yes"},
    "generic": {"Where are you based?": "Berlin", CONSENT: "yes"},
}
COMPANIES = {"greenhouse": "Acme Analytics", "lever": "Northwind Freight", "ashby": "Lumen Health",
             "generic": "Kestrel Robotics"}
REPLICAS = {"greenhouse": GreenhouseReplica, "lever": LeverReplica, "ashby": AshbyReplica, "generic": UnseenFormReplica}
ADAPTERS = {"greenhouse": GreenhouseAdapter, "lever": LeverAdapter, "ashby": AshbyAdapter, "generic": GenericFormAdapter}


@pytest.fixture
def page(browser):
    """A page in a context of its own, in the session's Chromium (tests/conftest.py `browser`: a second
    Playwright in this thread would find the session's event loop running)."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def profile(**overrides) -> Profile:
    return Profile.from_dict({**copy.deepcopy(ADA), **overrides})


def apply(board: str, replica, page, tmp_path: Path, answers: dict, who: Profile | None = None, url: str = "",
          review: Path | None = None):
    """The adapter's one-call apply on the replica's posting; returns (result, job, resume)."""
    who = who or profile()
    adapter = ADAPTERS[board](page, replica.url, TIMEOUT_MS)
    job = adapter.open_job(JobRef("", url or replica.posting_url(), "", COMPANIES[board]))
    resume = build_resume(who, job, tmp_path / "resumes")
    return adapter.apply(job, resume, Answerer(who), answers=answers, review_screenshot=review), job, resume


def written(who: Profile, job, label: str, kind: str = "textarea") -> str:
    """What the Answerer writes for a free-text question (the adapter must send exactly that)."""
    from bot.sites import FormQuestion
    return Answerer(who).answer(FormQuestion(normalize_question(label), label, kind), job)


# -- full applications ---------------------------------------------------------------------------------------

def test_greenhouse_full_application(page, tmp_path):
    with GreenhouseReplica() as board:
        result, job, resume = apply("greenhouse", board, page, tmp_path, SAVED["greenhouse"])
        assert result.submitted and result.confirmation.startswith("Thank you for applying.")
        [sent] = board.received
    assert sent.answers == {
        "First Name": "Ada", "Last Name": "Lovelace", "Email": "ada@example.com", "Phone": "+49 30 1234567",
        "Resume/CV": resume.name,
        "Are you legally authorized to work in Germany?": "Yes",
        "Will you now or in the future require visa sponsorship?": "No",
        "How many years of professional experience do you have with Python?": "6",
        "Why do you want to join Acme Analytics?": written(profile(), job, "Why do you want to join Acme Analytics?"),
        "Which of these have you used in production?": ["Python"],
        "Which work arrangement do you prefer?": "Remote",
        "Location (City)": "Berlin, Berlin, Germany",
        "Gender": "Decline To Self Identify", "Are you Hispanic/Latino?": "No",
        "Please identify your race": "Decline To Self Identify",  # shown only once Hispanic/Latino = No
    }
    # Raw form fields as Greenhouse receives them: option ids, the picked place's coordinates, the PDF.
    assert sent.fields["question_30002"] == ["100"] and sent.fields["question_30006[]"] == ["101"]
    assert (sent.value("latitude"), sent.value("longitude")) == ("52.52", "13.405")
    assert sent.files["resume"].data == resume.read_bytes() and sent.files["resume"].data.startswith(b"%PDF")
    assert "cover_letter" not in sent.files  # optional, and no cover letter was given
    assert result.answers["Location (City)"] == "Berlin, Berlin, Germany"


def test_greenhouse_embedded_in_a_company_page(page, tmp_path):
    """?gh_jid= on the company's own site: the form lives in Greenhouse's iframe."""
    with GreenhouseReplica() as board:
        result, _, resume = apply("greenhouse", board, page, tmp_path, SAVED["greenhouse"], url=board.careers_url())
        assert result.submitted and any("/embed/job_app/confirmation" in f.url for f in page.frames)
        [sent] = board.received
    assert sent.value("embed") == "1" and sent.answers["Last Name"] == "Lovelace"
    assert sent.answers["Resume/CV"] == resume.name


def test_lever_full_application(page, tmp_path):
    with LeverReplica() as board:
        result, job, resume = apply("lever", board, page, tmp_path, SAVED["lever"])
        assert result.submitted and result.confirmation.startswith("Application submitted!")
        assert page.url.endswith("/thanks")
        [sent] = board.received
    who = profile()
    assert sent.answers == {
        "Resume/CV": resume.name, "Full name": "Ada Lovelace", "Email": "ada@example.com", "Phone": "+49 30 1234567",
        "Current location": "Berlin, BE, DEU", "Current company": "Foo Logistics",
        "Are you legally authorized to work in Germany?": "Yes",
        "Will you now or in the future require visa sponsorship?": "No",
        "How many years of professional experience do you have with Python?": "6",
        "Which work arrangement do you prefer?": "Remote",
        "Which of these have you used in production?": ["PostgreSQL"],
        "Why do you want to join Northwind Freight?": written(who, job, "Why do you want to join Northwind Freight?"),
        "Additional information": written(who, job, "Add a cover letter or anything else you want to share."),
        "Gender": "Decline to self-identify",
    }
    assert sent.files["resume"].data == resume.read_bytes()
    assert sent.value("selectedLocation") == '{"name":"Berlin, BE, DEU","id":"berlin-deu"}'
    assert sent.fields["consent[marketing]"] == ["false"]  # optional marketing consent left unticked


def test_ashby_full_application(page, tmp_path):
    with AshbyReplica() as board:
        result, job, resume = apply("ashby", board, page, tmp_path, SAVED["ashby"])
        assert result.submitted and "successfully submitted" in result.confirmation
        assert page.url == board.posting_url() + "/application"  # confirmed in place
        [sent] = board.received
    assert sent.answers == {
        "Name": "Ada Lovelace", "Email": "ada@example.com", "Phone Number": "+49 30 1234567", "Resume": resume.name,
        "Location": "Berlin, Berlin, Germany",
        "Are you legally authorized to work in Germany?": True,
        "Will you now or in the future require visa sponsorship?": False,
        "What is your expected annual base salary in EUR?": "120000",
        "Preferred work arrangement": "Remote",
        "Which of these technologies have you used?": ["PostgreSQL"],
        "When could you start?": "10/01/2026",
        "Tell us about a project you are proud of": written(profile(), job, "Tell us about a project you are proud of"),
        "_systemfield_data_consent_ack": ["I agree"],
    }
    assert sent.files["_systemfield_resume"].data == resume.read_bytes()
    assert "autofill" not in sent.files  # the "Autofill from resume" box above the form is no question


def test_generic_adapter_on_an_unseen_multi_step_form(page, tmp_path):
    with UnseenFormReplica() as site:
        result, job, resume = apply("generic", site, page, tmp_path, SAVED["generic"])
        assert result.submitted
        assert result.confirmation == ("Application received Thanks, we have received your application for "
                                       "Operations Software Engineer. Your reference is KR-1001.")
        [sent] = site.received
    assert sent.answers == {
        "Full name": "Ada Lovelace", "Email address": "ada@example.com", "Phone number": "+49 30 1234567",
        "Where are you based?": "Berlin, Germany", "Upload your CV": resume.name,
        "Years of experience with Python": "6", "Are you authorised to work in the EU?": "yes",
        "Notice period": "2 weeks", "Technologies you use daily": ["PostgreSQL"],
        "Why Kestrel Robotics?": written(profile(), job, "Why Kestrel Robotics?"),
        "Expected yearly salary (EUR)": "120000", CONSENT: "yes",
    }
    assert sent.files["cv"].data == resume.read_bytes() and "cover" not in sent.files


def test_the_runner_steps_drive_a_form_adapter_unchanged(page, tmp_path):
    """bot.runner.apply_to_job (what the browser applier runs) works with a form adapter; saved answers
    go in through the adapter's supplied_answers attribute."""
    who = profile()
    with AshbyReplica() as board:
        adapter = AshbyAdapter(page, board.url, TIMEOUT_MS)
        adapter.supplied_answers = SAVED["ashby"]
        ref = JobRef("", board.posting_url(), "", "Lumen Health")
        job, outcome = apply_to_job(adapter, Answerer(who), who, ref, tmp_path)
        assert outcome.submitted and job.title == "Platform Engineer"
        [sent] = board.received
    assert sent.answers["Name"] == "Ada Lovelace" and sent.answers["When could you start?"] == "10/01/2026"


def test_the_runner_gives_a_form_adapter_the_profiles_common_answers_and_records_the_sent_form(page, tmp_path):
    """apply_to_job sets the adapter's answerer, saved answers and screenshots: with the profile's own answers
    (name split in two, where they live, "decline" for EEO) Greenhouse needs no answer saved for it."""
    who = profile(current_location="Berlin", eeo_decline=True)
    sent_shot = tmp_path / "sent.png"
    with GreenhouseReplica() as board:
        adapter = GreenhouseAdapter(page, board.url, TIMEOUT_MS)
        ref = JobRef("", board.posting_url(), "", "Acme Analytics")
        job, outcome = apply_to_job(adapter, Answerer(who), who, ref, tmp_path, answers={}, sent_screenshot=sent_shot)
        assert outcome.submitted and outcome.confirmation.startswith("Thank you for applying.")
        [sent] = board.received
    assert (sent.answers["First Name"], sent.answers["Last Name"]) == ("Ada", "Lovelace")
    assert sent.answers["Location (City)"] == "Berlin, Berlin, Germany"
    assert sent.answers["Gender"] == sent.answers["Are you Hispanic/Latino?"] == "Decline To Self Identify"
    assert "Please identify your race" not in sent.answers  # shown only after "No"
    assert sent_shot.read_bytes().startswith(b"\x89PNG") and sent_shot.stat().st_size > 5000


def test_review_mode_on_a_board_without_form_adapter_fills_and_screenshots_only(page, tmp_path, sandbox_board):
    """The sandbox board (a SiteAdapter without label-based filling): review fills the form, screenshots the
    page and sends nothing; the saved answers reach it by question name too."""
    from bot.sandbox import DEMO_EMAIL, DEMO_PASSWORD

    who = profile(salary_expectation=None)
    shot = tmp_path / "review.png"
    adapter = SandboxAdapter(page, sandbox_board.url, TIMEOUT_MS)
    adapter.login(DEMO_EMAIL, DEMO_PASSWORD)
    ref = JobRef("1001", f"{sandbox_board.url}/jobs/1001", "Backend Engineer", "Acme Analytics")
    job, outcome = apply_to_job(adapter, Answerer(who), who, ref, tmp_path, answers={"salary": "99000"},
                                review_screenshot=shot)
    assert not outcome.submitted and outcome.screenshots == [shot] and shot.read_bytes().startswith(b"\x89PNG")
    assert outcome.answers["What are your annual salary expectations (USD)?"] == "99000"
    assert sandbox_board.applications() == []


# -- the form refuses ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("board", "message"), [
    ("greenhouse", "Phone: Please enter a valid phone number."),
    ("lever", "Phone: Please enter a valid phone number."),
    ("ashby", "Phone Number: Please enter a valid phone number"),
    ("generic", "Phone number: Enter a phone number using digits, spaces and an optional leading +."),
])
def test_a_validation_error_is_surfaced_with_the_forms_message(board, message, page, tmp_path):
    with REPLICAS[board]() as replica:
        with pytest.raises(FormRejected) as refused:
            apply(board, replica, page, tmp_path, SAVED[board], who=profile(phone="call me maybe"))
        assert message in refused.value.messages
        assert message in str(refused.value)
        assert replica.received == [] and len(replica.rejected) == 1
        assert replica.rejected[0].answers[message.split(":")[0]] == "call me maybe"


# -- unknown required questions --------------------------------------------------------------------------------

def test_greenhouse_needs_an_answer_then_resumes(page, tmp_path):
    """A required demographic question is never guessed: it stops the application until the user answers."""
    job_json = copy.deepcopy(DEFAULT_JOB)
    job_json["questions"].append(select_question("What are your pronouns?", "question_30008", True,
                                                 ["she/her", "he/him", "they/them", "Prefer not to say"]))
    with GreenhouseReplica(job_json) as board:
        with pytest.raises(NeedsAnswer) as stopped:
            apply("greenhouse", board, page, tmp_path, SAVED["greenhouse"])
        [question] = stopped.value.questions
        assert (question.label, question.kind, question.required) == ("What are your pronouns?", "select", True)
        assert question.options == ["she/her", "he/him", "they/them", "Prefer not to say"]
        assert board.posts() == []  # nothing was sent
        result, _, _ = apply("greenhouse", board, page, tmp_path,
                             {**SAVED["greenhouse"], normalize_question(question.label): "Prefer not to say"})
        assert result.submitted
        [sent] = board.received
    assert sent.answers["What are your pronouns?"] == "Prefer not to say"


def test_lever_needs_an_answer_then_resumes(page, tmp_path):
    saved = {k: v for k, v in SAVED["lever"].items() if k != "Current location"}
    with LeverReplica() as board:
        with pytest.raises(NeedsAnswer) as stopped:
            apply("lever", board, page, tmp_path, saved)
        assert [(q.label, q.kind) for q in stopped.value.questions] == [("Current location", "location")]
        assert str(stopped.value) == "Needs your answer: Current location"
        assert board.posts() == []
        result, _, _ = apply("lever", board, page, tmp_path, {**saved, "Current location": "Hamburg"})
        assert result.submitted
        [sent] = board.received
    assert sent.answers["Current location"] == "Hamburg, HH, DEU"


def test_ashby_needs_an_answer_that_fits_then_resumes(page, tmp_path):
    """The Answerer says "Two weeks after an offer" to "When could you start?", which is no date."""
    saved = {k: v for k, v in SAVED["ashby"].items() if k != "When could you start?"}
    with AshbyReplica() as board:
        with pytest.raises(NeedsAnswer) as stopped:
            apply("ashby", board, page, tmp_path, saved)
        assert [(q.label, q.kind) for q in stopped.value.questions] == [("When could you start?", "date")]
        assert board.posts() == []
        result, _, _ = apply("ashby", board, page, tmp_path, {**saved, "when could you start?": "2026-11-02"})
        assert result.submitted
        [sent] = board.received
    assert sent.answers["When could you start?"] == "11/02/2026"


def test_generic_needs_consent_on_the_last_page_then_resumes(page, tmp_path):
    with UnseenFormReplica() as site:
        with pytest.raises(NeedsAnswer) as stopped:
            apply("generic", site, page, tmp_path, {"Where are you based?": "Berlin"})
        assert [(q.label, q.kind, q.required) for q in stopped.value.questions] == [(CONSENT, "checkbox", True)]
        assert site.posts() == []
        result, _, _ = apply("generic", site, page, tmp_path, SAVED["generic"])
        assert result.submitted and len(site.received) == 1


# -- review mode and captchas ------------------------------------------------------------------------------------

@pytest.mark.parametrize("board", ["greenhouse", "lever", "ashby", "generic"])
def test_review_mode_fills_and_screenshots_but_sends_nothing(board, page, tmp_path):
    shot = tmp_path / "review" / "form.png"
    with REPLICAS[board]() as replica:
        result, _, resume = apply(board, replica, page, tmp_path, SAVED[board], review=shot)
        assert not result.submitted and result.confirmation == ""
        assert replica.posts() == [] and replica.received == [] and replica.rejected == []
    assert result.screenshots[-1] == shot and shot.read_bytes().startswith(b"\x89PNG")
    assert all(p.stat().st_size > 5000 for p in result.screenshots)
    assert "ada@example.com" in result.answers.values() and resume.name in result.answers.values()
    if board == "generic":  # one screenshot per page of a multi-step form
        assert [p.name for p in result.screenshots] == ["form.step1.png", "form.step2.png", "form.png"]


@pytest.mark.parametrize(("board", "seen"), [
    ("greenhouse", "recaptcha"),  # a visible reCAPTCHA checkbox on the form
    ("lever", "hcaptcha"),  # hCaptcha's challenge pops up at Submit
    ("ashby", "recaptcha"),  # reCAPTCHA's challenge at Submit
    ("generic", "turnstile"),  # Cloudflare Turnstile and "verify you are human"
])
def test_a_captcha_stops_the_application_for_a_human(board, seen, page, tmp_path):
    with REPLICAS[board](captcha=True) as replica:
        with pytest.raises(NeedsHuman) as stopped:
            apply(board, replica, page, tmp_path, SAVED[board])
        assert seen in stopped.value.reason.lower()
        assert replica.posts() == [] and replica.received == []


# -- routing (no browser) ------------------------------------------------------------------------------------------

LEVER_ID = "5ac21346-8e0c-4494-8e7a-3eb92ff77902"
ASHBY_ID = "3f1c2b7e-5d4a-4c3b-9e8f-7a6b5c4d3e2f"


@pytest.mark.parametrize(("url", "adapter", "job_id", "job_url"), [
    ("https://job-boards.greenhouse.io/acme/jobs/4012345", GreenhouseAdapter, "4012345",
     "https://job-boards.greenhouse.io/acme/jobs/4012345"),
    ("https://job-boards.eu.greenhouse.io/acme/jobs/4012345?gh_src=x", GreenhouseAdapter, "4012345",
     "https://job-boards.eu.greenhouse.io/acme/jobs/4012345?gh_src=x"),
    ("https://boards.greenhouse.io/acme/jobs/77", GreenhouseAdapter, "77", "https://boards.greenhouse.io/acme/jobs/77"),
    ("https://job-boards.greenhouse.io/embed/job_app?for=acme&token=4012345", GreenhouseAdapter, "4012345",
     "https://job-boards.greenhouse.io/embed/job_app?for=acme&token=4012345"),
    ("https://www.acme.example/careers/?gh_jid=4012345", GreenhouseAdapter, "4012345",
     "https://www.acme.example/careers/?gh_jid=4012345"),
    (f"https://jobs.lever.co/northwind/{LEVER_ID}", LeverAdapter, LEVER_ID, f"https://jobs.lever.co/northwind/{LEVER_ID}"),
    (f"https://jobs.lever.co/northwind/{LEVER_ID}/apply", LeverAdapter, LEVER_ID,
     f"https://jobs.lever.co/northwind/{LEVER_ID}"),
    (f"https://jobs.eu.lever.co/northwind/{LEVER_ID}/apply/", LeverAdapter, LEVER_ID,
     f"https://jobs.eu.lever.co/northwind/{LEVER_ID}"),
    (f"https://jobs.ashbyhq.com/lumen/{ASHBY_ID}", AshbyAdapter, ASHBY_ID, f"https://jobs.ashbyhq.com/lumen/{ASHBY_ID}"),
    (f"https://jobs.ashbyhq.com/lumen/{ASHBY_ID}/application", AshbyAdapter, ASHBY_ID,
     f"https://jobs.ashbyhq.com/lumen/{ASHBY_ID}"),
    ("http://127.0.0.1:8765/jobs/1001/apply", SandboxAdapter, "1001", "http://127.0.0.1:8765/jobs/1001"),
])
def test_job_for_url_routes_each_url_shape(url, adapter, job_id, job_url):
    found = adapter_for_url(url)
    assert found is not None
    adapter_class, base_url, ref = found
    assert (adapter_class, ref.id, ref.url) == (adapter, job_id, job_url)
    assert url.startswith(base_url) and adapter_class.login_required is (adapter_class is SandboxAdapter)


@pytest.mark.parametrize("url", [
    "https://boards.example.com/jobs/1/apply",  # an unknown board stays unsupported
    "https://job-boards.greenhouse.io/acme",  # a board's list, not a posting
    "https://job-boards.greenhouse.io/acme/jobs/not-a-number",
    "https://jobs.lever.co/northwind",
    "https://jobs.lever.co/northwind/not-a-uuid/apply",
    f"https://jobs.ashbyhq.com/lumen/{ASHBY_ID}/overview/extra",
    f"https://evil.example/lumen/{ASHBY_ID}/application",  # Ashby's path on another host
    "https://www.acme.example/careers/?gh_jid=abc",
    "javascript:alert(1)",
    "",
])
def test_job_for_url_refuses_other_urls(url):
    assert adapter_for_url(url) is None


def test_a_replica_host_is_routed_when_configured(monkeypatch):
    monkeypatch.setenv("JOBELIX_GREENHOUSE_URL", "http://127.0.0.1:8811")
    monkeypatch.setenv("JOBELIX_LEVER_URL", "http://127.0.0.1:8812")
    monkeypatch.setenv("JOBELIX_ASHBY_URL", "http://127.0.0.1:8813")
    routed = {url: adapter_for_url(url) for url in (
        "http://127.0.0.1:8811/acme/jobs/4012345", f"http://127.0.0.1:8812/northwind/{LEVER_ID}/apply",
        f"http://127.0.0.1:8813/lumen/{ASHBY_ID}/application", f"http://127.0.0.1:8812/lumen/{ASHBY_ID}/application")}
    assert [(f[0], f[1]) if f else None for f in routed.values()] == [
        (GreenhouseAdapter, "http://127.0.0.1:8811"), (LeverAdapter, "http://127.0.0.1:8812"),
        (AshbyAdapter, "http://127.0.0.1:8813"), None]  # a host counts only for its own board's paths


def test_the_generic_adapter_is_chosen_by_name_never_by_url():
    assert get_adapter("generic") is GenericFormAdapter and GenericFormAdapter.job_for_url("https://a.example/x") is None
    assert {name: get_adapter(name) for name in FORM_ADAPTERS} == {
        "greenhouse": GreenhouseAdapter, "lever": LeverAdapter, "ashby": AshbyAdapter, "generic": GenericFormAdapter}
    assert get_adapter("sandbox") is SandboxAdapter
