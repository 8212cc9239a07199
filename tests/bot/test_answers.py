"""Screening answers: facts by rules from the profile; free text from the resume or a model (1 credit per call)."""

from bot.answers import Answerer, choose_option
from bot.llm import LLMClient
from bot.profile import Profile
from bot.sandbox.jobs import JOBS_BY_ID
from bot.sites.base import FormQuestion, JobDetails


def job_details(job_id: int) -> JobDetails:
    job = JOBS_BY_ID[job_id]
    return JobDetails(id=str(job.id), url=f"http://board/jobs/{job.id}", title=job.title, company=job.company,
                      location=job.location, description=job.description, skills=list(job.skills))


def form(job_id: int) -> list[FormQuestion]:
    job = JOBS_BY_ID[job_id]
    return [FormQuestion(q.name, q.label, q.kind, list(q.options) if q.kind != "yesno" else ["yes", "no"],
                         q.required) for q in job.form()]


def test_profile_is_read_tolerantly():
    p = Profile.from_dict({"user": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@x.org"},
                           "skills": "Python, Django,python", "years_experience": "6 years",
                           "salary_expectation": "$120k", "work_authorization": True, "remote_preference": "Remote"})
    assert p.name == "Ada Lovelace" and p.email == "ada@x.org"
    assert p.skills == ["Python", "Django"]
    assert p.years_experience == 6 and p.salary_expectation == 120000
    assert p.is_authorized and not p.needs_sponsorship and p.remote_preference == "remote"
    visa = Profile.from_dict({"work_authorization": "Requires visa sponsorship"})
    assert visa.needs_sponsorship and not visa.is_authorized


def test_factual_questions_come_from_the_profile(profile_data):
    answers = Answerer(Profile.from_dict(profile_data)).answer_all(form(1002), job_details(1002))
    assert answers["full_name"] == "Ada Lovelace"
    assert answers["email"] == "ada@example.com"
    assert answers["phone"] == "+49 30 1234567"
    assert answers["years_experience"] == "6"
    assert answers["work_authorization"] == "yes"
    assert answers["sponsorship"] == "no"
    assert answers["relocation"] == "yes"  # Berlin is one of her locations
    assert answers["salary"] == "120000"
    assert answers["skill_years"] == "6"  # she lists Python
    assert "resume" not in answers  # the tailored PDF goes there


def test_rules_follow_the_profile_not_a_default(profile_data):
    profile = Profile.from_dict({**profile_data, "work_authorization": "Needs visa sponsorship",
                                 "locations": ["Remote"], "remote_preference": "hybrid"})
    answers = Answerer(profile).answer_all(form(1011), job_details(1011))
    assert answers["work_authorization"] == "no" and answers["sponsorship"] == "yes"
    assert answers["relocation"] == "yes"  # hybrid workers would move
    remote_only = Answerer(Profile.from_dict({**profile_data, "locations": ["Remote"]}))
    assert remote_only.answer_all(form(1011), job_details(1011))["relocation"] == "no"
    # The profile's explicit willingness wins over the preference.
    willing = Answerer(Profile.from_dict({**profile_data, "locations": ["Remote"], "willing_to_relocate": True}))
    assert willing.answer_all(form(1011), job_details(1011))["relocation"] == "yes"
    unwilling = Profile.from_dict({**profile_data, "remote_preference": "any", "willing_to_relocate": False})
    assert Answerer(unwilling).answer_all(form(1011), job_details(1011))["relocation"] == "no"
    assert Answerer(unwilling).answer_all(form(1002), job_details(1002))["relocation"] == "yes"  # Berlin
    # Ruby is not one of her skills: 0 years, not her total.
    go = Answerer(Profile.from_dict(profile_data)).answer_all(form(1003), job_details(1003))
    assert go["skill_years"] == "0"


def test_select_questions_pick_an_offered_option(profile_data):
    answers = Answerer(Profile.from_dict(profile_data)).answer_all(form(1013), job_details(1013))
    assert answers["work_arrangement"] == "Remote"
    assert answers["start_date"] == "Within 2 weeks"
    onsite = Answerer(Profile.from_dict({**profile_data, "remote_preference": "onsite"}))
    assert onsite.answer_all(form(1013), job_details(1013))["work_arrangement"] == "On-site"
    salary = FormQuestion("band", "Expected salary band", "select", ["$80k-$100k", "$100k-$130k", "$130k+"])
    assert Answerer(Profile.from_dict(profile_data)).answer(salary, job_details(1013)) == "$100k-$130k"
    assert choose_option(["Immediately", "Within 2 weeks"], "2 weeks", "immediately") == "Within 2 weeks"


def test_free_text_without_a_model_is_built_from_the_resume(profile_data):
    answers = Answerer(Profile.from_dict(profile_data)).answer_all(form(1013), job_details(1013))
    motivation = answers["motivation"]
    assert "Backend Engineer role at Cyberdyne Systems" in motivation
    assert "Python, Django, PostgreSQL, Redis" in motivation
    assert "Foo Logistics" in motivation  # the most relevant resume block, not the React one
    assert "Bar Studio" not in motivation


def test_free_text_comes_from_the_model_and_costs_one_credit_each(profile_data, fake_model):
    credits = []
    answerer = Answerer(Profile.from_dict(profile_data), LLMClient(fake_model.url, api_key="sk-test"),
                        on_llm_call=lambda: credits.append(1))
    answers = answerer.answer_all(form(1005), job_details(1005))  # motivation + project: two free-text questions
    assert answers["motivation"] == answers["project"] == "I love building reliable Django services."
    assert len(credits) == 2 and len(fake_model.requests) == 2
    first = fake_model.requests[0]
    assert first["path"] == "/v1/chat/completions" and first["authorization"] == "Bearer sk-test"
    prompt = first["body"]["messages"][-1]["content"]
    assert "Why are you interested in this role at Umbrella Health?" in prompt and "Foo Logistics" in prompt
    assert answers["years_experience"] == "6"  # facts never go to the model


def test_model_failure_falls_back_to_the_resume_and_costs_nothing(profile_data, fake_model):
    fake_model.status = 503
    credits = []
    answerer = Answerer(Profile.from_dict(profile_data), LLMClient(fake_model.url), on_llm_call=lambda: credits.append(1))
    answers = answerer.answer_all(form(1001), job_details(1001))
    assert "Acme Analytics" in answers["motivation"] and credits == []
    dead = Answerer(Profile.from_dict(profile_data), LLMClient("http://127.0.0.1:9/v1", ), on_llm_call=lambda: credits.append(1))
    assert "Acme Analytics" in dead.answer_all(form(1001), job_details(1001))["motivation"] and credits == []


def test_llm_client_reads_its_settings_from_the_environment():
    assert LLMClient.from_env({}) is None
    client = LLMClient.from_env({"JOBELIX_LLM_URL": "http://127.0.0.1:1/v1/", "JOBELIX_LLM_MODEL": "tiny"})
    assert client.url == "http://127.0.0.1:1/v1" and client.model == "tiny"


def test_names_links_places_and_dates_come_only_from_the_profile(profile_data):
    job = job_details(1001)
    bare = Answerer(Profile.from_dict(profile_data))
    q = lambda label, kind="text", options=(): FormQuestion(label.lower(), label, kind, list(options), True)  # noqa: E731
    assert bare.answer(q("First Name"), job) == "Ada" and bare.answer(q("Last Name"), job) == "Lovelace"
    assert bare.answer(q("Full name"), job) == "Ada Lovelace"
    # Nothing in the profile for these: no answer (the form adapter asks the user), never a paragraph.
    assert bare.answer(q("Location (City)", "location"), job) is None
    assert bare.answer(q("LinkedIn Profile", "url"), job) is None
    assert bare.answer(q("When could you start?", "date"), job) is None
    assert bare.answer(q("I agree to the privacy policy", "checkbox"), job) is None
    full = Answerer(Profile.from_dict({**profile_data, "current_location": "Berlin", "start_date": "2026-11-02",
                                       "linkedin_url": "https://www.linkedin.com/in/ada", "notice_period": "1 month",
                                       "first_name": "Augusta Ada", "last_name": "King"}))
    assert full.answer(q("First Name"), job) == "Augusta Ada" and full.answer(q("Surname"), job) == "King"
    assert full.answer(q("Location (City)", "location"), job) == "Berlin"
    assert full.answer(q("LinkedIn Profile", "url"), job) == "https://www.linkedin.com/in/ada"
    assert full.answer(q("When could you start?", "date"), job) == "2026-11-02"
    notice = q("Notice period", "select", ["Immediately", "2 weeks", "1 month"])
    assert full.answer(notice, job) == "1 month" and bare.answer(notice, job) == "2 weeks"


def test_a_choice_no_rule_knows_gets_no_answer_instead_of_the_first_option(profile_data):
    answerer = Answerer(Profile.from_dict(profile_data))
    job = job_details(1001)
    assert answerer.answer(FormQuestion("q", "Have you worked for us before?", "yesno", ["Yes", "No"], True), job) is None
    assert answerer.answer(FormQuestion("q", "How did you hear about us?", "select",
                                        ["LinkedIn", "A friend", "Conference"], True), job) is None
    # A known skill among the options is still picked; a salary band without a salary is not guessed.
    assert answerer.answer(FormQuestion("q", "Which of these do you use?", "select", ["Java", "Python"]), job) == "Python"
    band = FormQuestion("q", "Expected salary band", "select", ["$80k-$100k", "$100k-$130k"])
    assert Answerer(Profile.from_dict({**profile_data, "salary_expectation": None})).answer(band, job) is None


def test_demographic_questions_only_get_what_the_user_chose(profile_data):
    job = job_details(1001)
    gender = FormQuestion("gender", "Gender", "select", ["Male", "Female", "Decline To Self Identify"])
    veteran = FormQuestion("v", "Veteran Status", "select", ["I am a veteran", "I don't wish to answer"])
    pronouns = FormQuestion("p", "What are your pronouns?", "select", ["she/her", "he/him", "Prefer not to say"])
    silent = Answerer(Profile.from_dict(profile_data))  # no EEO default given: nothing, not a guess
    assert [silent.answer(x, job) for x in (gender, veteran, pronouns)] == [None, None, None]
    declining = Answerer(Profile.from_dict({**profile_data, "eeo_decline": True}))
    assert declining.answer(gender, job) == "Decline To Self Identify"
    assert declining.answer_sensitive(veteran, job) == "I don't wish to answer"
    assert declining.answer(pronouns, job) == "Prefer not to say"
    own = Answerer(Profile.from_dict({**profile_data, "eeo_decline": True, "pronouns": "she/her"}))
    assert own.answer(pronouns, job) == "she/her"


def test_explicit_authorisation_answers_win_over_the_free_text(profile_data):
    explicit = Profile.from_dict({**profile_data, "work_authorization": "EU citizen", "authorized_to_work": False,
                                  "requires_sponsorship": "yes"})
    assert not explicit.is_authorized and explicit.needs_sponsorship
    answers = Answerer(explicit).answer_all(form(1002), job_details(1002))
    assert (answers["work_authorization"], answers["sponsorship"]) == ("no", "yes")
