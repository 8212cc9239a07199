"""Read what a job posting asks for: skills (with importance), years of
experience and the work mode. Pure Python, no network, deterministic."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from .budget import check_budget
from .taxonomy import Taxonomy, load_taxonomy
from .text import ABOUT, DUTIES, GENERAL, NICE, REQUIRED, STACK, Clause, segment, to_plain_text

HIGH, MEDIUM, LOW = "high", "medium", "low"
IMPORTANCE_RANK = {HIGH: 3, MEDIUM: 2, LOW: 1}


@dataclass
class SkillMention:
    """One skill the posting asks for, with why we think so (evidence)."""

    skill: str
    category: str
    importance: str
    required: bool
    section: str
    evidence: str
    mentions: int = 1

    def to_dict(self) -> dict:
        return {
            "skill": self.skill,
            "category": self.category,
            "importance": self.importance,
            "required": self.required,
            "section": self.section,
            "evidence": self.evidence,
            "mentions": self.mentions,
        }


@dataclass
class ExperienceRequirement:
    min_years: int
    max_years: int | None
    required: bool
    evidence: str

    @property
    def label(self) -> str:
        if self.max_years and self.max_years != self.min_years:
            return f"{self.min_years}-{self.max_years} years"
        return f"{self.min_years}+ years"

    def to_dict(self) -> dict:
        return {"min_years": self.min_years, "max_years": self.max_years, "required": self.required,
                "label": self.label, "evidence": self.evidence}


@dataclass
class JobRequirements:
    skills: list[SkillMention] = field(default_factory=list)
    experience: ExperienceRequirement | None = None
    work_mode: str = "unknown"  # remote | hybrid | onsite | unknown

    @property
    def required_skills(self) -> list[SkillMention]:
        return [s for s in self.skills if s.required]

    @property
    def nice_to_have_skills(self) -> list[SkillMention]:
        return [s for s in self.skills if not s.required]

    @classmethod
    def from_dict(cls, data: dict) -> JobRequirements:
        """Rebuild stored requirements (the output of to_dict) without re-reading the text."""
        data = data or {}
        exp = data.get("experience")
        return cls(
            skills=[SkillMention(s["skill"], s.get("category", "other"), s.get("importance", MEDIUM),
                                 s.get("required", True), s.get("section", ""), s.get("evidence", ""),
                                 s.get("mentions", 1)) for s in data.get("skills", [])],
            experience=ExperienceRequirement(exp["min_years"], exp.get("max_years"), exp.get("required", True),
                                             exp.get("evidence", "")) if exp else None,
            work_mode=data.get("work_mode", "unknown"),
        )

    def to_dict(self) -> dict:
        return {
            "skills": [s.to_dict() for s in self.skills],
            "required_skills": [s.skill for s in self.required_skills],
            "nice_to_have_skills": [s.skill for s in self.nice_to_have_skills],
            "experience": self.experience.to_dict() if self.experience else None,
            "work_mode": self.work_mode,
        }


# ---------------------------------------------------------------- skills

@dataclass
class _Match:
    start: int
    end: int
    skill: str
    guarded: bool
    loose: bool = False  # a case-sensitive alias in another case ("helm", "express")


# What may separate two items of one list of technologies: "chef, ansible, helm",
# "npm/yarn", "Go or Rust", "Docker & Kubernetes".
_LIST_GAP = re.compile(r"[\s,;/&|()+.:–-]*+(?:(?:and|or|with|plus)\s++)?[\s,;/&|()+–-]*+", re.IGNORECASE)
_MAX_LIST_GAP = 24


def _in_list(matches: list[_Match], i: int, text: str, kept: set[int]) -> bool:
    """A loose match counts only inside a list of other skills: next to an exactly spelled one,
    or after a loose one already kept ("python, rust, go"). `kept` collects the loose ones kept."""
    here = matches[i]
    for j in (i - 1, i + 1):
        if not 0 <= j < len(matches) or (matches[j].loose and j not in kept):
            continue
        other = matches[j]
        a, b = (other.end, here.start) if j < i else (here.end, other.start)
        if 0 <= b - a <= _MAX_LIST_GAP and _LIST_GAP.fullmatch(text, a, b):
            kept.add(i)
            return True
    return False


def _raw_matches(text: str, tax: Taxonomy) -> list[_Match]:
    found: list[_Match] = []
    for regex, sensitive in ((tax.insensitive_re, False), (tax.sensitive_re, True), (tax.loose_re, None)):
        for m in regex.finditer(text):
            resolved = tax.resolve_match(m.group(0), sensitive)
            if resolved is None:
                continue
            name, guarded = resolved
            skill = tax.skills[name]
            after = text[m.end():m.end() + 24]
            before = text[max(0, m.start() - 24):m.start()]
            after_lower = after.lower()
            if any(after.startswith(x) or after_lower.startswith(x.lower()) for x in skill.not_before if x.strip() != x or not x.isalpha()):
                continue
            if any(after.startswith(x) for x in skill.not_before if x.strip() == x and x.isalpha()):
                continue
            if any(before.endswith(x) for x in skill.not_after):
                continue
            found.append(_Match(m.start(), m.end(), name, guarded, sensitive is None))
    # leftmost-longest, no overlaps
    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    result: list[_Match] = []
    last_end = -1
    for match in found:
        if match.start >= last_end:
            result.append(match)
            last_end = match.end
    return result


def _has_context(match: _Match, window: str, window_start: int, accepted: list[_Match], starts: list[int],
                 tax: Taxonomy) -> bool:
    """A context word, or another (unguarded, technical) skill inside the window.

    `accepted` is sorted by start and `starts` lists those starts: only the matches
    inside the window are looked at (a page full of "Go" must not compare every
    mention with every other one)."""
    skill = tax.skills[match.skill]
    lowered = window.lower()
    if any(word in lowered for word in skill.context):
        return True
    lo, hi = window_start, window_start + len(window)
    for other in accepted[bisect_left(starts, lo):bisect_left(starts, hi)]:
        if (other is not match and not other.guarded and other.skill != match.skill
                and tax.skills[other.skill].category not in ("product", "business")):
            return True
    return False


def _importance(clause: Clause, position: int) -> tuple[str, bool]:
    """(importance, required) for a mention at `position` inside `clause`."""
    optional = clause.nice or clause.section == NICE or any(a <= position < b for a, b in clause.nice_spans)
    if optional:
        return LOW, False
    if clause.section == ABOUT:
        return LOW, False
    if clause.section == REQUIRED:
        return HIGH, True
    if clause.section in (DUTIES, STACK, GENERAL):
        return (HIGH if clause.strong else MEDIUM), True
    return MEDIUM, True


def _window(text: str, clause: Clause, match: _Match) -> tuple[str, int]:
    lo = max(clause.paragraph[0], match.start - 110)
    hi = min(max(clause.paragraph[1], clause.end), match.end + 110)
    return text[lo:hi], lo


def extract_skills(description: str, title: str = "", taxonomy: Taxonomy | None = None,
                   _plain: str | None = None, _clauses: list[Clause] | None = None) -> list[SkillMention]:
    """Skills a posting mentions, strongest importance first, then by first mention."""
    tax = taxonomy or load_taxonomy()
    text = _plain if _plain is not None else to_plain_text(description)
    clauses = _clauses if _clauses is not None else segment(text)
    merged: dict[str, SkillMention] = {}
    order: dict[str, int] = {}

    def add(name: str, importance: str, required: bool, section: str, evidence: str, rank: int) -> None:
        current = merged.get(name)
        if current is None:
            merged[name] = SkillMention(name, tax.skills[name].category, importance, required, section, evidence)
            order[name] = rank
            return
        current.mentions += 1
        if IMPORTANCE_RANK[importance] > IMPORTANCE_RANK[current.importance]:
            current.importance, current.section, current.evidence = importance, section, evidence
        current.required = current.required or required

    if title:
        title_matches = _raw_matches(title, tax)
        title_starts = [m.start for m in title_matches]
        for i, match in enumerate(title_matches):
            if tax.skills[match.skill].role:  # "DevOps Engineer" names the job
                continue
            if match.loose:
                if not _in_list(title_matches, i, title, set()):
                    continue
            elif match.guarded and not _has_context(match, title + " engineer developer", 0, title_matches,
                                                    title_starts, tax):
                continue
            add(match.skill, HIGH, True, "title", title.strip(), -1)

    matches = _raw_matches(text, tax)
    starts = [m.start for m in matches]
    # Per clause, computed once: many mentions in one long clause must not each copy it.
    stripped_of: dict[int, str] = {}
    years_in: dict[int, bool] = {}
    loose_kept: set[int] = set()
    evidence_of: dict[int, str] = {}
    clause_idx = 0
    clause_of: dict[int, Clause] = {}
    for match in matches:
        while clause_idx < len(clauses) and clauses[clause_idx].end <= match.start:
            clause_idx += 1
        if clause_idx < len(clauses) and clauses[clause_idx].start <= match.start:
            clause_of[id(match)] = clauses[clause_idx]
    for rank, match in enumerate(matches):
        clause = clause_of.get(id(match))
        if clause is None:
            continue
        check_budget()
        if clause.section == ABOUT:
            continue
        if tax.skills[match.skill].role and (_ROLE_NOUN.match(text, match.end)
                                             or _counts_years(text, clause, years_in)):
            continue
        if match.loose:
            if not _in_list(matches, rank, text, loose_kept):
                continue
        elif match.guarded:
            window, lo = _window(text, clause, match)
            if clause.start not in stripped_of:
                stripped_of[clause.start] = text[clause.start:clause.end].strip(" -*•·:.,\t")
            alone = stripped_of[clause.start] == text[match.start:match.end]
            listed = alone and clause.section in (REQUIRED, NICE, STACK)
            if not listed and not _has_context(match, window, lo, matches, starts, tax):
                continue
        importance, required = _importance(clause, match.start)
        if clause.start not in evidence_of:
            evidence_of[clause.start] = " ".join(text[clause.start:clause.end].split()).lstrip("-*•· ")[:200]
        add(match.skill, importance, required, clause.section, evidence_of[clause.start], rank)
    return sorted(merged.values(), key=lambda s: (-IMPORTANCE_RANK[s.importance], order[s.skill]))


# "the information security team", "a DevOps engineer": a discipline naming people or a team.
_ROLE_NOUN = re.compile(r"\s*+(?:engineers?|teams?|roles?|positions?|leads?|managers?|analysts?|specialists?"
                        r"|departments?|functions?|practitioners?|folks|org|organi[sz]ation)\b", re.IGNORECASE)


def _counts_years(text: str, clause: Clause, cache: dict[int, bool]) -> bool:
    """Whether the clause asks for years of experience ("5+ years in a DevOps role")."""
    if clause.start not in cache:
        cache[clause.start] = bool(_EXPERIENCE_RE.search(text, clause.start, clause.end))
    return cache[clause.start]


# ---------------------------------------------------------------- experience

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}
_NUM = r"(\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")"
_YEARS = r"(?:years?|yrs?\.?)"
# Whitespace runs are possessive (\s*+, \s++) and never sit next to another run that could
# share them: "5" followed by 100 kB of spaces is read once, not split every possible way.
_EXPERIENCE_RE = re.compile(
    # Every match starts with a digit, "(", or the first letter of a lead-in or number word:
    # other positions are refused by one character test.
    r"(?=[\d(amontfse])"
    r"(?:(?P<lead>at\s++least|a\s++minimum\s++of|minimum(?:\s++of)?(?=\s)|min\.?(?=\s)|more\s++than|over"
    r"|no\s++less\s++than)\s*+)?"
    r"(?:\(\s*+)?(?P<a>" + _NUM[1:-1] + r")\s*+(?:\)\s*+)?"
    r"(?:(?P<plus>\+|plus\b)|(?:-|–|—|to)\s*+(?P<b>" + _NUM[1:-1] + r")\s*+\+?)?\s*+"
    + _YEARS + r"(?P<ormore>\s++or\s++more|\s*+\+)?",
    re.IGNORECASE,
)
_AFTER_OK = re.compile(
    r"^\s*+(?:'|’|’s|'s)?\s*+(?:of|in|with|as|working|building|developing|designing|writing|leading|managing|running"
    r"|hands-on|hands on|professional|relevant|industry|experience|exp\b|programming|software|engineering|production"
    r"|shipping|doing|post|full-time|commercial|practical|proven|\()",
    re.IGNORECASE,
)
_AFTER_BAD = re.compile(r"^\s*+(?:ago|old|of age|history|warranty|from now|later|running|in business|in a row)\b", re.IGNORECASE)
_BEFORE_BAD = re.compile(r"(?:\bin|\bwithin|\bpast|\blast|\bnext|\bfor over|\bfor more than|\bfounded|\bsince|\bevery|\bafter|\bfirst|\bage)\s*$", re.IGNORECASE)


def _num(value: str) -> int:
    return int(value) if value.isdigit() else _WORD_NUMBERS[value.lower()]


def parse_experience(text: str, clauses: list[Clause] | None = None) -> ExperienceRequirement | None:
    """The posting's years-of-experience requirement ("7+ years", "3-5 years").

    Several mentions: the largest minimum among required ones wins (a posting
    asking "5+ years overall, 2+ with Go" needs 5). Company boasts ("20 years
    in business") and "in 5 years" are ignored.
    """
    clauses = clauses if clauses is not None else segment(text)
    best: ExperienceRequirement | None = None
    for clause in clauses:
        if clause.section == ABOUT:
            continue
        check_budget()
        piece = text[clause.start:clause.end]
        says_experience: bool | None = None  # computed once per clause, when first needed
        evidence: str | None = None
        for m in _EXPERIENCE_RE.finditer(piece):
            after = piece[m.end():m.end() + 60]
            before = piece[max(0, m.start() - 20):m.start()]
            if _AFTER_BAD.match(after) or (not m.group("lead") and _BEFORE_BAD.search(before)):
                continue
            if not _AFTER_OK.match(after):
                if says_experience is None:
                    says_experience = "experience" in piece.lower()
                if not says_experience:
                    continue
            low = _num(m.group("a"))
            high = _num(m.group("b")) if m.group("b") else None
            if high is not None and high < low:
                continue
            if low == 0 or low > 20:
                continue
            if m.group("lead") and m.group("lead").lower().startswith(("more", "over")) and not m.group("plus"):
                pass  # "over 5 years" reads as 5+
            optional = clause.nice or clause.section == NICE or any(
                a <= clause.start + m.start() < b for a, b in clause.nice_spans)
            if evidence is None:
                evidence = " ".join(piece.split()).lstrip("-*•· ")[:200]
            candidate = ExperienceRequirement(low, high, not optional, evidence)
            if best is None or (candidate.required, candidate.min_years) > (best.required, best.min_years):
                best = candidate
    return best


# ---------------------------------------------------------------- work mode

_REMOTE_RE = re.compile(
    r"\b(fully[\s-]remote|100\s*%\s*remote|remote[\s-]first|remote[\s-]friendly|work from anywhere|remote (position|role|job|opportunity)"
    r"|(role|position|job) is (fully )?remote|remote within|remote-only|work remotely|working remotely|remote \(|remote in)\b",
    re.IGNORECASE,
)
_NOT_REMOTE_RE = re.compile(r"\b(not (a )?remote|no remote|non-remote|not open to remote)\b", re.IGNORECASE)
_HYBRID_RE = re.compile(r"\bhybrid\b", re.IGNORECASE)
_ONSITE_RE = re.compile(r"\b(on[\s-]?site|in[\s-]office|in the office|office[\s-]based|in[\s-]person)\b", re.IGNORECASE)


def detect_work_mode(location: str, text: str) -> str:
    loc = (location or "").lower()
    if "remote" in loc and not _NOT_REMOTE_RE.search(loc):
        return "hybrid" if "hybrid" in loc else "remote"
    if "hybrid" in loc:
        return "hybrid"
    if _NOT_REMOTE_RE.search(text):
        return "hybrid" if _HYBRID_RE.search(text) else "onsite"
    if _HYBRID_RE.search(text):
        return "hybrid"
    if _REMOTE_RE.search(text):
        return "remote"
    if _ONSITE_RE.search(text) or loc.strip():
        return "onsite"
    return "unknown"


def extract_requirements(description: str, title: str = "", location: str = "",
                         taxonomy: Taxonomy | None = None) -> JobRequirements:
    """Everything the posting asks for, independent of any candidate."""
    text = to_plain_text(description)
    clauses = segment(text)
    return JobRequirements(
        skills=extract_skills(description, title, taxonomy, _plain=text, _clauses=clauses),
        experience=parse_experience(text, clauses),
        work_mode=detect_work_mode(location, text),
    )
