"""A loopback replica of an Ashby job posting and its application form.

The posting is an entry of the public Posting API (`GET /posting-api/job-board/<org>`); the form
is the FormRender Ashby's own page asks for with `POST /api/non-user-graphql?op=ApiJobPosting`
(applicationForm + surveyForms: sections of fieldEntries whose `field` has path, title, type
String/Email/Phone/LongText/File/Boolean/ValueSelect/MultiValueSelect/Location/Number/Date and
selectableValues). The replica serves that JSON and renders the page from it the way Ashby
does: "Fetching application form" first; an "Autofill from resume" uploader above the form; one
.ashby-application-form-field-entry[data-field-path] per question with its
.ashby-application-form-question-title (required: a class containing "_required", the star drawn
by CSS); system ids such as #_systemfield_name; Yes/No buttons with aria-pressed plus a hidden
checkbox for Boolean; radios (<path>-labeled-radio-N) for ValueSelect, checkboxes for
MultiValueSelect; a "Start typing..." combobox for Location; the EEO survey's radios named
<render id>__systemfield_eeoc_* with a prefix that changes every load; the data-consent
checkbox with an empty title. "Submit Application" posts the answers to
`non-user-graphql?op=ApiSubmitSingleApplicationFormAction` (one multipart request; Ashby itself
uploads files first and saves each answer as it is filled) and the reply's applicationFormResult
is FormSubmitSuccess (the form is replaced in place by the confirmation, same URL) or carries
field errors shown as role=alert "Missing entry for required field" in the entry. The captcha
variant shows a reCAPTCHA challenge at Submit and sends nothing.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import datetime
from typing import Any

from devtools.loopback import Reply, Request

from .common import (
    COMBOBOX_JS,
    Replica,
    Submission,
    captcha_frame_page,
    esc,
    find_places,
    page,
    parse_form,
    recaptcha_challenge,
)

JOB_ID = "3f1c2b7e-5d4a-4c3b-9e8f-7a6b5c4d3e2f"
FORM_ID = "6b0e8c1d-2f3a-4b5c-8d9e-0a1b2c3d4e5f"
MISSING = "Missing entry for required field"
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,24}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def entry(path: str, title: str, kind: str, required: bool, *, values: list[str] | None = None,
          description: str | None = None) -> dict:
    """One fieldEntry of a FormRender section, as ApiJobPosting returns it."""
    field = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, path)), "path": path, "humanReadablePath": title, "title": title,
             "type": kind, "selectableValues": [{"label": v, "value": v} for v in values] if values else None,
             "isNullable": not required, "isPrivate": False, "isDeactivated": False,
             "isMany": kind == "MultiValueSelect", "metadata": None}
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_DNS, path)), "field": field, "fieldValue": None, "isRequired": required,
            "descriptionHtml": description, "isHidden": False}


DEFAULT_POSTING: dict[str, Any] = {
    "title": "Platform Engineer", "location": "Berlin", "secondaryLocations": [{"location": "Remote (EU)"}],
    "department": "Engineering", "team": "Platform", "isListed": True, "isRemote": False,
    "descriptionHtml": "<p>Lumen Health runs its scheduling platform on Python, Django and PostgreSQL.</p>",
    "descriptionPlain": "Lumen Health runs its scheduling platform on Python, Django and PostgreSQL.",
    "publishedAt": "2026-09-01T09:00:00.000+00:00", "employmentType": "FullTime",
    "address": {"postalAddress": {"addressLocality": "Berlin", "addressCountry": "Germany"}},
    "jobUrl": "", "applyUrl": "", "compensation": {"compensationTierSummary": "€80K – €105K", "compensationTiers": []},
}

DEFAULT_FORM: dict[str, Any] = {
    "id": FORM_ID, "formControls": [{"identifier": "submit", "title": "Submit"}], "errorMessages": [],
    "sourceFormDefinitionId": "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
    "sections": [
        {"title": None, "descriptionHtml": None, "isHidden": False, "fieldEntries": [
            entry("_systemfield_name", "Name", "String", True),
            entry("_systemfield_email", "Email", "Email", True),
            entry("8d0f8e4a-1c1b-4b7e-9a55-6f2b7e0c9d11", "Phone Number", "Phone", True),
            entry("_systemfield_resume", "Resume", "File", True),
            entry("_systemfield_location", "Location", "Location", False),
            entry("1e2a3b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b", "LinkedIn Profile", "String", False),
            entry("2f3a4b5c-6d7e-4f80-9a0b-1c2d3e4f5a6b", "Are you legally authorized to work in Germany?", "Boolean", True),
            entry("3a4b5c6d-7e8f-4091-8a1b-2c3d4e5f6a7b", "Will you now or in the future require visa sponsorship?",
                  "Boolean", True),
            entry("4b5c6d7e-8f90-4a12-9b2c-3d4e5f6a7b8c", "What is your expected annual base salary in EUR?", "Number", True),
            entry("5c6d7e8f-90a1-4b23-8c3d-4e5f6a7b8c9d", "Preferred work arrangement", "ValueSelect", True,
                  values=["Remote", "Hybrid", "On-site"]),
            entry("6d7e8f90-a1b2-4c34-9d4e-5f6a7b8c9d0e", "Which of these technologies have you used?",
                  "MultiValueSelect", False, values=["Kotlin", "PostgreSQL", "Redis", "Rust"]),
            entry("7e8f90a1-b2c3-4d45-8e5f-6a7b8c9d0e1f", "When could you start?", "Date", True),
            entry("8f90a1b2-c3d4-4e56-9f6a-7b8c9d0e1f2a", "Tell us about a project you are proud of", "LongText", True),
            entry("_systemfield_data_consent_ack", "", "MultiValueSelect", True, values=["I agree"],
                  description="<p>Lumen Health stores your application data for 12 months to consider you for this "
                              "and similar roles.</p>"),
        ]},
        {"title": "_systemsection.application_metadata", "descriptionHtml": None, "isHidden": True, "fieldEntries": [
            entry("_systemfield_pre_parsed_resume", "Pre-parsed resume", "String", False)]},
    ],
}

DEFAULT_SURVEY: dict[str, Any] = {
    "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "formControls": [], "errorMessages": [],
    "sourceFormDefinitionId": "0a9b8c7d-6e5f-4a4b-9c3d-2e1f0a9b8c7d",
    "sections": [{"title": "U.S. Equal Employment Opportunity Commission (EEOC) Voluntary Self-Identification",
                  "descriptionHtml": "<p>Providing this information is voluntary.</p>", "isHidden": False,
                  "fieldEntries": [
                      entry("_systemfield_eeoc_gender", "Gender", "ValueSelect", False,
                            values=["Male", "Female", "Decline to self-identify"]),
                      entry("_systemfield_eeoc_race", "Race", "ValueSelect", False,
                            values=["Asian", "Black or African American", "Hispanic or Latino", "White",
                                    "Decline to self-identify"]),
                      entry("_systemfield_eeoc_veteran_status", "Veteran Status", "ValueSelect", False,
                            values=["I am a veteran", "I am not a veteran", "Decline to self-identify"]),
                      entry("_systemfield_eeoc_disability_status", "Disability Status", "ValueSelect", False,
                            values=["Yes, I have a disability", "No, I don't have a disability", "I don't wish to answer"]),
                  ]}],
}

CSS = """
.ashby-application-form-question-title{display:block;font-weight:600;margin:16px 0 4px}
._required_x7::after{content:" *";color:#c33}
._yesno_x7 button{padding:6px 18px;margin-right:6px;border:1px solid #999;background:#fff;border-radius:4px}
._yesno_x7 button[aria-pressed=true]{background:#335;color:#fff}
._option_x7{display:flex;gap:6px;align-items:center;margin:4px 0}._option_x7 label{font-weight:400;margin:0}
._errorText_x7{color:#c00;margin:4px 0}
.ashby-application-form-submit-button{margin-top:24px;padding:10px 20px}
[role=listbox]{border:1px solid #999}[role=option]{padding:6px;cursor:pointer}
"""

FORM_JS = r"""
(() => {
  setTimeout(() => { document.querySelector('._loading').remove();
    document.querySelector('.ashby-application-form-container').hidden = false; }, 300);
  for (const group of document.querySelectorAll('._yesno_x7')) {
    const box = group.parentElement.querySelector('input[type=checkbox]');
    for (const b of group.querySelectorAll('button')) b.addEventListener('click', () => {
      group.querySelectorAll('button').forEach(x => x.setAttribute('aria-pressed', String(x === b)));
      box.checked = b.dataset.option === 'true'; });
  }
  for (const b of document.querySelectorAll('._uploadButton'))
    b.addEventListener('click', () => b.parentElement.querySelector('input[type=file]').click());
  const button = document.querySelector('.ashby-application-form-submit-button');
  const container = document.querySelector('.ashby-application-form-container');
  button.addEventListener('click', async () => {
    if (window.__captcha) { document.body.insertAdjacentHTML('beforeend', window.__captcha); return; }
    const data = new FormData(), submissions = [];
    for (const entry of container.querySelectorAll('.ashby-application-form-field-entry[data-field-path]')) {
      const path = entry.dataset.fieldPath, type = entry.dataset.fieldType;
      let value = null;
      if (type === 'File') { const f = entry.querySelector('input[type=file]');
        if (f.files.length) { data.append(path, f.files[0]); value = {file: path}; } }
      else if (type === 'Boolean') { const p = entry.querySelector('button[aria-pressed=true]'); value = p ? p.dataset.option === 'true' : null; }
      else if (type === 'ValueSelect') { const r = entry.querySelector('input[type=radio]:checked'); value = r ? r.value : null; }
      else if (type === 'MultiValueSelect') { value = [...entry.querySelectorAll('input[type=checkbox]:checked')].map(c => c.value);
        if (!value.length) value = null; }
      else if (type === 'Location') { const h = entry.querySelector('input[type=hidden]'); value = h && h.value ? h.value : null; }
      else { const i = entry.querySelector('input,textarea'); value = i.value.trim() || null; }
      submissions.push({path, value});
    }
    data.append('operations', JSON.stringify({operationName: 'ApiSubmitSingleApplicationFormAction', variables: {
      organizationHostedJobsPageName: container.dataset.org, formRenderIdentifier: container.dataset.formRender,
      formDefinitionIdentifier: container.dataset.formDefinition, actionIdentifier: 'submit',
      jobPostingId: container.dataset.job, recaptchaToken: null, fieldSubmissions: submissions}}));
    button.disabled = true;
    const reply = await (await fetch('/api/non-user-graphql?op=ApiSubmitSingleApplicationFormAction', {method: 'POST', body: data})).json();
    button.disabled = false;
    container.querySelectorAll('[role=alert]').forEach(e => e.remove());
    container.querySelectorAll('[aria-invalid]').forEach(e => e.removeAttribute('aria-invalid'));
    const result = reply.data.submitSingleApplicationFormAction.applicationFormResult;
    if (result.__typename === 'FormSubmitSuccess') {
      container.innerHTML = '<div class="ashby-application-form-success-container"><h2>Application submitted</h2>'
        + '<p>Your application was successfully submitted. We\'ll contact you if there are next steps.</p></div>';
      return;
    }
    for (const e of result.fieldErrors || []) {
      const entry = [...container.querySelectorAll('[data-field-path]')].find(x => x.dataset.fieldPath === e.path);
      const msg = document.createElement('div'); msg.className = '_errorText_x7'; msg.setAttribute('role', 'alert');
      msg.textContent = e.message; entry.appendChild(msg);
      entry.querySelectorAll('input:not([type=hidden]),textarea').forEach(i => i.setAttribute('aria-invalid', 'true'));
    }
  });
})();
"""


class AshbyReplica(Replica):
    """One Ashby posting. form/survey: FormRender dicts (DEFAULT_FORM / DEFAULT_SURVEY when None)."""

    name = "ashby"

    def __init__(self, posting: dict | None = None, form: dict | None = None, survey: dict | None = None, *,
                 org: str = "lumen", company: str = "Lumen Health", job_id: str = JOB_ID, captcha: bool = False):
        super().__init__(captcha=captcha)
        self.posting = copy.deepcopy(posting or DEFAULT_POSTING)
        self.form = copy.deepcopy(form or DEFAULT_FORM)
        self.survey = copy.deepcopy(survey or DEFAULT_SURVEY)
        self.org, self.company, self.job_id = org, company, job_id

    def posting_url(self) -> str:
        return f"{self.url}/{self.org}/{self.job_id}"

    def entries(self) -> list[dict]:
        return [e for form in (self.form, self.survey) for s in form["sections"] if not s["isHidden"]
                for e in s["fieldEntries"] if not e["isHidden"]]

    def handle(self, request: Request) -> Reply:
        path = request.path.rstrip("/") or "/"
        base = f"/{self.org}/{self.job_id}"
        if request.method == "GET":
            frame = captcha_frame_page(path)
            if frame is not None:
                return frame
            if path == f"/posting-api/job-board/{self.org}":
                return Reply.json({"apiVersion": "1", "jobs": [self.posting_json()]})
            if path == base:
                return Reply.html(self.overview_page())
            if path == base + "/application":
                return Reply.html(self.form_page())
            if path == "/api/places":
                return Reply.json([{"label": f"{p['city']}, {p['region']}, {p['country']}",
                                    "fields": {"_systemfield_location": f"{p['city']}, {p['region']}, {p['country']}"}}
                                   for p in find_places(request.arg("term") or "")])
        if request.method == "POST" and path == "/api/non-user-graphql":
            op = request.arg("op")
            if op == "ApiJobPosting":
                variables = (request.json() or {}).get("variables", {})
                found = (variables.get("organizationHostedJobsPageName") == self.org
                         and variables.get("jobPostingId") == self.job_id)
                posting = {**self.posting_json(), "id": self.job_id, "applicationForm": self.form,
                           "surveyForms": [self.survey], "applicationDeadline": None,
                           "applicationLimitCalloutHtml": None} if found else None
                return Reply.json({"data": {"jobPosting": posting}})
            if op == "ApiSubmitSingleApplicationFormAction":
                return self.submit(request)
        return Reply.html(page("Page not found", "<h1>Page not found</h1>"), 404)

    def posting_json(self) -> dict:
        return {**self.posting, "jobUrl": self.posting_url(), "applyUrl": self.posting_url() + "/application"}

    # -- pages --------------------------------------------------------------------------------------
    def heading(self) -> str:
        p = self.posting
        return (f'<div class="ashby-job-posting-heading"><h1>{esc(p["title"])}</h1><p>{esc(p["location"])} · '
                f'{esc(p["department"])} · {esc(p["employmentType"])}</p></div>'
                f'<nav><a href="/{esc(self.org)}/{esc(self.job_id)}">Overview</a> '
                f'<a href="/{esc(self.org)}/{esc(self.job_id)}/application">Application</a></nav>')

    def overview_page(self) -> str:
        body = (self.heading() + f'<div class="ashby-job-posting-description">{self.posting["descriptionHtml"]}</div>'
                f'<a href="/{esc(self.org)}/{esc(self.job_id)}/application">Apply for this Job</a>')
        return page(f"{self.posting['title']} @ {self.company}", body, css=CSS)

    def form_page(self) -> str:
        render_id = str(uuid.uuid4())  # Ashby's EEO radio names change every load
        sections = []
        for form in (self.form, self.survey):
            for section in form["sections"]:
                if section["isHidden"]:
                    continue
                title = (f'<h2 class="ashby-application-form-section-title">{esc(section["title"])}</h2>'
                         if section.get("title") else "")
                intro = f'<div>{section["descriptionHtml"]}</div>' if section.get("descriptionHtml") else ""
                fields = "".join(self.render_entry(e, render_id, survey=form is self.survey)
                                 for e in section["fieldEntries"] if not e["isHidden"])
                sections.append(f'<div class="ashby-application-form-section-container">{title}{intro}{fields}</div>')
        body = (self.heading()
                + '<div class="ashby-application-form-autofill-uploader"><h3>Autofill from resume</h3>'
                  '<p>Upload your resume here to autofill key application fields.</p>'
                  '<label>Upload file <input type="file" name="autofill" class="visually-hidden"></label></div>'
                + '<p class="_loading">Fetching application form</p>'
                + f'<div class="ashby-application-form-container" hidden data-org="{esc(self.org)}" '
                  f'data-job="{esc(self.job_id)}" data-form-render="{esc(self.form["id"])}" '
                  f'data-form-definition="{esc(self.form["sourceFormDefinitionId"])}">{"".join(sections)}'
                  '<button type="button" class="ashby-application-form-submit-button">Submit Application</button></div>'
                + '<textarea id="g-recaptcha-response" name="g-recaptcha-response" style="display:none"></textarea>')
        captcha = f"window.__captcha = {json.dumps(recaptcha_challenge())};" if self.captcha else ""
        return page(f"{self.posting['title']} @ {self.company}", body, css=CSS, script=captcha + COMBOBOX_JS + FORM_JS)

    def render_entry(self, e: dict, render_id: str, *, survey: bool) -> str:
        field, required = e["field"], e["isRequired"]
        path, kind, title = field["path"], field["type"], field["title"]
        dom_id = path
        name = f"{render_id}_{path}" if survey else path
        title_cls = "ashby-application-form-question-title" + (" _required_x7" if required else "")
        label = f'<label class="{title_cls}" for="{esc(dom_id)}">{esc(title)}</label>' if title else ""
        description = f'<div class="_description_x7">{e["descriptionHtml"]}</div>' if e.get("descriptionHtml") else ""
        values = [v["label"] for v in field.get("selectableValues") or []]
        if kind in ("String", "Email", "Phone", "Number", "Date"):
            itype = {"Email": "email", "Phone": "tel", "Number": "number"}.get(kind, "text")
            extra = ' placeholder="MM/DD/YYYY"' if kind == "Date" else (' placeholder="Type here..."' if kind == "String" else "")
            control = f'<input id="{esc(dom_id)}" name="{esc(name)}" type="{itype}"{extra}>'
        elif kind == "LongText":
            control = f'<textarea id="{esc(dom_id)}" name="{esc(name)}" placeholder="Type here..."></textarea>'
        elif kind == "File":
            control = (f'<div><button type="button" class="_uploadButton">Upload File</button>'
                       f'<input id="{esc(dom_id)}" name="{esc(name)}" type="file" class="visually-hidden" tabindex="-1"></div>')
        elif kind == "Boolean":
            label = f'<label class="{title_cls}" for="{esc(dom_id)}">{esc(title)}</label>'
            control = ('<div class="_yesno_x7">'
                       '<button type="button" class="ashby-application-form-input-yesno-option" aria-pressed="false" '
                       'data-option="true">Yes</button><button type="button" class="ashby-application-form-input-yesno-option" '
                       f'aria-pressed="false" data-option="false">No</button></div><input type="checkbox" id="{esc(dom_id)}" '
                       f'name="{esc(name)}" tabindex="-1" style="display:none">')
        elif kind in ("ValueSelect", "MultiValueSelect"):
            itype, tag = ("radio", "radio") if kind == "ValueSelect" else ("checkbox", "checkbox")
            label = f'<label class="{title_cls}">{esc(title)}</label>' if title else ""
            aria = ' aria-required="true"' if required else ""
            control = "".join(
                f'<div class="_option_x7"><input type="{itype}" id="{esc(name)}-labeled-{tag}-{i}" name="{esc(name)}" '
                f'value="{esc(v)}"{aria}><label for="{esc(name)}-labeled-{tag}-{i}">{esc(v)}</label></div>'
                for i, v in enumerate(values))
        elif kind == "Location":
            control = (f'<div data-rs data-rs-mode="search" data-rs-source="/api/places?term=">'
                       f'<input id="{esc(dom_id)}" role="combobox" aria-autocomplete="list" aria-expanded="false" '
                       f'placeholder="Start typing..." autocomplete="off"><div data-rs-value hidden></div>'
                       f'<div data-rs-menu hidden><div role="listbox" id="{esc(dom_id)}-listbox"></div></div>'
                       f'<div data-rs-hidden><input type="hidden" name="{esc(path)}" value=""></div></div>')
        else:
            control = ""
        return (f'<div class="ashby-application-form-field-entry" data-field-path="{esc(path)}" '
                f'data-field-type="{esc(kind)}">{label}{description}{control}</div>')

    # -- submission ---------------------------------------------------------------------------------
    def submit(self, request: Request) -> Reply:
        fields, files = parse_form(request)
        operations = json.loads((fields.get("operations") or ["{}"])[0] or "{}")
        variables = operations.get("variables") or {}
        given = {s.get("path"): s.get("value") for s in variables.get("fieldSubmissions") or []}
        errors: dict[str, str] = {}
        answers: dict[str, Any] = {}
        for e in self.entries():
            field = e["field"]
            path, kind, title = field["path"], field["type"], field["title"] or field["path"]
            value = given.get(path)
            values = [v["label"] for v in field.get("selectableValues") or []]
            if kind == "File":
                upload = files.get(path)
                value = upload.filename if upload is not None and upload.data else None
            if value in (None, "", []):
                if e["isRequired"]:
                    errors[path] = MISSING
                continue
            if kind == "Email" and not EMAIL.match(str(value)):
                errors[path] = "Please enter a valid email address"
            elif kind == "Phone" and not PHONE.match(str(value)):
                errors[path] = "Please enter a valid phone number"
            elif kind == "Number" and not re.fullmatch(r"-?\d+(\.\d+)?", str(value)):
                errors[path] = "Please enter a number"
            elif kind == "Date" and not _is_date(str(value)):
                errors[path] = "Please enter a date as MM/DD/YYYY"
            elif kind == "ValueSelect" and value not in values:
                errors[path] = "Please select one of the options"
            elif kind == "MultiValueSelect" and (not isinstance(value, list) or any(v not in values for v in value)):
                errors[path] = "Please select from the options"
            answers[title] = value
        submission = Submission(fields, files, answers, errors)
        self.record(submission)
        if errors:
            result: dict[str, Any] = {"__typename": "FormRender", "id": self.form["id"], "errorMessages": [],
                                      "fieldErrors": [{"path": p, "message": m} for p, m in errors.items()]}
        else:
            result = {"__typename": "FormSubmitSuccess"}
        return Reply.json({"data": {"submitSingleApplicationFormAction": {
            "applicationFormResult": result, "messages": {"blockMessageForCandidateHtml": None}}}})


def _is_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%m/%d/%Y")
    except ValueError:
        return False
    return True
