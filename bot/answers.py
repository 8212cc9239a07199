"""Screening answers from the profile.

Factual questions (years, authorization, sponsorship, salary, relocation, work
arrangement, start date, notice period, contact details, links, location) are
answered by rules, never by a model: they must be exactly what the user said.
Free-text questions are written from the resume; when an OpenAI-compatible model
is configured (JOBELIX_LLM_URL) it writes them instead, and each call costs one
credit. A choice question no rule knows, a consent box, a date or place the
profile does not give, and demographic questions the user did not answer get no
answer (None): the form adapter then stops with NeedsAnswer and the user decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .llm import LLMClient, LLMError
from .profile import Profile
from .resume import rank_sections, rank_skills, skill_relevance, split_sections
from .sites.base import FormQuestion, JobDetails
from .sites.forms import SENSITIVE_LABEL, match_option, parse_date

FREE_TEXT_KINDS = ("textarea",)

ARRANGEMENTS = {
    "remote": ("remote",),
    "hybrid": ("hybrid",),
    "onsite": ("on-site", "onsite", "on site", "office"),
    "on-site": ("on-site", "onsite", "on site", "office"),
}
RELOCATION_OK = ("onsite", "on-site", "any", "flexible", "open", "hybrid")
DECLINE_OPTION = re.compile(r"decline|prefer not|rather not|(do not|don't) (wish|want)|not to (say|answer|disclose)|"
                            r"choose not|not (wish|want) to", re.I)
FIRST_NAME = re.compile(r"\b(first|given|fore|preferred( first)?) ?name\b")
LAST_NAME = re.compile(r"\b(last|family|sur) ?name\b|\bsurname\b")


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def choose_option(options: list[str], *preferred: str) -> str | None:
    """The option matching the earliest preferred word: equal to it, else containing it (case-insensitive)."""
    lowered = [o.lower() for o in options]
    for want in (w.lower() for w in preferred if w):
        if want in lowered:
            return options[lowered.index(want)]
        for option, low in zip(options, lowered):
            if want in low:
                return option
    return None


class Answerer:
    """Answers one job's form. on_llm_call runs once per successful model call (credit accounting)."""

    def __init__(self, profile: Profile, llm: LLMClient | None = None,
                 on_llm_call: Callable[[], None] | None = None):
        self.profile = profile
        self.llm = llm
        self.on_llm_call = on_llm_call or (lambda: None)

    def answer_all(self, questions: list[FormQuestion], job: JobDetails) -> dict[str, str]:
        answers = {}
        for q in questions:
            value = self.answer(q, job)
            if value is not None and value != "":
                answers[q.name] = value
        return answers

    # -- one question ---------------------------------------------------------
    def answer(self, q: FormQuestion, job: JobDetails) -> str | None:
        if q.kind == "file":
            return None  # the tailored resume goes there
        if SENSITIVE_LABEL.search(q.label):
            return self.answer_sensitive(q, job)
        label = q.label.lower()
        p = self.profile
        ruled = self._rule(q, label, job)
        if ruled is not None:
            return ruled or None  # "": a question the rules know, with nothing in the profile for it
        if q.kind in ("location", "url", "date", "checkbox"):
            return None  # only what the profile states (rules above); a consent is the user's to give
        if q.kind in FREE_TEXT_KINDS or (q.kind == "text" and not q.options):
            return self.free_text(q, job)
        if q.kind == "number":
            return _num(p.years_experience)
        if q.options and q.kind != "yesno":
            known = " ".join([*p.skills, *p.locations, p.remote_preference, p.resume_text]).lower()
            return next((o for o in q.options if o.lower() in known), None)
        return None  # a yes/no or choice no rule knows: the user answers it

    def answer_sensitive(self, q: FormQuestion, job: JobDetails) -> str | None:
        """Demographic questions, only from what the user chose on their profile: their pronouns, or the
        "decline to answer" option when they asked for it (eeo_decline). Never a guess."""
        p = self.profile
        if re.search(r"\bpronouns?\b", q.label, re.I) and p.pronouns:
            return (match_option(q.options, p.pronouns) if q.options else p.pronouns) or None
        if p.eeo_decline and q.options:
            return next((o for o in q.options if DECLINE_OPTION.search(o)), None)
        return None

    def _rule(self, q: FormQuestion, label: str, job: JobDetails) -> str | None:
        """The answer by rule; "" for a question a rule knows but the profile leaves empty; None: no rule."""
        p = self.profile
        yes_no = lambda flag: choose_option(q.options, "yes" if flag else "no") or ("yes" if flag else "no")  # noqa: E731
        if q.kind in ("text", "email") and re.search(r"\be-?mail\b", label):
            return p.email
        if q.kind == "text" and re.search(r"\b(phone|mobile|telephone)\b", label):
            return p.phone
        if q.kind == "text" and re.search(r"\bname\b|\bsurname\b", label) \
                and not re.search(r"compan|employer|school", label):
            if FIRST_NAME.search(label):
                return p.first_name or p.name
            if LAST_NAME.search(label):
                return p.last_name
            return p.name
        if q.kind == "url" or (q.kind == "text" and not q.options and "?" not in label):
            link = self._link(label)
            if link is not None:
                return link
        if q.kind == "location":
            return p.current_location
        if q.kind == "date":
            starting = re.search(r"\bstart\b|availab", label) and parse_date(p.start_date) is not None
            return p.start_date if starting else ""
        if "sponsor" in label or re.search(r"\bvisa\b", label):
            return yes_no(p.needs_sponsorship)
        if re.search(r"authori[sz]|legally|eligible to work|right to work|work permit", label):
            return yes_no(p.is_authorized)
        if re.search(r"relocat", label):
            return yes_no(self._would_relocate(job))
        if re.search(r"salary|compensation|pay expectation|expected pay", label):
            if q.options:
                return self._closest_number_option(q.options, p.salary_expectation) or ""
            return _num(p.salary_expectation)
        if q.kind in ("number", "text", "select") and re.search(r"\byears?\b", label) \
                and re.search(r"experience|worked|using|with", label):
            years = self._years_for(label, job)
            return _num(years) if q.kind != "select" else self._closest_number_option(q.options, years)
        if re.search(r"work arrangement|remote|on-?site|hybrid|work model|workplace", label) and q.options:
            pref = ARRANGEMENTS.get(p.remote_preference, (p.remote_preference,) if p.remote_preference else ())
            return choose_option(q.options, *pref) or q.options[0]
        if re.search(r"\bstart\b|notice period|availab", label):
            if q.options:
                return choose_option(q.options, p.notice_period, "2 weeks", "two weeks", "immediately") or ""
            return f"{p.notice_period} after an offer" if p.notice_period else "Two weeks after an offer"
        return None

    def _link(self, label: str) -> str | None:
        """The profile's link for a link question ("" when the profile has none); None: not a link question."""
        p = self.profile
        for pattern, value in ((r"linked ?in", p.linkedin_url), (r"git ?hub", p.github_url),
                               (r"portfolio|website|web site|homepage|personal (site|page)", p.portfolio_url)):
            if re.search(pattern, label):
                return value
        return None

    def _years_for(self, label: str, job: JobDetails) -> float:
        """Years with a named skill: the profile's years if the user lists the skill, else 0."""
        candidates = list(dict.fromkeys([*job.skills, *self.profile.skills]))
        named = [s for s in candidates if re.search(r"(?<![\w+#])" + re.escape(s.lower()) + r"(?![\w+#])", label)]
        if not named:
            return self.profile.years_experience
        has = any(n.lower() == s.lower() for n in named for s in self.profile.skills)
        return self.profile.years_experience if has else 0

    def _would_relocate(self, job: JobDetails) -> bool:
        city = job.location.split(",")[0].strip().lower()
        if city and any(city in loc.lower() or loc.lower() in job.location.lower() for loc in self.profile.locations):
            return True  # already where the job is
        if self.profile.willing_to_relocate is not None:
            return self.profile.willing_to_relocate
        return self.profile.remote_preference in RELOCATION_OK

    @staticmethod
    def _closest_number_option(options: list[str], value: float | None) -> str | None:
        if not options or value is None:
            return None

        def distance(option: str) -> float:
            numbers = [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", option)]
            if re.search(r"\d\s*k\b", option, re.I):
                numbers = [n * 1000 for n in numbers]
            if not numbers:
                return float("inf")
            if len(numbers) >= 2 and numbers[0] <= value <= numbers[1]:
                return 0.0
            return min(abs(n - value) for n in numbers)

        return min(options, key=distance)

    # -- free text ------------------------------------------------------------
    def free_text(self, q: FormQuestion, job: JobDetails) -> str:
        if self.llm is not None:
            try:
                text = self.llm.chat(self._prompt(q, job))
            except LLMError as exc:
                print(f"[bot] model unavailable, answering from the resume: {exc}", flush=True)
            else:
                self.on_llm_call()
                return text[:2000]
        return self.rule_text(q, job)

    def rule_text(self, q: FormQuestion, job: JobDetails) -> str:
        """A truthful paragraph assembled from the profile and the most relevant resume block."""
        p = self.profile
        matched = [s for s in rank_skills(p.skills, job) if skill_relevance(s, job) > 0][:4]
        skills = ", ".join(matched) if matched else ", ".join(p.skills[:3])
        sections = rank_sections(split_sections(p.resume_text), job)
        best = " ".join(sections[0].split())[:600] if sections else ""
        years = f"{_num(p.years_experience)} years" if p.years_experience else "my years"
        label = q.label.lower()
        if re.search(r"\bwhy\b|interest|motivat", label):
            text = (f"The {job.title} role at {job.company} builds on what I do best"
                    + (f": {skills}" if skills else "") + f", which I have practised over {years} of professional work.")
            return f"{text} {best}".strip()
        if re.search(r"project|proud|achievement|example", label) and best:
            return best
        intro = f"I bring {years} of experience" + (f" with {skills}" if skills else "") + "."
        return f"{intro} {best}".strip()

    def _prompt(self, q: FormQuestion, job: JobDetails) -> list[dict]:
        p = self.profile
        system = ("You help a job seeker answer one question of a job application. Write in the first person, "
                  "truthfully, using only facts from the candidate's profile and resume; at most 120 words; "
                  "plain text, no greeting or signature.")
        user = (f"Question: {q.label}\n\nJob: {job.title} at {job.company} ({job.location})\n"
                f"Job skills: {', '.join(job.skills)}\nJob description: {job.description[:1500]}\n\n"
                f"Candidate: {p.name}; {_num(p.years_experience)} years of experience; skills: {', '.join(p.skills)}\n"
                f"Resume:\n{p.resume_text[:3000]}")
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]
