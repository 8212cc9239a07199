"""Reading and filling application forms the way a person does: by label and ARIA role.

Shared by the generic form adapter and the Greenhouse, Lever and Ashby adapters. A
field is found by its label (Playwright get_by_label), its role and accessible name
(get_by_role), or, where a board documents one, by its question container and the
container's title. Element ids are never used to find a field: they differ per
board, per posting and sometimes per page load.

Kinds of FormQuestion produced here (base.py lists the first seven):
text, number, email, textarea, select, yesno, file, plus multiselect (several
options; the answer holds one option per line), checkbox (a single box such as a
consent; answer yes/no), location (typed, then a suggestion is picked), url
(a link such as LinkedIn) and date.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .base import ApplicationError, FormQuestion, JobDetails, SubmitResult


class NeedsAnswer(ApplicationError):
    """Required questions the answers component could not answer (or whose answer fits none of the
    options): the user must answer them, then the application can be resumed with those answers."""

    def __init__(self, questions: list[FormQuestion]):
        self.questions = list(questions)
        super().__init__("Needs your answer: " + "; ".join(q.label for q in self.questions))


class NeedsHuman(ApplicationError):
    """A captcha or other human check is on the page: the bot stops there, it never solves or evades one."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"A person must continue this application: {reason}")


class FormRejected(ApplicationError):
    """The form refused the answers; messages are its own validation texts ("Phone: Enter a valid ...")."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages) or ["the form was not accepted"]
        super().__init__("The form was not accepted: " + "; ".join(self.messages))


@dataclass
class FormResult(SubmitResult):
    """What an application form run did: submitted or (review mode) only filled, with what was entered."""

    screenshots: list[Path] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)  # question label -> value entered


class AnswerSource(Protocol):
    """What the adapters ask for answers (bot.answers.Answerer is one). An answerer may also offer
    ``answer_sensitive(q, job)``: the user's own choices for demographic questions (their pronouns,
    "decline to answer"), the only answers a sensitive question takes besides the saved ones."""

    def answer(self, q: FormQuestion, job: JobDetails) -> str | None: ...


MARKERS = "*\u2731\u273f"  # *, ✱ (Lever), ✿ (a Lever card variant)
RESUME_LABEL = re.compile(r"\b(resume|résumé|cv|curriculum vitae)\b", re.I)
LOCATION_LABEL = re.compile(r"\b(location|city|town|where (are|do) you (based|live|located))\b", re.I)
LINK_LABEL = re.compile(r"\b(linkedin|github|twitter|portfolio|website|web site|homepage|url|link)\b", re.I)
# Demographic and other sensitive questions are answered only from what the user saved, never guessed.
SENSITIVE_LABEL = re.compile(
    r"\b(gender|sex|race|racial|ethnicity|ethnic|hispanic|latin[oax]|veteran|disabilit(y|ies)|pronouns?|"
    r"sexual orientation|transgender|lgbt\w*|religio\w*|date of birth|birth ?date)\b", re.I)
TRUTHY = {"yes", "y", "true", "1", "on", "checked", "agree", "i agree", "accept", "i accept"}
FALSY = {"no", "n", "false", "0", "off", "unchecked", "decline", "disagree"}
SUBMIT_NAME = re.compile(r"^\s*(submit|send|apply|finish)\b(?!.*\b(with|via|using)\b)[\w\s]{0,25}$", re.I)
NEXT_NAME = re.compile(r"^\s*(next|continue|save (and|&) continue|next step)\b[\w\s]{0,20}$", re.I)
DATE_PLACEHOLDER = re.compile(r"mm\s*/\s*dd\s*/\s*yyyy|dd\s*/\s*mm\s*/\s*yyyy|yyyy-mm-dd", re.I)


def normalize_question(text: str) -> str:
    """The key a saved answer is stored under: lower case, single spaces, no required marker."""
    text = " ".join((text or "").split()).lower()
    while text and (text[-1] in MARKERS or text.endswith("(required)")):
        text = text.removesuffix("(required)").rstrip(MARKERS).strip()
    return text.rstrip(":").strip()


def _js_escape(text: str) -> str:
    """Escape for a pattern both Python and JavaScript read the same way (Playwright runs it as JS)."""
    return re.sub(r"([.*+?^${}()|\[\]\\/])", r"\\\1", text)


def label_pattern(label: str, marker: bool = True) -> re.Pattern[str]:
    """The label as a whole, any spacing, case-insensitive, optionally followed by a required marker."""
    body = r"\s+".join(_js_escape(w) for w in label.split())
    tail = rf"\s*(?:[{MARKERS}]|\(required\))?" if marker else ""
    return re.compile(rf"^\s*{body}{tail}\s*$", re.I)


def match_option(options: list[str], answer: str) -> str | None:
    """The option an answer means: equal (ignoring case and spacing), else one containing it as whole
    words (so "Male" never picks "Female"), else one it contains."""
    want = " ".join(str(answer).split()).lower()
    if not want:
        return None
    flat = [" ".join(o.split()).lower() for o in options]
    if want in flat:
        return options[flat.index(want)]
    words = re.compile(r"(?<!\w)" + re.escape(want) + r"(?!\w)")
    hits = [o for o, f in zip(options, flat) if words.search(f)]
    if len(hits) == 1:
        return hits[0]
    inside = [o for o, f in zip(options, flat) if f and re.search(r"(?<!\w)" + re.escape(f) + r"(?!\w)", want)]
    return inside[0] if len(inside) == 1 else (hits[0] if hits else None)


def split_values(value: str | Iterable[str]) -> list[str]:
    """A multi-select answer: a list, or one option per line (or separated by semicolons)."""
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[\n;]", value) if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def parse_date(value: str) -> dt.date | None:
    """YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY; None for anything else (such as "two weeks after an offer")."""
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def configured_hosts(*env_names: str) -> set[str]:
    """host:port of boards served elsewhere (a loopback replica, a proxy) named by these variables."""
    return {urlsplit(os.environ.get(name, "")).netloc for name in env_names} - {""}


# -- page-side scripts ------------------------------------------------------------------------------
# They read the structure (labels, ARIA relations, groups) and return plain data; every action
# then goes through a Playwright locator built from a label or role, never from an id.

_JS_HELPERS = r"""
  const norm = s => (s || '').replace(/[\s\u00a0]+/g, ' ').trim();
  const MARK = /\s*(?:[*\u2731\u273f]|\(required\))\s*$/i;
  const strip = s => { let t = norm(s), marked = false;
    while (t && MARK.test(t)) { t = t.replace(MARK, '').trim(); marked = true; } return [t, marked]; };
  const rendered = el => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const SKIP = 'input,select,textarea,button,[role=listbox],[role=option],[role=alert],[aria-live],[class*=error],'
    + '[class*=Error],script,style,template';
  const textOf = el => { if (!el) return ''; const c = el.cloneNode(true);
    c.querySelectorAll(SKIP).forEach(n => n.remove()); return norm(c.textContent); };
  const refText = ids => norm((ids || '').split(/\s+/).filter(Boolean)
    .map(id => textOf(document.getElementById(id))).join(' '));
  const scope = (opts.root && document.querySelector(opts.root)) || document.body;
  const containerOf = el => opts.container ? el.closest(opts.container) : null;
  const titleOf = c => { if (!c || !opts.title) return '';
    const t = [...c.querySelectorAll(opts.title)].find(x => containerOf(x) === c); return t ? textOf(t) : ''; };
  const ownLabel = el => {
    if (el.getAttribute('aria-labelledby')) { const t = refText(el.getAttribute('aria-labelledby')); if (t) return [t, 'aria']; }
    if (el.getAttribute('aria-label')) return [norm(el.getAttribute('aria-label')), 'aria'];
    for (const l of el.labels || []) { const t = textOf(l); if (t) return [t, 'label']; }
    return ['', ''];
  };
  const groupOf = el => el.parentElement && el.parentElement.closest('fieldset,[role=radiogroup],[role=group]');
  const groupLabel = g => { if (!g) return '';
    if (g.getAttribute('aria-labelledby')) { const t = refText(g.getAttribute('aria-labelledby')); if (t) return t; }
    if (g.getAttribute('aria-label')) return norm(g.getAttribute('aria-label'));
    if (g.tagName === 'FIELDSET') { const lg = [...g.children].find(c => c.tagName === 'LEGEND'); if (lg) return textOf(lg); }
    return ''; };
  const groupRole = g => g ? (g.getAttribute('role') || (g.tagName === 'FIELDSET' ? 'group' : '')) : '';
  const nearLabel = el => { let a = el.parentElement;
    for (let k = 0; a && k < 4; k++, a = a.parentElement) {
      const l = [...a.querySelectorAll('label,legend')].find(x => !x.contains(el) && rendered(x) && textOf(x));
      if (l) return textOf(l); }
    return ''; };
  const isChoice = el => ['radio', 'checkbox'].includes(el.type) || ['radio', 'checkbox'].includes(el.getAttribute('role'));
  const labelOf = el => { let t = isChoice(el) ? (groupLabel(groupOf(el)) || titleOf(containerOf(el))) : '';
    if (!t) [t] = ownLabel(el); if (!t) t = groupLabel(groupOf(el));
    if (!t) t = titleOf(containerOf(el)); if (!t) t = nearLabel(el); return strip(t)[0]; };
"""

SCAN_JS = "(opts) => {" + _JS_HELPERS + r"""
  const out = [], stash = [], seen = new Set();
  const add = (el, f) => { f.i = stash.length; stash.push(el); out.push(f); };
  const reqOf = (el, g, c) => !!(el && (el.required || el.getAttribute('aria-required') === 'true'))
    || !!(g && g.getAttribute('aria-required') === 'true')
    || !!(c && opts.requiredMarker && c.querySelector(opts.requiredMarker));
  const toggleNear = el => { const p = el.parentElement;
    return !!(p && (p.querySelector('button[aria-pressed]') || (p.parentElement && p.parentElement.querySelector('button[aria-pressed]')))); };
  const shownChoice = el => rendered(el) || ([...(el.labels || [])].some(rendered) && !toggleNear(el));
  const choiceLabel = el => { const [t] = ownLabel(el); return strip(t || textOf(el) || el.value || '')[0]; };
  const questionFor = (g, c, first) => { let t = groupLabel(g), src = t ? 'group' : '';
    if (!t && c) { t = titleOf(c); src = t ? 'container' : ''; }
    if (!t) { t = nearLabel(first); src = t ? 'near' : ''; }
    const [label, marked] = strip(t); return [label, marked, src]; };
  const els = scope.querySelectorAll('input,select,textarea,[role=combobox],[role=listbox],[role=radio],[role=checkbox],button[aria-pressed]');
  for (const el of els) {
    if (seen.has(el)) continue;
    const tag = el.tagName, role = el.getAttribute('role') || '';
    const type = tag === 'INPUT' ? (el.getAttribute('type') || 'text').toLowerCase() : '';
    if (['hidden', 'submit', 'button', 'reset', 'image', 'password'].includes(type)) continue;
    if (el.disabled || (el.closest('[aria-hidden=true]') && type !== 'file')) continue;
    if (opts.containedOnly && !containerOf(el)) continue;
    const c = containerOf(el);
    if (type === 'file') {
      if (!rendered(el) && !rendered(el.parentElement) && !rendered(el.parentElement && el.parentElement.parentElement)) continue;
    } else if (type === 'radio' || type === 'checkbox') {
      if (!shownChoice(el)) continue;
    } else if (!rendered(el)) continue;

    if (type === 'radio' || role === 'radio') {
      const g = groupOf(el);
      let members = (type === 'radio' && el.name)
        ? [...scope.querySelectorAll('input[type=radio]')].filter(r => r.name === el.name && r.form === el.form)
        : [...(g || el.parentElement).querySelectorAll(type === 'radio' ? 'input[type=radio]' : '[role=radio]')];
      members.forEach(m => seen.add(m));
      members = members.filter(shownChoice);
      const [label, marked, src] = questionFor(g, c, el);
      add(el, {widget: 'radio', label, labelSource: src, required: marked || members.some(m => reqOf(m, g, c)),
        groupRole: groupRole(g), containerTitle: strip(titleOf(c))[0], options: members.map(choiceLabel),
        optionRole: 'radio'});
      continue;
    }
    if (type === 'checkbox' || role === 'checkbox') {
      const g = groupOf(el);
      let members = [];
      if (type === 'checkbox' && el.name)
        members = [...scope.querySelectorAll('input[type=checkbox]')].filter(x => x.name === el.name && x.form === el.form);
      else if (g) members = [...g.querySelectorAll('input[type=checkbox]:not([name]),[role=checkbox]')];
      members = members.filter(shownChoice);
      if (members.length > 1) {
        members.forEach(m => seen.add(m));
        const [label, marked, src] = questionFor(g, c, el);
        add(el, {widget: 'checkboxes', label, labelSource: src, required: marked || reqOf(null, g, c),
          groupRole: groupRole(g), containerTitle: strip(titleOf(c))[0], options: members.map(choiceLabel),
          optionRole: 'checkbox'});
        continue;
      }
    }
    if (tag === 'BUTTON') {
      const p = el.parentElement;
      const members = [...p.children].filter(b => b.matches('button[aria-pressed]') && rendered(b));
      members.forEach(m => seen.add(m));
      if (members.length < 2) continue;
      const g = groupOf(el);
      const [label, marked, src] = questionFor(g, c, p);
      add(el, {widget: 'toggle', label, labelSource: src, required: marked || reqOf(null, g, c),
        groupRole: groupRole(g), containerTitle: strip(titleOf(c))[0], options: members.map(b => norm(b.textContent)),
        optionRole: 'button'});
      continue;
    }
    if (role === 'listbox' && tag !== 'SELECT') {
      if (el.id && document.querySelector(`[aria-controls~="${CSS.escape(el.id)}"],[aria-owns~="${CSS.escape(el.id)}"]`)) continue;
    }
    let [label, src] = ownLabel(el);
    let groupInfo = '';
    if (!label && type === 'file') { const g = groupOf(el); label = groupLabel(g); if (label) { src = 'group'; groupInfo = groupRole(g); } }
    if (!label && c) { label = titleOf(c); src = label ? 'container' : ''; }
    if (!label && el.getAttribute('placeholder')) { label = norm(el.getAttribute('placeholder')); src = 'placeholder'; }
    const [core, marked] = strip(label);
    const f = {label: core, labelSource: src, required: marked || reqOf(el, groupOf(el), c),
      containerTitle: strip(titleOf(c))[0], groupRole: groupInfo, placeholder: norm(el.getAttribute('placeholder') || ''),
      options: [], multiple: false};
    if (type === 'file') { f.widget = 'file'; f.role = ''; }
    else if (tag === 'SELECT') {
      f.widget = el.multiple ? 'multiselect-native' : 'select'; f.role = el.multiple || el.size > 1 ? 'listbox' : 'combobox';
      f.multiple = el.multiple;
      f.options = [...el.options].filter(o => !o.disabled && o.value !== '').map(o => norm(o.label || o.textContent));
    } else if (role === 'combobox') {
      f.widget = 'combobox'; f.role = 'combobox';
      f.autocomplete = el.getAttribute('aria-autocomplete') || '';
    } else if (role === 'listbox') {
      f.widget = 'listbox'; f.role = 'listbox'; f.multiple = el.getAttribute('aria-multiselectable') === 'true';
      f.options = [...el.querySelectorAll('[role=option]')].filter(rendered).map(o => norm(o.textContent));
    } else if (type === 'checkbox') {
      f.widget = 'checkbox'; f.role = 'checkbox';
      if (!core || src === 'container') { const [own] = ownLabel(el); if (own) f.label = strip(own)[0]; }
    } else {
      f.widget = 'text'; f.inputType = tag === 'TEXTAREA' ? 'textarea' : type;
      f.role = tag === 'TEXTAREA' ? 'textbox' : (type === 'number' ? 'spinbutton' : (['text', 'email', 'tel', 'url', 'search', ''].includes(type) ? 'textbox' : ''));
    }
    add(el, f);
  }
  window.__jobelixScan = stash;
  return out;
}"""

# Which of a locator's matches is the scanned control (or the group holding it): -1 when none is.
FIND_JS = "(els, i) => window.__jobelixScan ? els.indexOf(window.__jobelixScan[i]) : -1"
FIND_GROUP_JS = "(els, i) => window.__jobelixScan ? els.findIndex(g => g.contains(window.__jobelixScan[i])) : -1"
# The options an open select-like combobox shows (in the listbox it controls), waiting briefly for them.
MENU_JS = r"""async el => {
  const rendered = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  for (let k = 0; k < 15; k++) {
    const ref = (el.getAttribute('aria-controls') || el.getAttribute('aria-owns') || '').split(' ')[0];
    const box = ref ? document.getElementById(ref) : null;
    const options = [...(box || document).querySelectorAll('[role=option]')].filter(rendered);
    if (options.length) return {options: options.map(o => (o.textContent || '').replace(/\s+/g, ' ').trim()),
                                multiple: !!box && box.getAttribute('aria-multiselectable') === 'true'};
    await new Promise(r => setTimeout(r, 100));
  }
  return null;
}"""

# Visible validation messages: invalid fields with their described or nearby message, alerts, and the
# browser's own constraint validation; each as "Label: message".
ERRORS_JS = "(opts) => {" + _JS_HELPERS + r"""
  const out = [], used = new Set();
  const looksError = e => e.getAttribute('role') === 'alert' || e.hasAttribute('aria-live')
    || /error|invalid/i.test(typeof e.className === 'string' ? e.className : '');
  const shortText = e => { const t = norm(e.innerText || e.textContent); return t && t.length <= 300 ? t : ''; };
  const near = el => {
    const ids = [el.getAttribute('aria-errormessage'), el.getAttribute('aria-describedby')].join(' ').split(/\s+/).filter(Boolean);
    for (const id of ids) { const e = document.getElementById(id);
      if (e && rendered(e) && (looksError(e) || id === el.getAttribute('aria-errormessage')) && shortText(e)) return e; }
    let a = el.parentElement;
    for (let k = 0; a && k < 4; k++, a = a.parentElement) {
      const e = [...a.querySelectorAll('[role=alert],[class*=error],[class*=Error]')].find(x => rendered(x) && !used.has(x)
        && !x.matches('label,input,select,textarea') && !x.querySelector('input,select,textarea') && shortText(x));
      if (e) return e; }
    return null; };
  const push = (label, msg) => { const line = label && msg && !msg.toLowerCase().startsWith(label.toLowerCase()) ? `${label}: ${msg}` : (msg || label);
    if (line && !out.includes(line)) out.push(line); };
  for (const el of scope.querySelectorAll('[aria-invalid=true]')) {
    const e = near(el); if (e) used.add(e);
    push(labelOf(el), e ? shortText(e) : 'invalid');
  }
  // Messages not tied to an invalid field: next to one question (named by it), or a banner (anywhere on the page).
  const CONTROL = 'input:not([type=hidden]),select,textarea,[role=combobox],[role=listbox],button[aria-pressed]';
  for (const e of document.querySelectorAll('[role=alert],[class*=error],[class*=Error]')) {
    if (used.has(e) || !rendered(e) || e.matches('label,input,select,textarea,form') || e.querySelector('input,select,textarea')) continue;
    if ([...used].some(u => u.contains(e) || e.contains(u))) continue;
    const t = shortText(e); if (!t) continue;
    used.add(e);
    let a = e.parentElement, ctl = null;
    for (let k = 0; a && k < 3 && !ctl; k++, a = a.parentElement) {
      const inside = [...a.querySelectorAll(CONTROL)];
      if (new Set(inside.map(c => c.name || c)).size > 1) break;  // several questions: a banner
      ctl = inside[0] || null;
    }
    push(ctl ? labelOf(ctl) : '', t);
  }
  if (opts.native) for (const el of scope.querySelectorAll('input,select,textarea')) {
    if (el.type === 'hidden' || !el.willValidate || el.checkValidity() || !(rendered(el) || (el.labels && [...el.labels].some(rendered)))) continue;
    push(labelOf(el), el.validationMessage);
  }
  return out;
}"""

# A human check the bot must not pass: a visible captcha widget or challenge, or a page asking to prove
# one is human. Invisible captchas (reCAPTCHA v3 badge, invisible hCaptcha) are not a stop by themselves:
# the board decides at submit, and a challenge it then shows is caught here.
HUMAN_CHECK_JS = r"""() => {
  const shown = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width >= 30 && r.height >= 30 && s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity || '1') > 0.05; };
  for (const f of document.querySelectorAll('iframe')) {
    const src = (f.getAttribute('src') || '') + ' ' + (f.getAttribute('title') || '');
    if (/size=invisible/i.test(src) || f.closest('.grecaptcha-badge')) continue;
    const m = src.match(/recaptcha|hcaptcha|challenges\.cloudflare\.com|turnstile|arkoselabs|funcaptcha|captcha/i);
    if (m && shown(f)) return `a ${m[0]} challenge is shown`;
  }
  for (const el of document.querySelectorAll('.g-recaptcha,.h-captcha,.cf-turnstile,.frc-captcha')) {
    if ((el.getAttribute('data-size') || '') === 'invisible') continue;
    if (shown(el)) return 'a captcha widget is shown';
  }
  const text = document.body ? document.body.innerText : '';
  const m = text.match(/verify (?:that )?you(?:'re| are) (?:a )?human|i'?m not a robot|are you a robot|complete the (?:security )?(?:check|captcha)|press (?:and|&) hold|checking (?:if the site connection is secure|your browser)|just a moment\.\.\.|enter the (?:security|verification) code/i);
  return m ? `the page asks: "${m[0]}"` : null;
}"""

# The confirmation a form shows once it is sent (generic reading: a success sentence, with its heading).
SUCCESS_JS = r"""() => {
  const ok = /thank(?:s| you)\b[^.!]{0,80}\b(?:appl|submi|interest)|application (?:has been |was |is )?(?:received|submitted|sent|complete)|(?:successfully|been) (?:submitted|applied|received)|we(?:'ve| have) received your application/i;
  const norm = s => (s || '').replace(/[\s\u00a0]+/g, ' ').trim();
  const rendered = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const hits = [...document.querySelectorAll('h1,h2,h3,h4,p,[role=status],[role=alert],div,section,main')]
    .filter(el => rendered(el) && ok.test(el.innerText || '')).sort((a, b) => a.innerText.length - b.innerText.length);
  if (!hits.length) return null;
  let box = hits[0];
  if (/^H[1-4]$/.test(box.tagName) && box.parentElement && norm(box.parentElement.innerText).length < 600) box = box.parentElement;
  return norm(box.innerText).slice(0, 500);
}"""


@dataclass
class Field:
    """One question on the page and how to reach it again (a label/role/container locator)."""

    question: FormQuestion
    widget: str  # text | select | multiselect-native | combobox | listbox | radio | checkboxes | toggle | checkbox | file
    locator: Any  # playwright Locator
    input_type: str = ""
    option_role: str = ""
    multiple: bool = False
    typeahead: bool = False
    sensitive: bool = False
    date_format: str = ""


def kind_for(raw: Mapping[str, Any], options: list[str], typeahead: bool) -> str:
    """The FormQuestion kind of a scanned control (see the module docstring)."""
    widget, label = raw["widget"], raw.get("label", "")
    if widget == "file":
        return "file"
    if widget in ("checkboxes", "multiselect-native") or (widget in ("listbox", "combobox") and raw.get("multiple")):
        return "multiselect"
    if widget == "checkbox":
        return "checkbox"
    if widget in ("select", "radio", "toggle", "listbox", "combobox") and options:
        return "yesno" if sorted(o.lower() for o in options) == ["no", "yes"] else "select"
    if widget == "combobox" or typeahead:  # options appear only once typed into
        return "location" if LOCATION_LABEL.search(label) else "select"
    input_type = raw.get("inputType", "")
    if input_type == "textarea":
        return "textarea"
    if input_type == "email":
        return "email"
    if input_type == "number":
        return "number"
    if input_type == "date" or DATE_PLACEHOLDER.search(raw.get("placeholder", "")):
        return "date"
    if input_type == "url" or (LINK_LABEL.search(label) and not re.search(r"\?", label)):
        return "url"
    if LOCATION_LABEL.search(label) and input_type in ("text", "search", ""):
        return "location"
    return "text"


def convert_answer(f: Field, value: Any, resume: Path | None) -> Any:
    """The answer in the form the widget takes (matched option, list, bool, date, path); None when it fits
    none of the options or is not a valid value for the field."""
    q = f.question
    if q.kind == "file":
        if value:
            path = Path(str(value))
            return path if path.is_file() else None
        return resume if (resume is not None and RESUME_LABEL.search(q.label)) else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if f.typeahead:  # typed, then the form's own suggestion is picked
        return str(value).strip()
    if q.kind == "checkbox":
        text = str(value).strip().lower()
        return True if text in TRUTHY else (False if text in FALSY else None)
    if q.kind == "multiselect":
        chosen = [match_option(q.options, v) for v in split_values(value)] if q.options else split_values(value)
        return None if not chosen or None in chosen else list(dict.fromkeys(chosen))
    if q.kind == "yesno":
        text = str(value).strip().lower()
        text = "yes" if text in TRUTHY else ("no" if text in FALSY else text)
        return match_option(q.options, text)
    if q.kind == "select":
        return match_option(q.options, str(value))
    if q.kind == "date":
        day = parse_date(str(value))
        if day is None:
            return None
        return day.strftime("%m/%d/%Y") if f.date_format.lower().startswith("mm") else (
            day.strftime("%d/%m/%Y") if f.date_format.lower().startswith("dd") else day.isoformat())
    if q.kind == "number":
        match = re.search(r"-?\d+(?:\.\d+)?", str(value).replace(",", ""))
        return match.group(0) if match else None
    return str(value)


def display(value: Any) -> str:
    """How an entered value is reported back (FormResult.answers)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Path):
        return value.name
    if isinstance(value, list):
        return "\n".join(map(str, value))
    return str(value)
