"""An application form no adapter knows: a home-grown careers site, for the generic adapter.

Deliberately unlike the three ATS replicas: the posting page links to the form ("Apply now");
the form has three pages (Continue / Back / Send application) checked in the browser before
moving on; labels come through aria-labelledby, aria-label and <label for>; a location
autocomplete (role=combobox with a listbox of role=option fetched as you type); radios in a
role=radiogroup; a native select; a custom multi-select listbox (aria-multiselectable); two
file inputs (CV, optional cover letter); a required consent checkbox. Sending posts multipart
with fetch; the server's validation messages appear next to their fields (aria-invalid +
aria-describedby, role=alert) on the page that holds them; success replaces the form with a
role=status confirmation. The captcha variant shows a Turnstile widget and "Verify you are human".
"""

from __future__ import annotations

import re
from typing import Any

from devtools.loopback import Reply, Request

from .common import Replica, Submission, captcha_frame_page, esc, find_places, page, parse_form, turnstile_widget

SLUG = "ops-software-engineer"
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,24}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NEEDED = "This question needs an answer."

# name -> (label as the candidate sees it, required); the order is the form's.
QUESTIONS: dict[str, tuple[str, bool]] = {
    "applicant.name": ("Full name", True),
    "applicant.email": ("Email address", True),
    "applicant.phone": ("Phone number", True),
    "applicant.city": ("Where are you based?", True),
    "cv": ("Upload your CV", True),
    "cover": ("Cover letter (optional)", False),
    "python_years": ("Years of experience with Python", True),
    "eu_work": ("Are you authorised to work in the EU?", True),
    "notice": ("Notice period", True),
    "stack": ("Technologies you use daily", False),
    "motivation": ("Why Kestrel Robotics?", True),
    "salary": ("Expected yearly salary (EUR)", False),
    "consent": ("I agree that Kestrel Robotics may store my data to assess this application.", True),
}
NOTICE = ["Immediately", "2 weeks", "1 month", "3 months"]
STACK = ["Java", "PostgreSQL", "Python", "Rust"]

CSS = """
.step h2{margin-top:0}.row{margin:14px 0}.lbl{display:block;font-weight:600;margin-bottom:4px}
.msg{color:#b00;margin:4px 0}.choices label{font-weight:400;display:inline;margin-right:14px}
[role=listbox]{border:1px solid #999;border-radius:4px;max-width:420px}
[role=option]{padding:6px;cursor:pointer}[role=option][aria-selected=true]{background:#335;color:#fff}
.nav{margin-top:20px;display:flex;gap:10px}
"""

FORM_JS = r"""
(() => {
  const form = document.querySelector('form'), steps = [...form.querySelectorAll('section.step')];
  let current = 0;
  const show = i => { current = i; steps.forEach((s, k) => { s.hidden = k !== i; }); };
  const fieldOf = name => form.querySelector(`[data-q="${name}"]`);
  const clear = box => { box.querySelectorAll('.msg').forEach(m => m.remove());
    box.querySelectorAll('[aria-invalid]').forEach(e => { e.removeAttribute('aria-invalid'); e.removeAttribute('aria-describedby'); }); };
  const flag = (box, message) => { const id = 'err-' + box.dataset.q.replace(/\W/g, '-');
    const p = document.createElement('p'); p.className = 'msg'; p.id = id; p.setAttribute('role', 'alert'); p.textContent = message;
    box.appendChild(p);
    box.querySelectorAll('input:not([type=hidden]),select,textarea,[role=listbox],[role=radiogroup]').forEach(e => {
      e.setAttribute('aria-invalid', 'true'); e.setAttribute('aria-describedby', id); }); };
  const valueOf = box => { const q = box.dataset.q;
    if (q === 'eu_work') { const r = box.querySelector('input:checked'); return r ? r.value : ''; }
    if (q === 'stack') return [...box.querySelectorAll('[role=option][aria-selected=true]')].map(o => o.textContent.trim()).join('|');
    if (q === 'consent') return box.querySelector('input').checked ? 'yes' : '';
    if (q === 'applicant.city') return box.querySelector('input[type=hidden]').value;
    const el = box.querySelector('input,select,textarea'); return el.type === 'file' ? (el.files.length ? 'file' : '') : el.value.trim(); };
  const check = step => { let ok = true;
    for (const box of step.querySelectorAll('[data-q]')) { clear(box);
      if (box.dataset.required === 'true' && !valueOf(box)) { flag(box, box.dataset.q === 'applicant.city' ? 'Choose a place from the list.' : 'This question needs an answer.'); ok = false; } }
    return ok; };
  form.addEventListener('click', async e => {
    const b = e.target.closest('button'); if (!b) return;
    if (b.dataset.go === 'next') { e.preventDefault(); if (check(steps[current])) show(current + 1); }
    else if (b.dataset.go === 'back') { e.preventDefault(); show(current - 1); }
    else if (b.dataset.go === 'send') { e.preventDefault(); if (!check(steps[current])) return;
      const data = new FormData(form);
      data.set('stack', valueOf(fieldOf('stack')));
      b.disabled = true;
      const reply = await (await fetch(form.action, {method: 'POST', body: data})).json();
      b.disabled = false;
      if (reply.ok) { form.outerHTML = `<div role="status" class="done"><h2>Application received</h2><p>Thanks, we have received your application for ${reply.title}. Your reference is ${reply.reference}.</p></div>`; return; }
      form.querySelectorAll('[data-q]').forEach(clear);
      let first = null;
      for (const err of reply.errors) { const box = fieldOf(err.field); if (!box) continue; flag(box, err.message);
        const k = steps.indexOf(box.closest('section.step')); if (first === null || k < first) first = k; }
      if (first !== null) show(first); } });
  const list = fieldOf('stack').querySelector('[role=listbox]');
  list.addEventListener('click', e => { const o = e.target.closest('[role=option]'); if (!o) return;
    o.setAttribute('aria-selected', String(o.getAttribute('aria-selected') !== 'true')); });
  const city = fieldOf('applicant.city'), input = city.querySelector('[role=combobox]'), places = city.querySelector('[role=listbox]');
  const chosen = city.querySelector('input[type=hidden]');
  let timer = null;
  input.addEventListener('input', () => { chosen.value = ''; clearTimeout(timer);
    const q = input.value.trim(); if (!q) { places.hidden = true; return; }
    timer = setTimeout(async () => { const found = await (await fetch('/api/places?q=' + encodeURIComponent(q))).json();
      if (input.value.trim() !== q) return; places.innerHTML = '';
      found.forEach((p, i) => { const o = document.createElement('li'); o.setAttribute('role', 'option'); o.id = 'place-' + i;
        o.textContent = p; places.appendChild(o); });
      places.hidden = !found.length; input.setAttribute('aria-expanded', String(!!found.length)); }, 150); });
  places.addEventListener('mousedown', e => e.preventDefault());
  places.addEventListener('click', e => { const o = e.target.closest('[role=option]'); if (!o) return;
    input.value = o.textContent; chosen.value = o.textContent; places.hidden = true; input.setAttribute('aria-expanded', 'false'); });
  show(0);
})();
"""


class UnseenFormReplica(Replica):
    """Kestrel Robotics' own careers site: one posting, its three-page form."""

    name = "generic"

    def __init__(self, *, captcha: bool = False):
        super().__init__(captcha=captcha)
        self.title = "Operations Software Engineer"
        self.company = "Kestrel Robotics"

    def posting_url(self) -> str:
        return f"{self.url}/positions/{SLUG}"

    def handle(self, request: Request) -> Reply:
        path = request.path.rstrip("/") or "/"
        if request.method == "GET":
            frame = captcha_frame_page(path)
            if frame is not None:
                return frame
            if path == f"/positions/{SLUG}":
                return Reply.html(self.posting_page())
            if path == f"/positions/{SLUG}/apply":
                return Reply.html(self.form_page())
            if path == "/api/places":
                return Reply.json([f"{p['city']}, {p['country']}" for p in find_places(request.arg("q") or "")])
        if request.method == "POST" and path == f"/api/positions/{SLUG}/applications":
            return self.submit(request)
        return Reply.html(page("Not found", "<h1>Not found</h1>"), 404)

    def posting_page(self) -> str:
        body = (f'<header><p>{esc(self.company)} careers</p></header><main><h1>{esc(self.title)}</h1>'
                '<p>Hamburg or remote in the EU · full time</p><p>Keep our warehouse robots fed with work: Python '
                'services, PostgreSQL, and the tooling around them.</p>'
                f'<p><a class="cta" href="/positions/{SLUG}/apply">Apply now</a></p></main>')
        return page(f"{self.title} · {self.company}", body, css=CSS)

    def form_page(self) -> str:
        def req(name: str) -> str:
            return f'data-q="{name}" data-required="{"true" if QUESTIONS[name][1] else "false"}"'

        star = ' <abbr title="required">*</abbr>'
        step1 = (
            '<section class="step" aria-labelledby="h1"><h2 id="h1">About you</h2>'
            f'<div class="row" {req("applicant.name")}><span class="lbl" id="l-name">Full name{star}</span>'
            '<input name="applicant.name" aria-labelledby="l-name" aria-required="true" autocomplete="name"></div>'
            f'<div class="row" {req("applicant.email")}><span class="lbl" id="l-email">Email address{star}</span>'
            '<input name="applicant.email" type="email" aria-labelledby="l-email" aria-required="true"></div>'
            f'<div class="row" {req("applicant.phone")}><span class="lbl" aria-hidden="true">Phone{star}</span>'
            '<input name="applicant.phone" type="tel" aria-label="Phone number" aria-required="true"></div>'
            f'<div class="row" {req("applicant.city")}><label class="lbl" for="city">Where are you based?{star}</label>'
            '<input id="city" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="city-options" '
            'aria-required="true" autocomplete="off"><ul role="listbox" id="city-options" hidden></ul>'
            '<input type="hidden" name="applicant.city"></div>'
            + (turnstile_widget() + "<p>Verify you are human by completing the action below.</p>" if self.captcha else "")
            + '<div class="nav"><button type="button" data-go="next">Continue</button></div></section>')
        step2 = (
            '<section class="step" aria-labelledby="h2"><h2 id="h2">Your experience</h2>'
            f'<div class="row" {req("cv")}><label class="lbl" for="cv">Upload your CV{star}</label>'
            '<input id="cv" name="cv" type="file" accept=".pdf,.doc,.docx"></div>'
            f'<div class="row" {req("cover")}><label class="lbl" for="cover">Cover letter (optional)</label>'
            '<input id="cover" name="cover" type="file" accept=".pdf,.doc,.docx"></div>'
            f'<div class="row" {req("python_years")}><label class="lbl" for="py">Years of experience with Python{star}</label>'
            '<input id="py" name="python_years" type="number" min="0" max="60"></div>'
            f'<div class="row" {req("eu_work")}><span class="lbl" id="l-eu">Are you authorised to work in the EU?{star}</span>'
            '<div role="radiogroup" aria-labelledby="l-eu" aria-required="true" class="choices">'
            '<label><input type="radio" name="eu_work" value="yes"> Yes</label>'
            '<label><input type="radio" name="eu_work" value="no"> No</label></div></div>'
            f'<div class="row" {req("notice")}><label class="lbl" for="notice">Notice period{star}</label>'
            '<select id="notice" name="notice"><option value="">Please choose</option>'
            + "".join(f'<option value="{esc(n)}">{esc(n)}</option>' for n in NOTICE) + '</select></div>'
            f'<div class="row" {req("stack")}><span class="lbl" id="l-stack">Technologies you use daily</span>'
            '<ul role="listbox" aria-labelledby="l-stack" aria-multiselectable="true">'
            + "".join(f'<li role="option" aria-selected="false">{esc(s)}</li>' for s in STACK) + '</ul></div>'
            '<div class="nav"><button type="button" data-go="back">Back</button>'
            '<button type="button" data-go="next">Continue</button></div></section>')
        step3 = (
            '<section class="step" aria-labelledby="h3"><h2 id="h3">Last questions</h2>'
            f'<div class="row" {req("motivation")}><label class="lbl" for="why">Why Kestrel Robotics?{star}</label>'
            '<textarea id="why" name="motivation" rows="5"></textarea></div>'
            f'<div class="row" {req("salary")}><label class="lbl" for="salary">Expected yearly salary (EUR)</label>'
            '<input id="salary" name="salary" inputmode="numeric"></div>'
            f'<div class="row" {req("consent")}><input id="consent" type="checkbox" name="consent" value="yes" '
            f'aria-required="true"> <label for="consent" style="display:inline">{esc(QUESTIONS["consent"][0])}</label></div>'
            '<div class="nav"><button type="button" data-go="back">Back</button>'
            '<button type="submit" data-go="send">Send application</button></div></section>')
        body = (f'<main><h1>Apply: {esc(self.title)}</h1><p>{esc(self.company)}</p>'
                f'<form action="/api/positions/{SLUG}/applications" method="post" enctype="multipart/form-data" novalidate>'
                f'{step1}{step2}{step3}</form></main>')
        return page(f"Apply · {self.title}", body, css=CSS, script=FORM_JS)

    def submit(self, request: Request) -> Reply:
        fields, files = parse_form(request)
        errors: dict[str, str] = {}
        answers: dict[str, Any] = {}
        for name, (label, required) in QUESTIONS.items():
            if name in ("cv", "cover"):
                upload = files.get(name)
                if upload is not None and upload.data:
                    answers[label] = upload.filename
                elif required:
                    errors[name] = "Attach your CV (PDF or Word)."
                continue
            value = (fields.get(name) or [""])[0].strip()
            if not value:
                if required:
                    errors[name] = NEEDED
                continue
            if name == "applicant.email" and not EMAIL.match(value):
                errors[name] = "Enter an email address like name@example.com."
            elif name == "applicant.phone" and not PHONE.match(value):
                errors[name] = "Enter a phone number using digits, spaces and an optional leading +."
            elif name == "python_years" and not value.isdigit():
                errors[name] = "Enter a whole number of years."
            elif name == "notice" and value not in NOTICE:
                errors[name] = "Choose one of the options."
            elif name == "stack":
                value = [v for v in value.split("|") if v]  # type: ignore[assignment]
                if any(v not in STACK for v in value):
                    errors[name] = "Choose from the list."
            answers[label] = value
        submission = Submission(fields, files, answers, errors)
        self.record(submission)
        if errors:
            return Reply.json({"ok": False, "errors": [{"field": f, "message": m} for f, m in errors.items()]}, 422)
        return Reply.json({"ok": True, "reference": f"KR-{1000 + len(self.received)}", "title": self.title})
