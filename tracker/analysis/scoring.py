"""Match a posting against a candidate: a 0-100 score made of named, explainable
parts (skills, title, location, experience, and salary once you set a minimum), a
recommendation, readable strengths/concerns and the skills gap. Same inputs, same
output: no randomness, no network."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .extraction import HIGH, IMPORTANCE_RANK, LOW, MEDIUM, JobRequirements, extract_requirements
from .preferences import LOCATION_POINTS, SALARY_POINTS, PostingFacts, location_part, office_days, salary_part
from .taxonomy import Taxonomy, load_taxonomy

SKILL_POINTS, TITLE_POINTS, EXPERIENCE_POINTS = 60, 20, 10
IMPORTANCE_WEIGHT = {HIGH: 3, MEDIUM: 2, LOW: 1}
APPLY_NOW, CONSIDER, SKIP = "apply_now", "consider", "skip"
ANALYSIS_VERSION = 3  # 2: stored posting requirements carry office_days; 3: headings from the HTML (issue 16)
HARD_FILTERS = ("salary", "workplace", "location")


@dataclass(frozen=True)
class CandidateProfile:
    """What the analysis needs to know about the person (plain data, no ORM)."""

    skills: Sequence[str] = ()
    desired_titles: Sequence[str] = ()
    locations: Sequence[str] = ()
    years_experience: float | None = None
    remote_preference: str = "any"  # remote | hybrid | onsite | any
    # Match preferences (issue 16): a minimum pay (None: not weighed), where you live
    # ("Berlin, Germany": for remote postings open only in some countries), and which of
    # salary / workplace / location are hard filters (failing one: never recommended).
    salary_minimum: float | None = None
    salary_currency: str = "USD"
    salary_interval: str = "year"  # year | month | hour
    home_location: str = ""
    hard_filters: frozenset[str] = frozenset()

    def __post_init__(self):
        for name in ("skills", "desired_titles", "locations"):
            value = getattr(self, name) or ()
            if isinstance(value, str):
                value = list(re.split(r"[,;\n]", value))
            object.__setattr__(self, name, tuple(v.strip() for v in value if v and v.strip()))
        unknown = set(self.hard_filters) - set(HARD_FILTERS)
        if unknown:
            raise ValueError(f"Unknown hard filters: {sorted(unknown)}")
        object.__setattr__(self, "hard_filters", frozenset(self.hard_filters))


@dataclass
class ScoreComponent:
    name: str
    points: float
    max_points: int
    detail: str

    def to_dict(self) -> dict:
        return {"name": self.name, "points": round(self.points, 1), "max_points": self.max_points, "detail": self.detail}


@dataclass
class SkillGap:
    overall_match: int
    matching_skills: list[dict]
    missing_skills: list[dict]

    def to_dict(self) -> dict:
        return {"overall_match": self.overall_match, "matching_skills": self.matching_skills,
                "missing_skills": self.missing_skills}


@dataclass
class JobAnalysis:
    match_score: int
    recommendation: str
    strengths: list[str]
    concerns: list[str]
    components: list[ScoreComponent]
    skill_gap: SkillGap
    requirements: JobRequirements
    version: int = ANALYSIS_VERSION
    filtered_out: list[str] = field(default_factory=list)  # failed hard filters: never recommended
    facts: PostingFacts | None = None

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "match_score": self.match_score,
            "recommendation": self.recommendation,
            "strengths": list(self.strengths),
            "concerns": list(self.concerns),
            "filtered_out": list(self.filtered_out),
            "score_breakdown": [c.to_dict() for c in self.components],
            "skills_gap": self.skill_gap.to_dict(),
            "requirements": self.requirements.to_dict(),
            "facts": self.facts.to_dict() if self.facts is not None else None,
        }


def percent(value: float) -> int:
    """THE rounding of every score shown as a percentage: a whole number, half up
    (52.5 -> 53), so pages, API, events and the database agree ("53%", never "53.3%")."""
    return math.floor(value + 0.5 + 1e-9)


def recommendation_for(score: float) -> str:
    if score >= 80:
        return APPLY_NOW
    if score >= 60:
        return CONSIDER
    return SKIP


# ---------------------------------------------------------------- skills

def candidate_skill_set(profile: CandidateProfile, tax: Taxonomy) -> dict[str, str | None]:
    """Canonical skill -> None if listed, or the listed skill it is implied by."""
    owned: dict[str, str | None] = {}
    for raw in profile.skills:
        owned[tax.canonical(raw) or raw.strip().lower()] = None
    frontier = list(owned)
    while frontier:
        source = frontier.pop()
        for implied in tax.implied(source):
            if implied not in owned:
                owned[implied] = owned.get(source) or source
                frontier.append(implied)
    return owned


def _skills_component(req: JobRequirements, owned: dict) -> tuple[ScoreComponent, SkillGap, list, list]:
    matched, missing = [], []
    total = got = 0
    for mention in req.skills:
        weight = IMPORTANCE_WEIGHT[mention.importance]
        total += weight
        key = mention.skill if mention.skill in owned else mention.skill.lower()
        if key in owned:
            got += weight
            matched.append((mention, owned[key]))
        else:
            missing.append(mention)
    if total == 0:
        component = ScoreComponent("skills", SKILL_POINTS / 2, SKILL_POINTS,
                                   "No specific skills found in the description (neutral)")
        return component, SkillGap(0, [], []), matched, missing
    coverage = got / total
    component = ScoreComponent(
        "skills", SKILL_POINTS * coverage, SKILL_POINTS,
        f"You have {len(matched)} of {len(req.skills)} skills the posting mentions "
        f"({percent(coverage * 100)}% by importance)")
    gap = SkillGap(
        overall_match=percent(coverage * 100),
        matching_skills=[{"skill": m.skill, "importance": m.importance, **({"via": via} if via else {})}
                         for m, via in matched],
        missing_skills=[{"skill": m.skill, "importance": m.importance} for m in missing],
    )
    return component, gap, matched, missing


# ---------------------------------------------------------------- title

_SENIORITY = {"senior", "sr", "junior", "jr", "lead", "principal", "staff", "head", "mid", "level", "entry",
              "i", "ii", "iii", "iv", "v", "intern", "internship", "graduate", "associate", "chief", "vp"}
_FILLER = {"of", "and", "the", "for", "a", "an", "in", "at", "with", "to", "&", "remote", "hybrid", "m", "f", "d",
           "w", "x", "team", "platform"}
_TITLE_SYNONYMS = {
    "developer": "engineer", "dev": "engineer", "programmer": "engineer", "eng": "engineer", "engineering": "engineering",
    "backend": "backend", "back-end": "backend", "frontend": "frontend", "front-end": "frontend",
    "fullstack": "fullstack", "full-stack": "fullstack", "swe": "software engineer", "sde": "software engineer",
    "ml": "machine learning", "ai": "machine learning", "sre": "site reliability engineer", "pm": "product manager",
    "qa": "quality", "test": "quality", "tester": "quality engineer", "sdet": "quality engineer",
    "ux": "design", "ui": "design", "designer": "designer", "devops": "devops", "mgr": "manager",
    "ios": "mobile ios", "android": "mobile android",
}
_ROLE_NOUNS = {"engineer", "manager", "designer", "scientist", "analyst", "architect", "administrator",
               "consultant", "specialist", "researcher", "director", "writer", "recruiter", "owner"}
_JOINED = [("back end", "backend"), ("front end", "frontend"), ("full stack", "fullstack"),
           ("machine learning", "ml"), ("site reliability", "sre")]


def _title_tokens(title: str) -> list[str]:
    text = title.lower()
    for a, b in _JOINED:
        text = text.replace(a, b)
    out: list[str] = []
    for tok in re.findall(r"[a-z0-9+#.]+(?:-[a-z]+)?", text):
        tok = tok.strip(".")
        if tok in _SENIORITY or tok in _FILLER or not tok:
            continue
        out.extend(_TITLE_SYNONYMS.get(tok, tok).split())
    return out


def title_fit(job_title: str, desired_titles: Iterable[str]) -> tuple[float, str | None]:
    """Best share of a desired title's words found in the job title (0..1)."""
    job = set(_title_tokens(job_title))
    best, best_title = 0.0, None
    for desired in desired_titles:
        want = _title_tokens(desired)
        if not want:
            continue
        share = sum(1 for t in set(want) if t in job) / len(set(want))
        job_roles, want_roles = job & _ROLE_NOUNS, set(want) & _ROLE_NOUNS
        if job_roles and want_roles and not job_roles & want_roles:
            share = min(share, 0.3)
        if share > best:
            best, best_title = share, desired
    return best, best_title


def _title_component(job_title: str, profile: CandidateProfile) -> tuple[ScoreComponent, str | None, str | None]:
    if not profile.desired_titles:
        return ScoreComponent("title", TITLE_POINTS / 2, TITLE_POINTS, "No target titles in your profile (neutral)"), None, None
    fit, best = title_fit(job_title, profile.desired_titles)
    points = TITLE_POINTS * fit
    if fit >= 0.99:
        return ScoreComponent("title", points, TITLE_POINTS, f"'{job_title}' matches your target '{best}'"), \
            f"Title matches your target role ({best})", None
    if fit >= 0.5:
        return ScoreComponent("title", points, TITLE_POINTS, f"'{job_title}' partly matches your target '{best}'"), \
            f"Title close to your target role ({best})", None
    return ScoreComponent("title", points, TITLE_POINTS, f"'{job_title}' differs from your target titles"), \
        None, "Title differs from your target roles"


# ---------------------------------------------------------------- experience

def _experience_component(req: JobRequirements, profile: CandidateProfile) -> tuple[ScoreComponent, str | None, str | None]:
    exp = req.experience
    if exp is None:
        return ScoreComponent("experience", EXPERIENCE_POINTS, EXPERIENCE_POINTS, "No years of experience stated"), None, None
    requirement = f"Requires {exp.label} experience"
    if profile.years_experience is None:
        return (ScoreComponent("experience", EXPERIENCE_POINTS / 2, EXPERIENCE_POINTS,
                               f"Posting asks for {exp.label}; your profile has no years set (neutral)"), None, requirement)
    years = float(profile.years_experience)
    shown = f"{years:g}"
    short = exp.min_years - years
    if short <= 0:
        if exp.max_years and years > exp.max_years + 3:
            return (ScoreComponent("experience", 8, EXPERIENCE_POINTS, f"You have {shown} years; posting targets {exp.label}"),
                    None, f"Targets {exp.label} experience, you may be overqualified")
        return (ScoreComponent("experience", EXPERIENCE_POINTS, EXPERIENCE_POINTS, f"You have {shown} years; posting asks for {exp.label}"),
                f"Your {shown} years meet the {exp.label} requirement", None)
    factor = 0.6 if short <= 1 else 0.3 if short <= 2 else 0.0
    if not exp.required:
        factor = max(factor, 0.6)
    return (ScoreComponent("experience", EXPERIENCE_POINTS * factor, EXPERIENCE_POINTS,
                           f"You have {shown} years; posting asks for {exp.label}"), None, requirement)


# ---------------------------------------------------------------- analysis

def _names(items: list[str], limit: int = 4) -> str:
    shown = items[:limit]
    text = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def score_job(requirements: JobRequirements, title: str, location: str, profile: CandidateProfile,
              taxonomy: Taxonomy | None = None, facts: PostingFacts | None = None) -> JobAnalysis:
    """Score already-extracted requirements for one candidate (cheap; use for many users).

    `facts` is what the posting states about pay, workplace type and places (scraped
    postings have them; without, the location text and the detected work mode stand in).
    The salary part joins the score only when the candidate set a minimum; the total is
    then scaled back to 0-100."""
    tax = taxonomy or load_taxonomy()
    owned = candidate_skill_set(profile, tax)
    skills_c, gap, matched, missing = _skills_component(requirements, owned)
    title_c, title_strength, title_concern = _title_component(title, profile)
    place = location_part(location, requirements.work_mode, profile, facts)
    loc_c = ScoreComponent("location", place.points, LOCATION_POINTS, place.detail)
    exp_c, exp_strength, exp_concern = _experience_component(requirements, profile)
    components = [skills_c, title_c, loc_c, exp_c]
    parts = [place]
    if profile.salary_minimum is not None:
        pay = salary_part(profile, facts)
        components.append(ScoreComponent("salary", pay.points, SALARY_POINTS, pay.detail))
        parts.append(pay)
    total, most = sum(c.points for c in components), sum(c.max_points for c in components)
    score = percent(min(100.0, max(0.0, total if most == 100 else total * 100 / most)))

    strengths: list[str] = []
    top = sorted((m for m, _ in matched if m.importance != LOW), key=lambda m: -IMPORTANCE_RANK[m.importance])[:3]
    strengths += [f"Strong {m.skill} match" for m in top]
    if len(requirements.skills) >= 3 and gap.overall_match >= 70:
        strengths.append(f"You have {len(matched)} of {len(requirements.skills)} skills the posting mentions")
    strengths += [s for s in (title_strength, place.strength, exp_strength) if s]
    strengths += [p.strength for p in parts[1:] if p.strength]

    concerns: list[str] = []
    if exp_concern:
        concerns.append(exp_concern)
    missing_required = [m.skill for m in missing if m.importance == HIGH]
    missing_other = [m.skill for m in missing if m.importance == MEDIUM]
    if missing_required:
        concerns.append(f"Missing required skills: {_names(missing_required)}")
    elif missing_other:
        concerns.append(f"Missing skills: {_names(missing_other)}")
    concerns += [c for c in (title_concern, place.concern) if c]
    concerns += [p.concern for p in parts[1:] if p.concern]
    lowered = title.lower()
    if profile.years_experience is not None:
        if profile.years_experience >= 5 and re.search(r"\b(junior|jr|intern|internship|graduate|entry)\b", lowered):
            concerns.append("Looks like a junior role for your experience")
        if profile.years_experience < 4 and re.search(r"\b(staff|principal|head|director|vp)\b", lowered):
            concerns.append("Title suggests a more senior role")

    filtered = [p.filtered for p in parts if p.filtered]
    recommendation = SKIP if filtered else recommendation_for(score)
    return JobAnalysis(score, recommendation, strengths, concerns, components, gap, requirements,
                       filtered_out=filtered, facts=facts)


def analyze_job(description: str, title: str, location: str, profile: CandidateProfile,
                taxonomy: Taxonomy | None = None, facts: PostingFacts | None = None) -> JobAnalysis:
    """Full analysis of one posting for one candidate (`facts` default: the office days the
    description states, the rest read from the location text)."""
    requirements = extract_requirements(description, title, location, taxonomy)
    if facts is None:
        facts = PostingFacts(office_days=office_days(description))
    return score_job(requirements, title, location, profile, taxonomy, facts)
