"""Any application form, read by its labels and ARIA roles (never by element ids).

GenericFormAdapter is also the base of the Greenhouse, Lever and Ashby adapters:
they only say where the form is, how its questions are grouped, which button
sends it and how the board confirms. Everything else (describing the fields,
asking for answers, filling every kind of widget, multi-step pages, reading the
form's validation messages, stopping at a captcha, review mode) lives here.

Use it through the SiteAdapter steps (open_job, open_application,
fill_application, submit_application) like any board, or in one call:

    result = adapter.apply(ref, resume_pdf, answerer, answers=saved_answers,
                           review_screenshot=Path("review.png"))

Attributes the steps read (apply() sets them): ``answerer`` (asked for questions
that appear after the first page: later steps, conditional fields),
``supplied_answers`` (the user's own answers by question name or normalised
label; they win over the answerer and are the only source for demographic
questions) and ``review_screenshot`` (fill, save a full-page screenshot there,
never click submit; earlier pages of a multi-step form go to
``<stem>.step<N><suffix>``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ..profile import Profile
from .base import ApplicationError, FormQuestion, JobDetails, JobRef, SiteAdapter, SiteError
from .forms import (
    ERRORS_JS,
    FIND_GROUP_JS,
    FIND_JS,
    HUMAN_CHECK_JS,
    LOCATION_LABEL,
    MENU_JS,
    NEXT_NAME,
    SCAN_JS,
    SENSITIVE_LABEL,
    SUBMIT_NAME,
    SUCCESS_JS,
    AnswerSource,
    Field,
    FormRejected,
    FormResult,
    NeedsAnswer,
    NeedsHuman,
    convert_answer,
    display,
    kind_for,
    label_pattern,
    match_option,
    normalize_question,
)

JOB_JS = """() => {
  const text = el => el ? (el.innerText || '').replace(/\\s+/g, ' ').trim() : '';
  const meta = n => { const m = document.querySelector(`meta[property="${n}"],meta[name="${n}"]`); return m ? m.content.trim() : ''; };
  return {title: text(document.querySelector('h1')) || text(document.querySelector('h2')) || document.title,
          company: meta('og:site_name'),
          description: text(document.querySelector('main,article,[role=main]') || document.body).slice(0, 5000)};
}"""
CONTROLS = "input:not([type=hidden]), textarea, select, [role=combobox], [role=listbox], button[aria-pressed]"
APPLY_NAME = re.compile(r"^\s*apply(\s+now|\s+for\s+this\s+(job|position|role))?\s*$", re.I)


class GenericFormAdapter(SiteAdapter):
    name = "Application form"
    source = "generic"
    login_required = False
    # What a board may document about its form; the generic adapter knows none of it.
    form_selector: str | None = None  # the form element
    question_container: str | None = None  # one element per question
    question_title: str | None = None  # the question's title inside its container
    required_marker: str | None = None  # an element inside the container marking it required
    contained_only = False  # ignore controls outside question containers
    submit_name: re.Pattern[str] = SUBMIT_NAME
    max_steps = 12

    @classmethod
    def job_for_url(cls, url: str) -> tuple[str, JobRef] | None:
        """Never: the generic adapter is chosen explicitly (get_adapter("generic")), not by URL."""
        return None

    def __init__(self, page, base_url: str, timeout_ms: int = 30_000):
        super().__init__(page, base_url, timeout_ms)
        self.answerer: AnswerSource | None = None
        self.supplied_answers: dict[str, str] = {}
        self.review_screenshot: Path | None = None
        self.job: JobDetails | None = None
        self._resume: Path | None = None
        self._fields: dict[str, Field] = {}
        self._done: set[str] = set()
        self._filled: dict[str, str] = {}
        self._screens: list[Path] = []

    # -- one call ---------------------------------------------------------------------------------
    def apply(self, job: JobRef, resume: Path, answerer: AnswerSource | None = None, *,
              answers: Mapping[str, str] | None = None, review_screenshot: Path | None = None) -> FormResult:
        """Open the posting (a JobDetails already read is kept), fill its form and send it (or, with
        review_screenshot, only fill and screenshot it). Raises NeedsAnswer, NeedsHuman, FormRejected
        or ApplicationError."""
        self.answerer = answerer
        self.supplied_answers = dict(answers or {})
        self.review_screenshot = Path(review_screenshot) if review_screenshot else None
        if isinstance(job, JobDetails):
            if self.page.url != job.url:
                self.open_job(job)
            details = job
        else:
            details = self.open_job(job)
        questions = self.open_application(details)
        self.fill_application(questions, {}, resume)
        return self.submit_application()

    # -- SiteAdapter ------------------------------------------------------------------------------
    def login(self, email: str, password: str) -> None:
        return None  # application forms open without an account

    def search(self, profile: Profile) -> list[JobRef]:
        raise SiteError(f"{self.name}: the bot applies to postings Jobelix found; it does not search this board")

    def open_job(self, ref: JobRef) -> JobDetails:
        self.page.goto(ref.url)
        return self.read_job(ref)

    def read_job(self, ref: JobRef) -> JobDetails:
        info = self.form_root().evaluate(JOB_JS)
        return JobDetails(id=ref.id, url=ref.url, title=ref.title or info["title"],
                          company=ref.company or info["company"], location=ref.location,
                          description=info["description"])

    def open_application(self, job: JobDetails) -> list[FormQuestion]:
        self.job = job
        self._fields, self._done, self._filled, self._screens = {}, set(), {}, []
        self.goto_form(job)
        root = self.form_root()
        self.wait_for_form(root)
        self.check_human()
        fields = self.scan()
        if not fields:
            raise ApplicationError(f"{self.name}: no application form found at {self.page.url}")
        return [f.question for f in fields]

    def fill_application(self, questions: list[FormQuestion], answers: dict[str, str], resume: Path) -> None:
        """Fill this page, then every later page of a multi-step form (Next/Continue), and any field
        that appears because of an answer. Nothing is filled on a page with an unanswered required
        question: NeedsAnswer lists them all."""
        self._resume = Path(resume) if resume else None
        fields = [self._fields[q.name] for q in questions if q.name in self._fields]
        for step in range(self.max_steps):
            self._fill_fields(fields, answers)
            for _ in range(3):  # conditional questions shown by an answer
                extra = self.scan(skip=self._done)
                if not extra:
                    break
                self._fill_fields(extra, answers)
            next_button = self.next_button(self.form_root())
            if next_button is None:
                return
            if self.review_screenshot is not None:
                self._screens.append(self._screenshot(step + 1))
            next_button.click()
            self._await_next_page()
            self.check_human()
            fields = self.scan(skip=self._done)
        raise ApplicationError(f"{self.name}: more than {self.max_steps} pages in the form")

    def submit_application(self) -> FormResult:
        root = self.form_root()
        self.check_human()
        if self.review_screenshot is not None:
            self._screens.append(self._screenshot(None))
            return FormResult(False, "", screenshots=list(self._screens), answers=dict(self._filled))
        button = self.submit_button(root)
        before = root.url
        self.click_submit(button)
        return self.await_outcome(root, before)

    # -- what a board adapter may override ----------------------------------------------------------
    def form_root(self) -> Frame:
        """The Page frame (or an iframe's Frame) holding the form."""
        return self.page.main_frame

    def goto_form(self, job: JobDetails) -> None:
        """Bring the form on screen: here, follow an Apply link when the page shows no form fields."""
        root = self.form_root()
        if root.locator(CONTROLS).filter(visible=True).count() > 1:  # a lone box is more likely a site search
            return
        for role in ("link", "button"):
            apply = root.get_by_role(role, name=APPLY_NAME).filter(visible=True)
            if apply.count():
                apply.first.click()
                return

    def wait_for_form(self, root: Frame) -> None:
        target = root.locator(self.form_selector) if self.form_selector else root.locator(CONTROLS).filter(visible=True)
        target.first.wait_for(state="visible")

    def next_button(self, root: Frame) -> Locator | None:
        found = root.get_by_role("button", name=NEXT_NAME).filter(visible=True)
        return found.first if found.count() else None

    def submit_button(self, root: Frame) -> Locator:
        found = root.get_by_role("button", name=self.submit_name).filter(visible=True)
        if not found.count():
            raise ApplicationError(f"{self.name}: no submit button on {root.url}")
        return found.first

    def click_submit(self, button: Locator) -> None:
        button.click()

    def suggestions(self, field: Field) -> Locator:
        """The suggestions a typeahead shows after typing (options of the listbox it controls)."""
        return self._popup(field.locator).get_by_role("option")

    def confirmation(self, root: Frame, before_url: str) -> str | None:
        """The confirmation text once the board accepted the application, else None. Generic: a
        success sentence on a page whose URL changed or whose submit button is gone."""
        text = root.evaluate(SUCCESS_JS)
        if not text:
            return None
        gone = not root.get_by_role("button", name=self.submit_name).filter(visible=True).count()
        return text if (gone or root.url != before_url) else None

    def read_errors(self, root: Frame) -> list[str]:
        return root.evaluate(ERRORS_JS, {"root": self.form_selector, "container": self.question_container,
                                         "title": self.question_title, "native": True})

    def check_human(self) -> None:
        """NeedsHuman when a captcha or human check is shown (on the page or in the form's frame)."""
        for frame in dict.fromkeys([self.page.main_frame, self.form_root()]):
            reason = frame.evaluate(HUMAN_CHECK_JS)
            if reason:
                raise NeedsHuman(f"{self.name}: {reason}")

    def await_outcome(self, root: Frame, before_url: str) -> FormResult:
        """After the click: the confirmation, or the form's validation messages, or a human check."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        last_error = ""
        while True:
            try:
                self.check_human()
                text = self.confirmation(root, before_url)
                if text:
                    return FormResult(True, text, answers=dict(self._filled))
                errors = self.read_errors(root)
                if errors:
                    self.page.wait_for_timeout(250)  # let the rest of the messages render
                    raise FormRejected(self.read_errors(root) or errors)
            except PlaywrightError as exc:  # the page is navigating: look again
                last_error = str(exc).splitlines()[0]
            if time.monotonic() > deadline:
                raise ApplicationError(f"{self.name}: no confirmation after submitting ({root.url})"
                                       + (f"; {last_error}" if last_error else ""))
            self.page.wait_for_timeout(150)

    # -- reading the form -----------------------------------------------------------------------------
    def _scan_options(self) -> dict[str, Any]:
        return {"root": self.form_selector, "container": self.question_container, "title": self.question_title,
                "requiredMarker": self.required_marker, "containedOnly": self.contained_only}

    @staticmethod
    def _names(raws: list[dict]) -> list[str]:
        seen: dict[str, int] = {}
        names = []
        for raw in raws:
            base = normalize_question(raw.get("label", "")) or f"{raw['widget']} field"
            seen[base] = seen.get(base, 0) + 1
            names.append(base if seen[base] == 1 else f"{base} #{seen[base]}")
        return names

    def scan(self, skip: set[str] | frozenset[str] = frozenset()) -> list[Field]:
        """Describe every visible question of the form (those named in skip excepted)."""
        root = self.form_root()
        raws = root.evaluate(SCAN_JS, self._scan_options())
        fields = []
        for raw, name in zip(raws, self._names(raws)):
            if name in skip:
                continue
            locator = self._locate(root, raw)
            if locator is None:
                continue  # nothing reachable by label, role or container: the form's own check will say
            field = self._field(root, raw, locator)
            field.question.name = name
            self._fields[name] = field
            fields.append(field)
        return fields

    def _container(self, root: Frame, title: str) -> Locator:
        assert self.question_container and self.question_title
        titled = root.locator(self.question_title).filter(has_text=label_pattern(title))
        return root.locator(self.question_container).filter(has=titled)

    def _locate(self, root: Frame, raw: dict) -> Locator | None:
        """A label/role/container locator that reaches exactly the scanned control (checked in the page)."""
        label, source, widget = raw.get("label", ""), raw.get("labelSource", ""), raw["widget"]
        pattern = label_pattern(label) if label else None
        container = (self._container(root, raw["containerTitle"])
                     if self.question_container and self.question_title and raw.get("containerTitle") else None)
        candidates: list[tuple[bool, Locator]] = []
        if widget in ("radio", "checkboxes", "toggle"):
            if pattern and source == "group" and raw.get("groupRole"):
                candidates.append((True, root.get_by_role(raw["groupRole"], name=pattern)))
            if container is not None:
                candidates.append((True, container))
            if widget == "toggle" and raw.get("options"):
                first = label_pattern(raw["options"][0], marker=False)
                candidates.append((True, root.get_by_role("button", name=first).locator("xpath=..")))
        else:
            role = raw.get("role")
            if pattern and role and source in ("aria", "label", "placeholder"):
                candidates.append((False, root.get_by_role(role, name=pattern)))
            if pattern and source in ("aria", "label"):
                candidates.append((False, root.get_by_label(pattern)))
            if pattern and source == "group" and raw.get("groupRole"):
                candidates.append((False, root.get_by_role(raw["groupRole"], name=pattern).locator("input[type=file]")))
            if container is not None:
                inner = container.get_by_role(role) if role else container.locator(
                    "input[type=file]" if widget == "file" else "input, textarea, select")
                candidates.append((False, inner))
        for group, locator in candidates:
            try:
                index = locator.evaluate_all(FIND_GROUP_JS if group else FIND_JS, raw["i"])
            except PlaywrightError:
                continue
            if index >= 0:
                return locator.nth(index)
        return None

    def _field(self, root: Frame, raw: dict, locator: Locator) -> Field:
        options = list(raw.get("options") or [])
        multiple = bool(raw.get("multiple"))
        typeahead = False
        if raw["widget"] == "combobox":
            read = None if LOCATION_LABEL.search(raw.get("label", "")) else self._combobox_options(locator)
            if read is None:
                typeahead = True
            else:
                options, multiple = read
        kind = kind_for({**raw, "multiple": multiple}, options, typeahead)
        label = raw.get("label") or "(unlabelled field)"
        question = FormQuestion(name="", label=label, kind=kind, options=options, required=bool(raw.get("required")))
        placeholder = raw.get("placeholder", "")
        return Field(question, raw["widget"], locator, input_type=raw.get("inputType", ""),
                     option_role=raw.get("optionRole", ""), multiple=multiple,
                     typeahead=typeahead or kind == "location", sensitive=bool(SENSITIVE_LABEL.search(label)),
                     date_format=placeholder if kind == "date" and raw.get("inputType") != "date" else "")

    def _popup(self, locator: Locator) -> Locator | Frame:
        """The listbox a combobox controls (followed through aria-controls/aria-owns), else the frame."""
        ref = locator.evaluate("el => el.getAttribute('aria-controls') || el.getAttribute('aria-owns') || ''")
        root = self.form_root()
        return root.locator(f'[id="{ref.split()[0]}"]') if ref.strip() else root

    def _open_menu(self, locator: Locator) -> None:
        locator.focus()
        locator.press("ArrowDown")

    def _combobox_options(self, locator: Locator) -> tuple[list[str], bool] | None:
        """Open a select-like combobox and read its options; None when it shows none until typed into."""
        self._open_menu(locator)
        menu = locator.evaluate(MENU_JS)
        locator.press("Escape")
        texts = [t for t in (menu or {}).get("options", []) if t]
        return (texts, bool(menu["multiple"])) if texts else None

    # -- answering and filling ------------------------------------------------------------------------
    def _supplied(self, q: FormQuestion) -> str | None:
        if q.name in self.supplied_answers:
            return self.supplied_answers[q.name]
        wanted = normalize_question(q.label)
        return next((v for k, v in self.supplied_answers.items() if normalize_question(k) == wanted), None)

    def _fill_fields(self, fields: list[Field], answers: Mapping[str, str]) -> None:
        values: list[tuple[Field, Any]] = []
        missing: list[FormQuestion] = []
        for f in fields:
            q = f.question
            raw = self._supplied(q)
            if raw is None and f.sensitive:
                chosen = getattr(self.answerer, "answer_sensitive", None)  # the user's declared defaults only
                if chosen is not None and self.job is not None:
                    raw = chosen(q, self.job)
            elif raw is None:
                raw = answers.get(q.name)
                if raw is None and q.name not in answers and self.answerer is not None and self.job is not None:
                    raw = self.answerer.answer(q, self.job)
            value = convert_answer(f, raw, self._resume)
            if value is None or value == [] or (value is False and q.required):
                if q.required:
                    missing.append(q)
                continue
            values.append((f, value))
        if missing:
            raise NeedsAnswer(missing)
        # Files first: some boards read an uploaded resume and overwrite the contact boxes with it.
        values.sort(key=lambda item: item[0].widget != "file")
        for f, value in values:
            entered = self.fill_field(f, value)
            self._done.add(f.question.name)
            self._filled[f.question.label] = entered or display(value)
        self._done.update(f.question.name for f in fields)

    def fill_field(self, f: Field, value: Any) -> str | None:
        """Enter one answer; returns what the form now shows when it differs (a picked suggestion)."""
        loc, widget = f.locator, f.widget
        if widget == "file":
            loc.set_input_files(str(value))
        elif f.typeahead:
            return self.type_and_pick(f, str(value))
        elif widget == "text":
            loc.fill(str(value))
        elif widget in ("select", "multiselect-native"):
            loc.select_option(label=value)
        elif widget == "combobox":
            self.pick_options(f, value if isinstance(value, list) else [value])
        elif widget == "listbox":
            for option in (value if isinstance(value, list) else [value]):
                item = loc.get_by_role("option", name=label_pattern(option, marker=False)).first
                if item.get_attribute("aria-selected") != "true":
                    item.click()
        elif widget in ("radio", "checkboxes"):
            for option in (value if isinstance(value, list) else [value]):
                self._set_checked(loc.get_by_role(f.option_role, name=label_pattern(option, marker=False),
                                                  include_hidden=True).first, True)
        elif widget == "toggle":
            loc.get_by_role("button", name=label_pattern(str(value), marker=False)).first.click()
        elif widget == "checkbox":
            self._set_checked(loc, bool(value))
        return None

    @staticmethod
    def _set_checked(box: Locator, on: bool) -> None:
        if box.is_checked() == on:
            return
        if box.is_visible():
            box.set_checked(on)
        else:  # a visually hidden box behind a styled label: a click event toggles it like the label would
            box.dispatch_event("click")

    def pick_options(self, f: Field, options: list[str]) -> None:
        """Choose options in a select-like combobox (react-select and the like): open, click the option."""
        for option in options:
            self._open_menu(f.locator)
            name = label_pattern(option, marker=False)
            try:
                self._popup(f.locator).get_by_role("option", name=name).first.click(timeout=3000)
            except PlaywrightTimeout:
                f.locator.fill(option)  # long lists show the option once filtered
                self._popup(f.locator).get_by_role("option", name=name).first.click()
        if f.multiple:
            f.locator.press("Escape")

    def type_and_pick(self, f: Field, value: str) -> str | None:
        """Type into an autocomplete box, then pick the suggestion that best matches and return it (none
        shown: the typed text stays, and the form's own check decides)."""
        loc = f.locator
        loc.focus()
        loc.fill("")
        loc.press_sequentially(value, delay=15)
        items = self.suggestions(f)
        try:
            items.first.wait_for(state="visible", timeout=min(self.timeout_ms, 8000))
        except PlaywrightTimeout:
            return None
        texts: list[str] = []
        for _ in range(20):  # until the list stops changing (suggestions arrive per keystroke)
            current = [" ".join(t.split()) for t in items.all_inner_texts()]
            if current and current == texts:
                break
            texts = current
            self.page.wait_for_timeout(150)
        if not texts:
            return None
        best = match_option(texts, value) or texts[0]
        items.nth(texts.index(best)).click()
        return best

    # -- pages ----------------------------------------------------------------------------------------
    def _await_next_page(self) -> None:
        """After Next: the next page's questions, or the messages that kept the form on this page."""
        root = self.form_root()
        deadline = time.monotonic() + self.timeout_ms / 1000
        while time.monotonic() < deadline:
            try:
                raws = root.evaluate(SCAN_JS, self._scan_options())
                if any(name not in self._done for name in self._names(raws)):
                    return
                errors = self.read_errors(root)
                if errors:
                    raise FormRejected(errors)
            except PlaywrightError:
                pass
            self.page.wait_for_timeout(150)
        raise ApplicationError(f"{self.name}: the form did not move to its next page")

    def _screenshot(self, step: int | None) -> Path:
        target = self.review_screenshot
        assert target is not None
        path = target if step is None else target.with_name(f"{target.stem}.step{step}{target.suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path
