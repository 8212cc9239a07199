"""The ATS form replicas (devtools/ats) over plain HTTP: the public JSON shapes they are generated from,
the page structure they render, server-side validation, the confirmation, and what they record."""

import json
import re

import pytest
import requests

from devtools.ats.ashby import MISSING, AshbyReplica
from devtools.ats.common import find_places, parse_multipart
from devtools.ats.generic_unseen import UnseenFormReplica
from devtools.ats.greenhouse import GreenhouseReplica
from devtools.ats.lever import CARD_ID, LeverReplica

PDF = b"%PDF-1.4\n% tiny test pdf\n" + b"0" * 300 + b"\n%%EOF\n"
GH_TYPES = {"input_text", "input_file", "input_hidden", "textarea", "multi_value_single_select", "multi_value_multi_select"}
ASHBY_TYPES = {"String", "Email", "Phone", "LongText", "File", "Boolean", "ValueSelect", "MultiValueSelect", "Location",
               "Number", "Date"}


@pytest.fixture
def greenhouse():
    with GreenhouseReplica() as replica:
        yield replica


@pytest.fixture
def lever():
    with LeverReplica() as replica:
        yield replica


@pytest.fixture
def ashby():
    with AshbyReplica() as replica:
        yield replica


def test_greenhouse_serves_the_job_board_api_shape(greenhouse):
    job = requests.get(f"{greenhouse.url}/v1/boards/acme/jobs/{greenhouse.job_id}", params={"questions": "true"}).json()
    assert {"id", "internal_job_id", "title", "updated_at", "location", "absolute_url", "content", "questions",
            "location_questions", "compliance"} <= set(job)
    assert job["absolute_url"] == greenhouse.posting_url() and "&lt;p&gt;" in job["content"]
    for q in job["questions"] + job["location_questions"]:
        assert set(q) == {"required", "label", "description", "fields"}
        for f in q["fields"]:
            assert f["type"] in GH_TYPES and all(set(v) == {"label", "value"} for v in f["values"])
    names = [f["name"] for q in job["questions"] for f in q["fields"]]
    assert names[:8] == ["first_name", "last_name", "email", "phone", "resume", "resume_text", "cover_letter",
                         "cover_letter_text"]
    eeoc = [q["fields"][0]["name"] for block in job["compliance"] for q in block["questions"]]
    assert [b["type"] for b in job["compliance"]] == ["eeoc", "eeoc"] and job["compliance"][0]["questions"] == []
    assert eeoc == ["gender", "race", "veteran_status", "disability_status"]
    bare = requests.get(f"{greenhouse.url}/v1/boards/acme/jobs/{greenhouse.job_id}").json()
    assert "questions" not in bare and bare["title"] == "Backend Engineer"


def test_greenhouse_page_is_drawn_from_the_questions(greenhouse):
    html = requests.get(greenhouse.posting_url()).text
    assert '<form id="application-form"' in html and ">Submit application</button>" in html
    for q in greenhouse.job["questions"]:
        name = q["fields"][0]["name"]
        if q["fields"][0]["type"] == "input_file":
            assert f'aria-labelledby="upload-label-{name}"' in html and f'id="{name}" name="{name}" type="file"' in html
        elif name.endswith("[]"):
            assert re.search(rf'<fieldset id="{re.escape(name)}".*?<legend class="label">{re.escape(q["label"])}', html)
        else:
            star = '<span aria-hidden="true">\\*</span>' if q["required"] else ""
            assert re.search(rf'<label id="{name}-label" for="{name}" class="[^"]+">{re.escape(q["label"])}{star}</label>',
                             html), name
            assert f'id="{name}"' in html
    # react-select: a combobox input, its listbox of options, the value in a hidden input.
    assert re.search(r'<input id="question_30002" role="combobox" aria-autocomplete="list"', html)
    assert 'role="listbox" id="react-select-question_30002-listbox"' in html
    assert '<div role="option" id="react-select-question_30002-option-0" class="select__option" data-value="100"' in html
    # EEOC: Hispanic/Latino drawn by the page; Race hidden until it is answered No; the invisible reCAPTCHA badge.
    assert "Are you Hispanic/Latino?" in html and re.search(r'<div class="select field-wrapper" data-race hidden', html)
    assert "size=invisible" in html and "g-recaptcha" not in html
    assert 'id="candidate-location"' in html


def _good_greenhouse_form(**overrides):
    data = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": "+49 30 1234567",
            "question_30002": "100", "question_30003": "101", "question_30004": "6", "question_30005": "I like it.",
            "question_30007": "100", "question_30006[]": ["101", "103"], "embed": "0", "gender": "3"}
    data.update(overrides)
    return data


def test_greenhouse_validates_on_the_server_then_confirms(greenhouse):
    submit = f"{greenhouse.url}/embed/acme/jobs/{greenhouse.job_id}"
    refused = requests.post(submit, data=_good_greenhouse_form(first_name="", phone="call me"),
                            files={"resume": ("cv.exe", b"MZ", "application/octet-stream")}, allow_redirects=False)
    assert refused.status_code == 200
    assert ('<p id="first_name-error" class="helper-text helper-text--error" aria-live="polite">This field is required.'
            '</p>') in refused.text
    assert 'aria-invalid="true" aria-describedby="phone-error"' in refused.text
    assert "Please enter a valid phone number." in refused.text and "upload-label--error" in refused.text
    assert 'value="call me"' in refused.text  # the answers stay on the page
    assert greenhouse.received == [] and greenhouse.rejected[0].errors == {
        "first_name": "This field is required.", "phone": "Please enter a valid phone number.",
        "resume": "File type must be pdf, doc, docx, txt or rtf, and not empty."}

    sent = requests.post(submit, data=_good_greenhouse_form(), files={"resume": ("cv.pdf", PDF, "application/pdf")},
                         allow_redirects=False)
    assert sent.status_code == 303 and sent.headers["Location"] == f"/acme/jobs/{greenhouse.job_id}/confirmation"
    assert "Thank you for applying." in requests.get(greenhouse.url + sent.headers["Location"]).text
    [application] = greenhouse.received
    assert application.answers == {
        "First Name": "Ada", "Last Name": "Lovelace", "Email": "ada@example.com", "Phone": "+49 30 1234567",
        "Resume/CV": "cv.pdf", "Are you legally authorized to work in Germany?": "Yes",
        "Will you now or in the future require visa sponsorship?": "No",
        "How many years of professional experience do you have with Python?": "6",
        "Why do you want to join Acme Analytics?": "I like it.",
        "Which of these have you used in production?": ["Python", "Kotlin"],
        "Which work arrangement do you prefer?": "Remote", "Gender": "Decline To Self Identify"}
    assert application.files["resume"].data == PDF


def test_greenhouse_embeds_in_a_company_page(greenhouse):
    careers = requests.get(greenhouse.careers_url()).text
    assert '<div id="grnhse_app"></div><script src="/embed/job_board/js?for=acme"></script>' in careers
    script = requests.get(f"{greenhouse.url}/embed/job_board/js", params={"for": "acme"}).text
    assert "f.id='grnhse_iframe'" in script and "/embed/job_app?for=acme&token=" in script
    embedded = requests.get(f"{greenhouse.url}/embed/job_app", params={"for": "acme", "token": greenhouse.job_id}).text
    assert 'name="embed" value="1"' in embedded
    assert requests.get(f"{greenhouse.url}/embed/job_app", params={"token": "999"}).status_code == 404
    places = requests.get(f"{greenhouse.url}/locations", params={"term": "Ber"}).json()
    assert [p["label"] for p in places] == ["Berlin, Berlin, Germany", "Berlin, New Hampshire, United States",
                                            "Bern, Bern, Switzerland"]
    assert places[0]["fields"] == {"location": "Berlin, Berlin, Germany", "latitude": "52.52", "longitude": "13.405"}


def test_lever_posting_api_and_apply_page(lever):
    posting = requests.get(f"{lever.url}/v0/postings/northwind/{lever.posting['id']}").json()
    assert {"id", "text", "categories", "descriptionPlain", "lists", "hostedUrl", "applyUrl", "workplaceType",
            "salaryRange"} <= set(posting)
    assert posting["applyUrl"] == lever.apply_url() and requests.get(f"{lever.url}/v0/postings/northwind").json() == [posting]
    html = requests.get(lever.apply_url()).text
    assert '<form id="application-form" class="application-form"' in html and 'data-qa="btn-submit">Submit application' in html
    assert ('<li class="application-question"><label><div class="application-label">Full name<span class="required">✱'
            '</span></div><div class="application-field"><input type="text" name="name"') in html
    assert 'id="resume-upload-input" name="resume" data-qa="input-resume"' in html
    for key in ("LinkedIn", "GitHub", "Portfolio", "Other"):
        assert f'name="urls[{key}]"' in html
    template = re.search(rf'name="cards\[{CARD_ID}\]\[baseTemplate\]" value="([^"]*)"', html).group(1)
    assert json.loads(template.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&")) == lever.form["cards"][0]
    # A card's question is text beside its control, not a label tied to it.
    card = re.search(r'<li class="application-question custom-question">(.*?)</li>', html).group(1)
    assert "<label" not in card.split("<ul")[0] and "✿" in card
    assert f'name="cards[{CARD_ID}][field0]" value="Yes"' in html
    for key in ("gender", "race", "veteran", "disability"):
        assert f'<select name="eeo[{key}]">' in html
    assert 'name="h-captcha-response"' in html and 'id="hcaptchaSubmitBtn"' in html and "hcaptcha/challenge" not in html
    assert requests.get(f"{lever.url}/northwind/00000000-0000-4000-8000-000000000000/apply").status_code == 404
    assert requests.get(f"{lever.url}/searchLocations", params={"text": "Tor"}).json() == [
        {"name": "Toronto, ON, CAN", "id": "toronto-can"}]


def test_lever_validates_then_thanks(lever):
    data = {"name": "Ada Lovelace", "email": "ada@example", "phone": "+49 30 1234567", "location": "Berlin",
            f"cards[{CARD_ID}][field0]": "Yes", f"cards[{CARD_ID}][field1]": "No", f"cards[{CARD_ID}][field2]": "6",
            f"cards[{CARD_ID}][field3]": "Remote", f"cards[{CARD_ID}][field5]": "Because."}
    refused = requests.post(lever.apply_url(), data=data, files={"resume": ("cv.pdf", PDF)}, allow_redirects=False)
    assert refused.status_code == 400
    assert re.search(r'name="email" value="ada@example" data-qa="email-input" required aria-invalid="true">'
                     r'<div class="error-message">Please enter a valid email address.</div>', refused.text)
    assert lever.rejected[0].errors == {"email": "Please enter a valid email address.",
                                        "location": "Please select a location from the list."}
    data.update({"email": "ada@example.com", "selectedLocation": '{"name":"Berlin, BE, DEU"}', "location": "Berlin, BE, DEU"})
    sent = requests.post(lever.apply_url(), data=data, files={"resume": ("cv.pdf", PDF)}, allow_redirects=False)
    assert sent.status_code == 303 and sent.headers["Location"] == f"/northwind/{lever.posting['id']}/thanks"
    assert "Application submitted!" in requests.get(lever.url + sent.headers["Location"]).text
    [application] = lever.received
    assert application.answers["Which work arrangement do you prefer?"] == "Remote"
    assert application.files["resume"].data == PDF


def _graphql(replica, op, variables):
    return requests.post(f"{replica.url}/api/non-user-graphql", params={"op": op},
                         json={"operationName": op, "variables": variables, "query": "query ApiJobPosting { ... }"})


def test_ashby_posting_api_and_form_definition(ashby):
    board = requests.get(f"{ashby.url}/posting-api/job-board/lumen", params={"includeCompensation": "true"}).json()
    [job] = board["jobs"]
    assert board["apiVersion"] == "1" and job["applyUrl"] == ashby.posting_url() + "/application"
    found = _graphql(ashby, "ApiJobPosting", {"organizationHostedJobsPageName": "lumen", "jobPostingId": ashby.job_id}).json()
    form = found["data"]["jobPosting"]["applicationForm"]
    assert form["formControls"] == [{"identifier": "submit", "title": "Submit"}]
    entries = [e for s in form["sections"] for e in s["fieldEntries"]]
    assert {e["field"]["type"] for e in entries} <= ASHBY_TYPES
    assert {"_systemfield_name", "_systemfield_email", "_systemfield_resume", "_systemfield_location",
            "_systemfield_data_consent_ack", "_systemfield_pre_parsed_resume"} <= {e["field"]["path"] for e in entries}
    assert [s["title"] for s in form["sections"] if s["isHidden"]] == ["_systemsection.application_metadata"]
    survey = found["data"]["jobPosting"]["surveyForms"][0]
    assert [e["field"]["path"] for e in survey["sections"][0]["fieldEntries"]] == [
        "_systemfield_eeoc_gender", "_systemfield_eeoc_race", "_systemfield_eeoc_veteran_status",
        "_systemfield_eeoc_disability_status"]
    gone = _graphql(ashby, "ApiJobPosting", {"organizationHostedJobsPageName": "lumen", "jobPostingId": "nope"}).json()
    assert gone == {"data": {"jobPosting": None}}

    first, second = (requests.get(ashby.posting_url() + "/application").text for _ in range(2))
    paths = re.findall(r'class="ashby-application-form-field-entry" data-field-path="([^"]+)"', first)
    visible = [e["field"]["path"] for e in ashby.entries()]
    assert paths == visible and "_systemfield_pre_parsed_resume" not in paths
    assert 'class="ashby-application-form-question-title _required_x7" for="_systemfield_name">Name</label>' in first
    assert 'aria-pressed="false" data-option="true">Yes</button>' in first and "Fetching application form" in first
    prefix = lambda html: re.search(r'name="([0-9a-f-]{36})__systemfield_eeoc_gender"', html).group(1)  # noqa: E731
    assert prefix(first) != prefix(second)  # the EEO radio names change every load


def test_ashby_submit_reports_field_errors_then_success(ashby):
    def submit(values, files=None):
        operations = {"operationName": "ApiSubmitSingleApplicationFormAction", "variables": {
            "fieldSubmissions": [{"path": p, "value": v} for p, v in values.items()]}}
        return requests.post(f"{ashby.url}/api/non-user-graphql", params={"op": "ApiSubmitSingleApplicationFormAction"},
                             data={"operations": json.dumps(operations)}, files=files or {"x": ("", b"")}).json()

    result = submit({"_systemfield_name": "Ada"})["data"]["submitSingleApplicationFormAction"]["applicationFormResult"]
    assert result["__typename"] == "FormRender"
    errors = {e["path"]: e["message"] for e in result["fieldErrors"]}
    assert errors["_systemfield_email"] == MISSING and errors["_systemfield_resume"] == MISSING
    assert "_systemfield_location" not in errors and ashby.received == []
    values = {e["field"]["path"]: None for e in ashby.entries()}
    values.update({
        "_systemfield_name": "Ada Lovelace", "_systemfield_email": "ada@example.com",
        "8d0f8e4a-1c1b-4b7e-9a55-6f2b7e0c9d11": "+49 30 1234567", "2f3a4b5c-6d7e-4f80-9a0b-1c2d3e4f5a6b": True,
        "3a4b5c6d-7e8f-4091-8a1b-2c3d4e5f6a7b": False, "4b5c6d7e-8f90-4a12-9b2c-3d4e5f6a7b8c": "90000",
        "5c6d7e8f-90a1-4b23-8c3d-4e5f6a7b8c9d": "Hybrid", "7e8f90a1-b2c3-4d45-8e5f-6a7b8c9d0e1f": "01/15/2027",
        "8f90a1b2-c3d4-4e56-9f6a-7b8c9d0e1f2a": "A scheduler.", "_systemfield_data_consent_ack": ["I agree"]})
    ok = submit(values, files={"_systemfield_resume": ("cv.pdf", PDF, "application/pdf")})
    assert ok["data"]["submitSingleApplicationFormAction"]["applicationFormResult"] == {"__typename": "FormSubmitSuccess"}
    [application] = ashby.received
    assert application.answers["Preferred work arrangement"] == "Hybrid" and application.answers["Resume"] == "cv.pdf"


def test_the_unseen_form_site():
    with UnseenFormReplica() as site:
        posting = requests.get(site.posting_url()).text
        assert 'href="/positions/ops-software-engineer/apply">Apply now</a>' in posting
        form = requests.get(site.posting_url() + "/apply").text
        assert form.count('<section class="step"') == 3 and "Send application" in form
        assert 'role="radiogroup" aria-labelledby="l-eu"' in form and 'aria-multiselectable="true"' in form
        assert 'role="combobox" aria-autocomplete="list"' in form and "cf-turnstile" not in form
        refused = requests.post(f"{site.url}/api/positions/ops-software-engineer/applications",
                                data={"applicant.name": "Ada", "applicant.email": "ada@example.com",
                                      "applicant.phone": "call me", "notice": "someday"}, files={"x": ("", b"")})
        assert refused.status_code == 422
        errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
        assert errors["applicant.phone"].startswith("Enter a phone number") and errors["cv"].startswith("Attach your CV")
        assert errors["notice"] == "Choose one of the options." and site.received == []
        assert requests.get(f"{site.url}/api/places", params={"q": "ham"}).json() == ["Hamburg, Germany"]


@pytest.mark.parametrize(("replica", "path", "marker"), [
    (GreenhouseReplica, "/acme/jobs/4012345", '<div class="g-recaptcha"'),
    (LeverReplica, "/northwind/5ac21346-8e0c-4494-8e7a-3eb92ff77902/apply", "hcaptcha/challenge.html"),
    (AshbyReplica, "/lumen/3f1c2b7e-5d4a-4c3b-9e8f-7a6b5c4d3e2f/application", "recaptcha/api2/bframe"),
    (UnseenFormReplica, "/positions/ops-software-engineer/apply", '<div class="cf-turnstile"'),
])
def test_each_replica_has_a_captcha_variant(replica, path, marker):
    with replica(captcha=True) as with_captcha, replica() as without:
        assert marker in requests.get(with_captcha.url + path).text
        assert marker not in requests.get(without.url + path).text
        assert "not a robot" in requests.get(with_captcha.url + "/recaptcha/api2/anchor").text


def test_multipart_parsing_and_places():
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\ncafé\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"cv.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + PDF + (
            f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n\r\n\r\n"
            f"--{boundary}--\r\n").encode()
    fields, files = parse_multipart(f"multipart/form-data; boundary={boundary}", body)
    assert fields == {"note": ["café"]} and set(files) == {"cv"}
    assert (files["cv"].filename, files["cv"].content_type, files["cv"].data) == ("cv.pdf", "application/pdf", PDF)
    assert [p["city"] for p in find_places("b")] == ["Berlin", "Berlin", "Bern"] and find_places("  ") == []
