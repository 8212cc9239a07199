"""A loopback replica of a Lever posting and its /apply form.

Lever's Postings API (`GET /v0/postings/<company>/<id>`) serves the posting; it does not expose
the form, whose definition is the server-rendered /apply page. The replica keeps that page's
definition as data (FORM: the standard fields, then custom question cards in their
`cards[<uuid>][baseTemplate]` JSON shape, then the US EEO selects) and renders it the way Lever
does: form#application-form; standard questions as li.application-question wrapping a <label>
with .application-label ("✱" when required) and the input named name/email/phone/org/location/
urls[...]/comments; the resume as a hidden file input named resume inside the question; the
location typeahead answering from /searchLocations into .dropdown-results; each card field in
li.application-question.custom-question whose .application-label .text is NOT tied to the
control (named cards[<uuid>][field<N>]; card markers are "✿", as one measured variant shows);
eeo[gender|race|veteran|disability] selects; the consent[marketing] checkbox; the hidden inputs
and the invisible hCaptcha submit button. Invalid fields get aria-invalid and a .error-message;
an accepted application redirects to /<company>/<id>/thanks ("Application submitted!"). The
captcha variant shows hCaptcha's challenge when Submit is pressed and posts nothing.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from devtools.loopback import Reply, Request

from .common import Replica, Submission, captcha_frame_page, esc, find_places, hcaptcha_challenge, page, parse_form

POSTING_ID = "5ac21346-8e0c-4494-8e7a-3eb92ff77902"
CARD_ID = "9f2d4e1a-6b7c-4d8e-9a0b-1c2d3e4f5a6b"
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,24}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

DEFAULT_POSTING: dict[str, Any] = {
    "id": POSTING_ID,
    "text": "Senior Backend Engineer",
    "categories": {"location": "Berlin", "commitment": "Full-time", "team": "Engineering", "department": "Platform",
                   "allLocations": ["Berlin", "Remote - Europe"]},
    "country": "DE",
    "opening": "<div>Northwind Freight moves parcels across Europe.</div>",
    "openingPlain": "Northwind Freight moves parcels across Europe.",
    "description": "<div>Build the services behind our tracking APIs in Python and Django.</div>",
    "descriptionPlain": "Build the services behind our tracking APIs in Python and Django.",
    "descriptionBody": "<div>Build the services behind our tracking APIs in Python and Django.</div>",
    "descriptionBodyPlain": "Build the services behind our tracking APIs in Python and Django.",
    "lists": [{"text": "What you'll do", "content": "<li>Own PostgreSQL-backed services</li><li>Run Celery and Redis</li>"}],
    "additional": "<div>We offer a hybrid setup in Berlin.</div>",
    "additionalPlain": "We offer a hybrid setup in Berlin.",
    "hostedUrl": "", "applyUrl": "", "workplaceType": "hybrid",
    "salaryRange": {"currency": "EUR", "interval": "per-year-salary", "min": 85000, "max": 110000},
    "salaryDescription": "",
}

DEFAULT_FORM: dict[str, Any] = {
    "standard": [  # (name, label, required, input type)
        ("name", "Full name", True, "text"),
        ("email", "Email", True, "email"),
        ("phone", "Phone", True, "tel"),
        ("location", "Current location", True, "text"),
        ("org", "Current company", False, "text"),
    ],
    "urls": [("LinkedIn", "LinkedIn URL"), ("GitHub", "GitHub URL"), ("Portfolio", "Portfolio URL"),
             ("Other", "Other website")],
    "comments": True,
    "cards": [{
        "id": CARD_ID, "text": "Screening questions", "instructions": "", "type": "posting",
        "accountId": "338ccb85-0000-4000-8000-00000000a11c", "createdAt": 1756700000000, "updatedAt": 1756700000000,
        "secret": "", "fields": [
            {"type": "multiple-choice", "text": "Are you legally authorized to work in Germany?", "description": "",
             "required": True, "id": "f0", "options": [{"text": "Yes", "optionId": "o1"}, {"text": "No", "optionId": "o2"}]},
            {"type": "multiple-choice", "text": "Will you now or in the future require visa sponsorship?",
             "description": "", "required": True, "id": "f1",
             "options": [{"text": "Yes", "optionId": "o3"}, {"text": "No", "optionId": "o4"}]},
            {"type": "text", "text": "How many years of professional experience do you have with Python?",
             "description": "", "required": True, "id": "f2", "options": []},
            {"type": "dropdown", "text": "Which work arrangement do you prefer?", "description": "", "required": True,
             "id": "f3", "options": [{"text": "Remote", "optionId": "o5"}, {"text": "Hybrid", "optionId": "o6"},
                                     {"text": "On-site", "optionId": "o7"}]},
            {"type": "multiple-select", "text": "Which of these have you used in production?", "description": "",
             "required": False, "id": "f4", "options": [{"text": t, "optionId": f"o{8 + i}"}
                                                         for i, t in enumerate(["Java", "PostgreSQL", "Rust"])]},
            {"type": "textarea", "text": "Why do you want to join Northwind Freight?", "description": "",
             "required": True, "id": "f5", "options": []},
        ]}],
    "eeo": {
        "gender": ("Gender", ["Male", "Female", "Decline to self-identify"]),
        "race": ("Race", ["Asian", "Black or African American", "Hispanic or Latino", "White", "Two or More Races",
                          "Decline to self-identify"]),
        "veteran": ("Veteran status", ["I am a veteran", "I am not a veteran", "Decline to self-identify"]),
        "disability": ("Disability status", ["Yes, I have a disability", "No, I don't have a disability",
                                             "I don't wish to answer"]),
    },
}

CSS = """
ul{list-style:none;padding:0}.application-label{font-weight:600;margin:14px 0 4px}
.required{color:#c33;margin-left:3px}.error-message{color:#c00;margin:4px 0}
.dropdown-results{border:1px solid #999;max-width:400px}.dropdown-results:empty{display:none}
.dropdown-location{padding:6px;cursor:pointer}.dropdown-location:hover{background:#eef}
.application-answer-alternative{font-weight:400;margin-left:6px}
ul[data-qa] li label{display:flex;align-items:center;font-weight:400;margin:4px 0}
"""

FORM_JS = r"""
(() => {
  const input = document.querySelector('input[name=location]'), results = document.querySelector('.dropdown-results');
  const selected = document.querySelector('input[name=selectedLocation]');
  let timer = null;
  input.addEventListener('input', () => { clearTimeout(timer); selected.value = '';
    const text = input.value.trim(); if (!text) { results.innerHTML = ''; return; }
    timer = setTimeout(async () => { const found = await (await fetch('/searchLocations?text=' + encodeURIComponent(text))).json();
      if (input.value.trim() !== text) return; results.innerHTML = '';
      for (const place of found) { const d = document.createElement('div'); d.className = 'dropdown-location';
        d.textContent = place.name; d.addEventListener('click', () => { input.value = place.name;
          selected.value = JSON.stringify(place); results.innerHTML = ''; }); results.appendChild(d); } }, 120); });
  const resume = document.querySelector('input[name=resume]');
  resume.closest('.application-field').querySelector('a').addEventListener('click', () => resume.click());
  resume.addEventListener('change', () => { document.querySelector('.resume-filename').textContent =
    resume.files.length ? resume.files[0].name : ''; });
  if (window.__captcha) document.getElementById('btn-submit').addEventListener('click', e => {
    const form = e.target.form; if (!form.checkValidity()) return;
    e.preventDefault(); document.body.insertAdjacentHTML('beforeend', window.__captcha); });
})();
"""


class LeverReplica(Replica):
    """One Lever posting with its /apply form. form: DEFAULT_FORM's shape (a deep copy is kept)."""

    name = "lever"

    def __init__(self, posting: dict | None = None, form: dict | None = None, *, company: str = "northwind",
                 company_name: str = "Northwind Freight", captcha: bool = False):
        super().__init__(captcha=captcha)
        self.posting = copy.deepcopy(posting or DEFAULT_POSTING)
        self.form = copy.deepcopy(form or DEFAULT_FORM)
        self.company = company
        self.company_name = company_name

    def posting_url(self) -> str:
        return f"{self.url}/{self.company}/{self.posting['id']}"

    def apply_url(self) -> str:
        return self.posting_url() + "/apply"

    def api_json(self) -> dict:
        data = copy.deepcopy(self.posting)
        data["hostedUrl"], data["applyUrl"] = self.posting_url(), self.apply_url()
        return data

    def handle(self, request: Request) -> Reply:
        path = request.path.rstrip("/") or "/"
        base = f"/{self.company}/{self.posting['id']}"
        if request.method == "GET":
            frame = captcha_frame_page(path)
            if frame is not None:
                return frame
            if path == f"/v0/postings/{self.company}":
                return Reply.json([self.api_json()])
            if path == f"/v0/postings/{self.company}/{self.posting['id']}":
                return Reply.json(self.api_json())
            if path == base:
                return Reply.html(self.posting_page())
            if path == base + "/apply":
                return Reply.html(self.form_page())
            if path == base + "/thanks":
                return Reply.html(page("Application submitted", '<div class="section page-centered">'
                                       '<h3 data-qa="msg-submit-success">Application submitted!</h3><p>Thanks for '
                                       f'applying to {esc(self.company_name)}. We will be in touch.</p></div>'))
            if path == "/searchLocations":
                return Reply.json([{"name": f"{p['city']}, {p['region_code']}, {p['country_code']}",
                                    "id": f"{p['city'].lower()}-{p['country_code'].lower()}"}
                                   for p in find_places(request.arg("text") or "")])
        if request.method == "POST" and path == base + "/apply":
            return self.submit(request)
        return Reply.html(page("Not found", "<p>Sorry, we couldn't find anything here</p>"), 404)

    # -- pages --------------------------------------------------------------------------------------
    def posting_page(self) -> str:
        p = self.posting
        lists = "".join(f'<div class="section"><h3>{esc(x["text"])}</h3><ul class="posting-requirements">'
                        f'{x["content"]}</ul></div>' for x in p["lists"])
        body = (f'<div class="posting-headline"><h2>{esc(p["text"])}</h2><div class="posting-categories">'
                f'<div class="location">{esc(p["categories"]["location"])}</div>'
                f'<div class="commitment">{esc(p["categories"]["commitment"])}</div></div></div>'
                f'<div class="section">{p["opening"]}{p["description"]}</div>{lists}<div>{p["additional"]}</div>'
                f'<a class="postings-btn template-btn-submit" href="{esc(self.posting_url())}/apply">Apply for this job</a>')
        return page(f"{self.company_name} - {p['text']}", body, css=CSS)

    @staticmethod
    def _marker(required: bool, mark: str = "✱") -> str:
        return f'<span class="required">{mark}</span>' if required else ""

    @staticmethod
    def _error(name: str, errors: dict[str, str]) -> tuple[str, str]:
        if name not in errors:
            return "", ""
        return ' aria-invalid="true"', f'<div class="error-message">{esc(errors[name])}</div>'

    def form_page(self, values: dict[str, list[str]] | None = None, errors: dict[str, str] | None = None) -> str:
        values, errors = values or {}, errors or {}
        get = lambda n: esc((values.get(n) or [""])[0])  # noqa: E731
        f = self.form
        invalid, message = self._error("resume", errors)
        items = [f'<li class="application-question resume"><div class="application-label">Resume/CV{self._marker(True)}</div>'
                 f'<div class="application-field"><a class="postings-btn template-btn-utility visible-resume-upload">'
                 f'<span class="default-label">ATTACH RESUME/CV</span></a>'
                 f'<input type="file" id="resume-upload-input" name="resume" data-qa="input-resume" '
                 f'class="application-file-input" style="display:none" required{invalid}>'
                 f'<span class="resume-filename"></span>{message}</div></li>']
        for name, label, required, itype in f["standard"]:
            invalid, message = self._error(name, errors)
            req = " required" if required else ""
            extra = ""
            attrs = f' data-qa="{name}-input"'
            if name == "location":
                attrs = ' id="location-input" class="location-input" data-qa="location-input" autocomplete="off"'
                extra = ('<div class="dropdown-container"><div class="dropdown-results"></div></div>'
                         f'<input type="hidden" name="selectedLocation" id="selected-location" value="{get("selectedLocation")}">')
            items.append(f'<li class="application-question"><label><div class="application-label">{esc(label)}'
                         f'{self._marker(required)}</div><div class="application-field"><input type="{itype}" '
                         f'name="{name}" value="{get(name)}"{attrs}{req}{invalid}>{message}</div></label>{extra}</li>')
        links = "".join(f'<li class="application-question"><label><div class="application-label">{esc(label)}</div>'
                        f'<div class="application-field"><input type="text" name="urls[{key}]" value="{get(f"urls[{key}]")}">'
                        f'</div></label></li>' for key, label in f["urls"])
        comments = ('<div class="section application-form"><h4>Additional information</h4><textarea '
                    'id="additional-information" name="comments" '
                    f'placeholder="Add a cover letter or anything else you want to share.">{get("comments")}</textarea></div>'
                    if f.get("comments") else "")
        cards = "".join(self.render_card(card, values, errors) for card in f["cards"])
        eeo = ""
        if f.get("eeo"):
            selects = "".join(
                f'<li class="application-question"><label><div class="application-label">{esc(label)}</div>'
                f'<div class="application-field application-dropdown"><select name="eeo[{key}]">'
                f'<option value="">Select ...</option>'
                + "".join(f'<option value="{esc(o)}"{" selected" if values.get(f"eeo[{key}]") == [o] else ""}>{esc(o)}</option>'
                          for o in options)
                + '</select></div></label></li>' for key, (label, options) in f["eeo"].items())
            eeo = ('<div class="section application-form"><h4>U.S. Equal Employment Opportunity information '
                   '<span>(Completion is voluntary and will not subject you to adverse treatment)</span></h4>'
                   f'<p>Our company values diversity.</p><ul>{selects}</ul></div>')
        hidden = "".join(f'<input type="hidden" name="{n}" value="{v}">' for n, v in (
            ("source", "Lever"), ("accountId", "338ccb85-0000-4000-8000-00000000a11c"), ("linkedInData", ""),
            ("origin", ""), ("referer", ""), ("socialReferralKey", ""), ("h-captcha-response", "")))
        banner = ('<div class="application-error">There are errors in your form. Please correct them and submit again.</div>'
                  if errors else "")
        body = (f'<div class="posting-headline"><h2>{esc(self.posting["text"])}</h2></div>{banner}'
                f'<form id="application-form" class="application-form" method="POST" enctype="multipart/form-data">'
                f'{hidden}<div class="section application-form"><h4>Submit your application</h4><ul>{"".join(items)}</ul></div>'
                f'<div class="section application-form"><h4>Links</h4><ul>{links}</ul></div>{cards}{comments}{eeo}'
                f'<div class="section application-form application-consent"><input type="hidden" name="consent[marketing]" '
                f'value="false"><label><input type="checkbox" name="consent[marketing]" value="true"> I would like to hear '
                f'about future openings at {esc(self.company_name)}.</label></div>'
                f'<div class="section page-centered last-section-dark"><button type="submit" id="btn-submit" '
                f'class="postings-btn template-btn-submit" data-qa="btn-submit">Submit application</button>'
                f'<button id="hcaptchaSubmitBtn" class="hidden" hidden type="button"></button></div></form>')
        captcha = f"window.__captcha = {json.dumps(hcaptcha_challenge())};" if self.captcha else ""
        return page(f"{self.company_name} - {self.posting['text']}", body, css=CSS, script=captcha + FORM_JS)

    def render_card(self, card: dict, values: dict[str, list[str]], errors: dict[str, str]) -> str:
        items = []
        for n, field in enumerate(card["fields"]):
            name = f"cards[{card['id']}][field{n}]"
            invalid, message = self._error(name, errors)
            req = " required" if field["required"] else ""
            kind, current = field["type"], values.get(name) or []
            if kind == "text":
                control = (f'<input class="card-field-input" placeholder="Type your response" type="text" name="{esc(name)}" '
                           f'value="{esc(current[0] if current else "")}"{req}{invalid}>')
            elif kind == "textarea":
                control = (f'<textarea class="card-field-input" name="{esc(name)}"{req}{invalid}>'
                           f'{esc(current[0] if current else "")}</textarea>')
            elif kind in ("multiple-choice", "multiple-select"):
                itype, qa = ("radio", "multiple-choice") if kind == "multiple-choice" else ("checkbox", "checkboxes")
                control = f'<ul data-qa="{qa}">' + "".join(
                    f'<li><label><input type="{itype}" name="{esc(name)}" value="{esc(o["text"])}"'
                    f'{" checked" if o["text"] in current else ""}{req if itype == "radio" else ""}{invalid}>'
                    f'<span class="application-answer-alternative">{esc(o["text"])}</span></label></li>'
                    for o in field["options"]) + "</ul>"
            elif kind == "dropdown":
                control = (f'<div class="application-dropdown"><select name="{esc(name)}"{req}{invalid}>'
                           '<option value="">Select ...</option>' + "".join(
                               f'<option value="{esc(o["text"])}"{" selected" if [o["text"]] == current else ""}>'
                               f'{esc(o["text"])}</option>' for o in field["options"]) + "</select></div>")
            else:  # file-upload
                control = f'<input type="file" name="{esc(name)}"{req}{invalid}>'
            items.append(f'<li class="application-question custom-question"><div><div class="application-label full-width">'
                         f'<div class="text">{esc(field["text"])}{self._marker(field["required"], "✿")}</div></div>'
                         f'<div class="application-field full-width{" required-field" if field["required"] else ""}">'
                         f'{control}{message}</div></div></li>')
        return (f'<div class="section page-centered application-form" data-qa="additional-cards"><h4 data-qa="card-name">'
                f'{esc(card["text"])}</h4><input type="hidden" name="cards[{card["id"]}][baseTemplate]" '
                f'value="{esc(json.dumps(card), quote=True)}"><ul>{"".join(items)}</ul></div>')

    # -- submission ---------------------------------------------------------------------------------
    def submit(self, request: Request) -> Reply:
        fields, files = parse_form(request)
        errors: dict[str, str] = {}
        answers: dict[str, Any] = {}
        first = lambda n: (fields.get(n) or [""])[0].strip()  # noqa: E731
        resume = files.get("resume")
        if resume is None or not resume.data:
            errors["resume"] = "Please attach your resume."
        else:
            answers["Resume/CV"] = resume.filename
        for name, label, required, _ in self.form["standard"]:
            value = first(name)
            if not value:
                if required:
                    errors[name] = f"{label} is required."
                continue
            if name == "email" and not EMAIL.match(value):
                errors[name] = "Please enter a valid email address."
            elif name == "phone" and not PHONE.match(value):
                errors[name] = "Please enter a valid phone number."
            elif name == "location" and not first("selectedLocation"):
                errors[name] = "Please select a location from the list."
            answers[label] = value
        for key, label in self.form["urls"]:
            if first(f"urls[{key}]"):
                answers[label] = first(f"urls[{key}]")
        if first("comments"):
            answers["Additional information"] = first("comments")
        for card in self.form["cards"]:
            for n, field in enumerate(card["fields"]):
                name = f"cards[{card['id']}][field{n}]"
                chosen = [v for v in fields.get(name, []) if v.strip()]
                if field["type"] == "file-upload":
                    chosen = [files[name].filename] if name in files else []
                if not chosen:
                    if field["required"]:
                        errors[name] = "This question is required."
                    continue
                options = [o["text"] for o in field["options"]]
                if options and any(c not in options for c in chosen):
                    errors[name] = "Please choose one of the options."
                    continue
                answers[field["text"]] = chosen if field["type"] == "multiple-select" else chosen[0]
        for key, (label, _options) in (self.form.get("eeo") or {}).items():
            value = first(f"eeo[{key}]")
            if value:
                answers[label] = value
        if "true" in fields.get("consent[marketing]", []):
            answers["consent[marketing]"] = True
        submission = Submission(fields, files, answers, errors)
        self.record(submission)
        if errors:
            return Reply.html(self.form_page(fields, errors), 400)
        return Reply(303, b"", {"Location": f"/{self.company}/{self.posting['id']}/thanks"})
