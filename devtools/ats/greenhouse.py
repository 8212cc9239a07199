"""A loopback replica of a Greenhouse job board's candidate form, built from the Job Board API's JSON.

The posting is the JSON `GET /v1/boards/{board}/jobs/{id}?questions=true` returns (questions,
location_questions, compliance), and the page is generated from it with the structure the new
React boards show: form#application-form; each input's id is its API field name with a
<label for> ("*" in an aria-hidden span when required); react-select comboboxes for single
selects (input role=combobox, listbox of role=option in .select__menu, the choice in
.select__single-value, a hidden input carrying the value); checkbox groups in a fieldset for
multi-selects; the resume as a hidden file input behind "Attach" in a group labelled by
#upload-label-resume; the location typeahead #candidate-location; the EEOC selects with Race
shown only after "Are you Hispanic/Latino?" = No; errors as
<p id="<field>-error" class="helper-text helper-text--error">; the invisible reCAPTCHA badge.
Submitting posts multipart to /embed/<board>/jobs/<id>; accepted applications redirect to
/<board>/jobs/<id>/confirmation (embed: /embed/job_app/confirmation). A company page
/careers?gh_jid=<id> embeds the form through /embed/job_board/js like a real one.

    python -m devtools.ats.server     # every replica, for the demo
"""

from __future__ import annotations

import copy
import html
import re
from typing import Any
from urllib.parse import quote

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
    recaptcha_badge,
    recaptcha_checkbox,
)

REQUIRED = "This field is required."
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,24}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FILE_TYPES = (".pdf", ".doc", ".docx", ".txt", ".rtf")


def text_question(label: str, name: str, required: bool) -> dict:
    """An input_text question as the Job Board API lists it."""
    return {"required": required, "label": label, "description": None,
            "fields": [{"name": name, "type": "input_text", "values": []}]}


def select_question(label: str, name: str, required: bool, options: list[str], multi: bool = False) -> dict:
    """A single (or multi) select question; option values are ids, as in the API."""
    kind = "multi_value_multi_select" if multi else "multi_value_single_select"
    return {"required": required, "label": label, "description": None,
            "fields": [{"name": name, "type": kind, "values": [{"label": o, "value": 100 + i} for i, o in enumerate(options)]}]}


YES_NO = ["Yes", "No"]
EEOC_GENDER = ["Male", "Female", "Decline To Self Identify"]
EEOC_HISPANIC = ["Yes", "No", "Decline To Self Identify"]
EEOC_RACE = ["American Indian or Alaskan Native", "Asian", "Black or African American", "Hispanic or Latino", "White",
             "Native Hawaiian or Other Pacific Islander", "Two or More Races", "Decline To Self Identify"]
EEOC_VETERAN = ["I am not a protected veteran", "I identify as one or more of the classifications of protected veteran",
                "I don't wish to answer"]
EEOC_DISABILITY = ["Yes, I have a disability, or have had one in the past",
                   "No, I do not have a disability and have not had one in the past", "I do not want to answer"]


def _eeoc(label: str, name: str, options: list[str]) -> dict:
    return {"label": label, "required": False, "description": None,
            "fields": [{"name": name, "type": "multi_value_single_select",
                        "values": [{"label": o, "value": str(i + 1)} for i, o in enumerate(options)]}]}


DEFAULT_JOB: dict[str, Any] = {
    "id": 4012345, "internal_job_id": 3012345, "title": "Backend Engineer", "updated_at": "2026-09-01T10:00:00-04:00",
    "requisition_id": "ENG-42", "location": {"name": "Berlin, Germany"},
    "absolute_url": "https://job-boards.greenhouse.io/acme/jobs/4012345", "language": "en", "metadata": [],
    "pay_input_ranges": [],
    "content": html.escape("<p>Acme Analytics builds data pipelines for logistics companies.</p>"
                           "<h3>What you will do</h3><ul><li>Design Django REST APIs on PostgreSQL</li>"
                           "<li>Run Celery pipelines and Redis caches</li></ul>"),
    "questions": [
        text_question("First Name", "first_name", True),
        text_question("Last Name", "last_name", True),
        text_question("Email", "email", True),
        text_question("Phone", "phone", False),
        {"required": True, "label": "Resume/CV", "description": None, "fields": [
            {"name": "resume", "type": "input_file", "values": []},
            {"name": "resume_text", "type": "textarea", "values": []}]},
        {"required": False, "label": "Cover Letter", "description": None, "fields": [
            {"name": "cover_letter", "type": "input_file", "values": []},
            {"name": "cover_letter_text", "type": "textarea", "values": []}]},
        text_question("LinkedIn Profile", "question_30001", False),
        select_question("Are you legally authorized to work in Germany?", "question_30002", True, YES_NO),
        select_question("Will you now or in the future require visa sponsorship?", "question_30003", True, YES_NO),
        text_question("How many years of professional experience do you have with Python?", "question_30004", True),
        {"required": True, "label": "Why do you want to join Acme Analytics?", "description": None,
         "fields": [{"name": "question_30005", "type": "textarea", "values": []}]},
        select_question("Which of these have you used in production?", "question_30006[]", False,
                         ["Java", "Python", "Rust", "Kotlin"], multi=True),
        select_question("Which work arrangement do you prefer?", "question_30007", True, ["Remote", "Hybrid", "On-site"]),
    ],
    "location_questions": [
        {"required": False, "label": "Location (City)", "description": None, "fields": [
            {"name": "location", "type": "input_text", "values": []},
            {"name": "latitude", "type": "input_hidden", "values": []},
            {"name": "longitude", "type": "input_hidden", "values": []}]},
    ],
    "compliance": [
        {"type": "eeoc", "description": html.escape(
            "<p>Public burden statement: this survey should take about five minutes to complete.</p>"), "questions": []},
        {"type": "eeoc", "description": html.escape(
            "<p>Acme Analytics is an equal opportunity employer. Completing this section is voluntary; your answers "
            "are kept apart from your application.</p>"), "questions": [
            _eeoc("Gender", "gender", EEOC_GENDER),
            _eeoc("Race", "race", EEOC_RACE),
            _eeoc("VeteranStatus", "veteran_status", EEOC_VETERAN),
            _eeoc("DisabilityStatus", "disability_status", EEOC_DISABILITY),
        ]},
    ],
}

# How the page words the compliance questions (the API's labels are codes); Hispanic/Latino is drawn
# by the page although the JSON does not list it.
EEOC_PAGE_LABELS = {"gender": "Gender", "hispanic_ethnicity": "Are you Hispanic/Latino?",
                    "race": "Please identify your race", "veteran_status": "Veteran Status",
                    "disability_status": "Disability Status"}

CSS = """
.select__control{position:relative;border:1px solid #999;border-radius:4px;padding:4px 8px;min-height:28px}
.select__placeholder{color:#777;pointer-events:none}
.select__input{border:0!important;outline:0;width:100%!important;padding:2px 0!important}
.select__menu{border:1px solid #999;border-radius:4px;margin-top:2px;max-height:220px;overflow:auto;background:#fff}
.select__option{padding:6px 8px;cursor:pointer}.select__option:hover{background:#eef}
.helper-text--error{color:#c00;margin:4px 0}
.file-upload__wrapper button{margin-right:6px}
.eeoc__container{margin-top:28px;border-top:1px solid #ccc}
"""

FORM_JS = r"""
document.querySelectorAll('[data-upload]').forEach(box => {
  const input = box.querySelector('input[type=file]'), name = box.querySelector('.file-upload__filename');
  box.querySelector('[data-attach]').addEventListener('click', () => input.click());
  const manual = box.querySelector('[data-manual]');
  if (manual) manual.addEventListener('click', () => { box.querySelector('textarea').hidden = false; });
  input.addEventListener('change', () => { name.textContent = input.files.length ? input.files[0].name : ''; });
});
document.addEventListener('rs-change', e => {
  if (e.detail.name !== 'hispanic_ethnicity') return;
  const race = document.querySelector('[data-race]');
  if (race) race.hidden = e.detail.label.trim() !== 'No';
});
"""


class GreenhouseReplica(Replica):
    """Greenhouse's board for one posting. job: the API JSON (DEFAULT_JOB when None)."""

    name = "greenhouse"

    def __init__(self, job: dict | None = None, *, board: str = "acme", company: str = "Acme Analytics",
                 captcha: bool = False):
        super().__init__(captcha=captcha)
        self.job = copy.deepcopy(job or DEFAULT_JOB)
        self.board = board
        self.company = company

    @property
    def job_id(self) -> str:
        return str(self.job["id"])

    def posting_url(self) -> str:
        return f"{self.url}/{self.board}/jobs/{self.job_id}"

    def careers_url(self) -> str:
        """A company page embedding the board (?gh_jid=)."""
        return f"{self.url}/careers?gh_jid={self.job_id}"

    def api_json(self, questions: bool = True) -> dict:
        data = copy.deepcopy(self.job)
        data["absolute_url"] = self.posting_url()
        if not questions:
            for key in ("questions", "location_questions", "compliance", "demographic_questions", "data_compliance"):
                data.pop(key, None)
        return data

    # -- HTTP ---------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        path, jid, board = request.path.rstrip("/") or "/", self.job_id, self.board
        if request.method == "GET":
            frame = captcha_frame_page(path)
            if frame is not None:
                return frame
            if path == f"/v1/boards/{board}/jobs/{jid}":
                return Reply.json(self.api_json(request.arg("questions") == "true"))
            if path == f"/{board}/jobs/{jid}":
                return Reply.html(self.form_page(embed=False))
            if path == "/embed/job_app" and request.arg("token") == jid:
                return Reply.html(self.form_page(embed=True))
            if path == f"/{board}/jobs/{jid}/confirmation" or (
                    path == "/embed/job_app/confirmation" and request.arg("token") == jid):
                return Reply.html(self.confirmation_page())
            if path == "/embed/job_board/js":
                return Reply.text(self.embed_script(request.arg("for") or board), content_type="text/javascript")
            if path == "/careers":
                return Reply.html(page(f"Careers at {self.company}", f"<h1>Careers at {esc(self.company)}</h1>"
                                       f'<p>Join us.</p><div id="grnhse_app"></div>'
                                       f'<script src="/embed/job_board/js?for={esc(board)}"></script>'))
            if path == "/locations":
                return Reply.json([{"label": f"{p['city']}, {p['region']}, {p['country']}",
                                    "fields": {"location": f"{p['city']}, {p['region']}, {p['country']}",
                                               "latitude": str(p["lat"]), "longitude": str(p["lon"])}}
                                   for p in find_places(request.arg("term") or "")])
        if request.method == "POST" and path == f"/embed/{board}/jobs/{jid}":
            return self.submit(request)
        return Reply.html(page("Not found", "<h1>Page not found</h1>"), 404)

    def embed_script(self, board: str) -> str:
        return ("(function(){var app=document.getElementById('grnhse_app');"
                "var jid=new URLSearchParams(location.search).get('gh_jid');if(!app||!jid)return;"
                "var f=document.createElement('iframe');f.id='grnhse_iframe';f.width='100%';f.frameBorder='0';"
                "f.title='Greenhouse Job Board';f.style.height='2600px';"
                f"f.src='{self.url}/embed/job_app?for={quote(board)}&token='+encodeURIComponent(jid)"
                "+'&b='+encodeURIComponent(location.href);app.appendChild(f);})();")

    # -- the page -----------------------------------------------------------------------------------
    def questions(self) -> list[tuple[dict, str]]:
        """Every question drawn on the page with its section: (question, "main" | "location" | "eeoc")."""
        out = [(q, "main") for q in self.job.get("questions", [])]
        out += [(q, "location") for q in self.job.get("location_questions", [])]
        for block in self.job.get("compliance", []):
            for q in block.get("questions", []):
                out.append((q, "eeoc"))
                if q["fields"][0]["name"] == "gender":
                    out.append((_eeoc("Hispanic/Latino", "hispanic_ethnicity", EEOC_HISPANIC), "eeoc"))
        return out

    def form_page(self, *, embed: bool, values: dict[str, list[str]] | None = None,
                  errors: dict[str, str] | None = None) -> str:
        values, errors = values or {}, errors or {}
        job = self.job
        main = "".join(self.render_question(q, values, errors) for q, s in self.questions() if s == "main")
        location = "".join(self.render_location(q, values, errors) for q, s in self.questions() if s == "location")
        eeoc = ""
        blocks = self.job.get("compliance", [])
        if blocks:
            descriptions = "".join(f'<div class="eeoc__description">{html.unescape(b.get("description") or "")}</div>'
                                   for b in blocks)
            fields = "".join(self.render_question(q, values, errors) for q, s in self.questions() if s == "eeoc")
            eeoc = f'<div class="eeoc__container"><h3>Voluntary Self-Identification</h3>{descriptions}{fields}</div>'
        captcha = recaptcha_checkbox() if self.captcha else ""
        body = (f'<div class="job__header"><h1 class="section-header">{esc(job["title"])}</h1>'
                f'<div class="job__location">{esc(job["location"]["name"])}</div>'
                f'<a class="btn btn--pill" href="#application-form">Apply</a></div>'
                f'<div class="job__description">{html.unescape(job.get("content", ""))}</div>'
                f'<div class="application--container"><h2 class="section-header">Apply for this job</h2>'
                f'<p><span aria-hidden="true">*</span> indicates a required field</p>'
                f'<form id="application-form" class="application--form" method="post" enctype="multipart/form-data" '
                f'action="/embed/{esc(self.board)}/jobs/{esc(self.job_id)}" novalidate>'
                f'<input type="hidden" name="embed" value="{1 if embed else 0}">'
                f'<div class="application--questions">{main}{location}</div>{eeoc}{captcha}'
                f'<div class="application--submit"><button type="submit" class="btn btn--pill">Submit application</button>'
                f'</div></form></div>{recaptcha_badge()}')
        return page(f"Job Application for {job['title']} at {self.company}", body, css=CSS, script=COMBOBOX_JS + FORM_JS)

    def _label(self, q: dict, name: str, label: str | None = None, cls: str = "label") -> str:
        star = '<span aria-hidden="true">*</span>' if q["required"] else ""
        return f'<label id="{esc(name)}-label" for="{esc(name)}" class="{cls}">{esc(label or q["label"])}{star}</label>'

    @staticmethod
    def _error(name: str, errors: dict[str, str]) -> tuple[str, str]:
        if name not in errors:
            return "", ""
        return (f' aria-invalid="true" aria-describedby="{esc(name)}-error"',
                f'<p id="{esc(name)}-error" class="helper-text helper-text--error" aria-live="polite">{esc(errors[name])}</p>')

    def render_question(self, q: dict, values: dict[str, list[str]], errors: dict[str, str]) -> str:
        f = q["fields"][0]
        name, kind = f["name"], f["type"]
        label = EEOC_PAGE_LABELS.get(name, q["label"])
        invalid, message = self._error(name.removesuffix("[]"), errors)
        required = ' aria-required="true"' if q["required"] else ""
        if kind == "input_text":
            value = esc((values.get(name) or [""])[0])
            itype = "tel" if name == "phone" else "text"
            return (f'<div class="field-wrapper">{self._label(q, name, label)}<input id="{esc(name)}" name="{esc(name)}" '
                    f'type="{itype}" class="input input__single-line" maxlength="255" value="{value}"{required}{invalid}>'
                    f'{message}</div>')
        if kind == "textarea":
            value = esc((values.get(name) or [""])[0])
            return (f'<div class="field-wrapper">{self._label(q, name, label)}<textarea id="{esc(name)}" name="{esc(name)}" '
                    f'class="input input__multi-line" rows="5"{required}{invalid}>{value}</textarea>{message}</div>')
        if kind == "input_file":
            star = '<span aria-hidden="true">*</span>' if q["required"] else ""
            text_field = next((x["name"] for x in q["fields"][1:] if x["type"] == "textarea"), "")
            manual = ('<button type="button" class="btn btn--pill" data-manual>Enter manually</button>' if text_field else "")
            text_box = (f'<textarea name="{esc(text_field)}" aria-label="{esc(q["label"])} text" hidden></textarea>'
                        if text_field else "")
            error_cls = " upload-label--error" if name in errors else ""
            return (f'<div class="file-upload" role="group" aria-labelledby="upload-label-{esc(name)}" data-upload>'
                    f'<div id="upload-label-{esc(name)}" class="label upload-label{error_cls}">{esc(q["label"])}{star}</div>'
                    f'<div class="file-upload__wrapper"><button type="button" class="btn btn--pill" data-attach>Attach</button>'
                    f'<button type="button" class="btn btn--pill" disabled>Dropbox</button>'
                    f'<button type="button" class="btn btn--pill" disabled>Google Drive</button>{manual}</div>'
                    f'<input id="{esc(name)}" name="{esc(name)}" type="file" class="visually-hidden" tabindex="-1" '
                    f'accept=".pdf,.doc,.docx,.txt,.rtf"{invalid}>'
                    f'<p class="file-upload__filename"></p>{text_box}{message}</div>')
        if kind == "multi_value_multi_select":
            checked = set(values.get(name) or [])
            boxes = "".join(
                f'<div class="checkbox__wrapper"><input type="checkbox" id="{esc(name)}_{v["value"]}" name="{esc(name)}" '
                f'value="{v["value"]}"{" checked" if str(v["value"]) in checked else ""}>'
                f'<label for="{esc(name)}_{v["value"]}">{esc(v["label"])}</label></div>' for v in f["values"])
            star = '<span aria-hidden="true">*</span>' if q["required"] else ""
            return (f'<fieldset id="{esc(name)}" class="checkbox"{required}><legend class="label">{esc(label)}{star}</legend>'
                    f'{boxes}{message}</fieldset>')
        if kind == "multi_value_single_select":
            chosen = (values.get(name) or [""])[0]
            shown = next((v["label"] for v in f["values"] if str(v["value"]) == chosen), "")
            options = "".join(
                f'<div role="option" id="react-select-{esc(name)}-option-{i}" class="select__option" '
                f'data-value="{esc(str(v["value"]))}" aria-selected="{"true" if shown == v["label"] else "false"}">'
                f'{esc(v["label"])}</div>' for i, v in enumerate(f["values"]))
            hidden = ""
            if name == "race":  # shown once "Are you Hispanic/Latino?" is No
                hidden = " data-race" + (" hidden" if values.get("hispanic_ethnicity") != ["2"] else "")
            return (f'<div class="select field-wrapper"{hidden} data-rs data-rs-mode="single" data-rs-name="{esc(name)}">'
                    f'{self._label(q, name, label, "label select__label")}<div class="select__container">'
                    f'<div class="select__control"><div class="select__value-container">'
                    f'<div class="select__placeholder" data-rs-placeholder{" hidden" if shown else ""}>Select...</div>'
                    f'<div class="select__single-value" data-rs-value{"" if shown else " hidden"}>{esc(shown)}</div>'
                    f'<input id="{esc(name)}" role="combobox" aria-autocomplete="list" aria-expanded="false" '
                    f'aria-haspopup="true" autocomplete="off" class="select__input" value=""{required}{invalid}></div></div>'
                    f'<div class="select__menu" data-rs-menu hidden><div class="select__menu-list" role="listbox" '
                    f'id="react-select-{esc(name)}-listbox">{options}</div></div>'
                    f'<div data-rs-hidden><input type="hidden" name="{esc(name)}" value="{esc(chosen)}"></div>'
                    f'</div>{message}</div>')
        return ""

    def render_location(self, q: dict, values: dict[str, list[str]], errors: dict[str, str]) -> str:
        invalid, message = self._error("location", errors)
        current = (values.get("location") or [""])[0]
        star = '<span aria-hidden="true">*</span>' if q["required"] else ""
        hidden = "".join(f'<input type="hidden" name="{n}" value="{esc((values.get(n) or [""])[0])}">'
                         for n in ("location", "latitude", "longitude"))
        return (f'<div class="select field-wrapper" data-rs data-rs-mode="search" data-rs-source="/locations?term=" '
                f'data-rs-option-class="select__option"><label id="candidate-location-label" for="candidate-location" '
                f'class="label select__label">{esc(q["label"])}{star}</label><div class="select__control">'
                f'<div class="select__single-value" data-rs-value{"" if current else " hidden"}>{esc(current)}</div>'
                f'<input id="candidate-location" role="combobox" aria-autocomplete="list" aria-expanded="false" '
                f'autocomplete="off" class="select__input"{" aria-required=true" if q["required"] else ""}{invalid}></div>'
                f'<div class="select__menu" data-rs-menu hidden><div class="select__menu-list" role="listbox" '
                f'id="react-select-candidate-location-listbox"></div></div><div data-rs-hidden>{hidden}</div>{message}</div>')

    def confirmation_page(self) -> str:
        return page("Thank you", f'<div class="confirmation"><h1>Thank you for applying.</h1><p>Your application to '
                    f'{esc(self.job["title"])} at {esc(self.company)} has been received. We will review it right away '
                    f'and contact you if there is a fit.</p></div>')

    # -- submission ---------------------------------------------------------------------------------
    def submit(self, request: Request) -> Reply:
        fields, files = parse_form(request)
        errors: dict[str, str] = {}
        answers: dict[str, Any] = {}
        for q, section in self.questions():
            f = q["fields"][0]
            name, kind = f["name"], f["type"]
            label = EEOC_PAGE_LABELS.get(name, q["label"])
            if section == "location":
                value = (fields.get("location") or [""])[0]
                if value:
                    answers[label] = value
                elif q["required"]:
                    errors["location"] = REQUIRED
                continue
            if name == "race" and fields.get("hispanic_ethnicity") != ["2"]:
                continue  # hidden unless Hispanic/Latino = No
            if kind == "input_file":
                upload = files.get(name)
                text_name = next((x["name"] for x in q["fields"][1:] if x["type"] == "textarea"), "")
                text = (fields.get(text_name) or [""])[0].strip() if text_name else ""
                if upload is not None:
                    if not upload.filename.lower().endswith(FILE_TYPES) or not upload.data:
                        errors[name] = "File type must be pdf, doc, docx, txt or rtf, and not empty."
                    answers[q["label"]] = upload.filename
                elif text:
                    answers[q["label"]] = text
                elif q["required"]:
                    errors[name] = REQUIRED
                continue
            raw = [v for v in fields.get(name, []) if v != ""]
            if not raw:
                if q["required"]:
                    errors[name.removesuffix("[]")] = REQUIRED
                continue
            if kind in ("multi_value_single_select", "multi_value_multi_select"):
                by_value = {str(v["value"]): v["label"] for v in f["values"]}
                if any(v not in by_value for v in raw):
                    errors[name.removesuffix("[]")] = "Select one of the options."
                    continue
                labels = [by_value[v] for v in raw]
                answers[label] = labels if kind == "multi_value_multi_select" else labels[0]
                continue
            value = raw[0].strip()
            if name == "email" and not EMAIL.match(value):
                errors[name] = "Please enter a valid email address."
            elif name == "phone" and not PHONE.match(value):
                errors[name] = "Please enter a valid phone number."
            answers[label] = value
        submission = Submission(fields, files, answers, errors)
        self.record(submission)
        embed = (fields.get("embed") or ["0"])[0] == "1"
        if errors:
            return Reply.html(self.form_page(embed=embed, values=fields, errors=errors))
        target = (f"/embed/job_app/confirmation?for={quote(self.board)}&token={self.job_id}" if embed
                  else f"/{self.board}/jobs/{self.job_id}/confirmation")
        return Reply(303, b"", {"Location": target})
