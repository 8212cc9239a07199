"""The user's profile as the bot sees it (from `GET /api/v1/profile` or a local JSON file).

Tolerant on input: the server may send lists or comma-separated strings, numbers
as strings, missing fields. Everything downstream gets clean types.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items = re.split(r"[,\n;]", value)
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    out: list[str] = []
    for item in items:
        text = str(item).strip()
        if text and text.lower() not in (o.lower() for o in out):
            out.append(text)
    return out


def _as_bool(value) -> bool | None:
    """True/False from a bool or a yes/no string; None when the server does not say."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in ("yes", "true", "1", "on"):
        return True
    if text in ("no", "false", "0", "off"):
        return False
    return None


def _as_answers(value) -> dict[str, str]:
    """Saved screening answers: {question text: answer}, strings only."""
    if not isinstance(value, dict):
        return {}
    return {str(k).strip(): str(v) for k, v in value.items() if str(k).strip() and v is not None and str(v).strip()}


def _as_number(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    match = re.search(r"\d[\d,.]*", str(value))
    if not match:
        return None
    digits = match.group(0).replace(",", "")
    try:
        number = float(digits)
    except ValueError:
        return None
    if re.search(r"\d\s*k\b", str(value), re.I):
        number *= 1000
    return number


@dataclass
class Profile:
    name: str = ""
    email: str = ""
    phone: str = ""
    skills: list[str] = field(default_factory=list)
    desired_titles: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    years_experience: float = 0
    remote_preference: str = ""  # remote | hybrid | onsite | any (free text tolerated)
    salary_expectation: float | None = None
    work_authorization: str = ""  # free text, e.g. "EU citizen", "Requires visa sponsorship"
    resume_text: str = ""
    headline: str = ""
    willing_to_relocate: bool | None = None  # None when the server does not say
    first_name: str = ""  # split from name when the server does not send it
    last_name: str = ""
    # Answers to common screening questions (issue 13); empty / None: not given, the bot does not guess.
    current_location: str = ""  # where the candidate lives, for "Location (City)" boxes
    notice_period: str = ""  # e.g. "2 weeks"
    start_date: str = ""  # ISO date, for "When could you start?" date fields
    linkedin_url: str = ""
    github_url: str = ""
    portfolio_url: str = ""
    pronouns: str = ""
    eeo_decline: bool = False  # answer "decline to self-identify" to voluntary EEO questions
    authorized_to_work: bool | None = None  # explicit; else read from work_authorization
    requires_sponsorship: bool | None = None
    screening_answers: dict[str, str] = field(default_factory=dict)  # {question text: answer} the user saved

    @classmethod
    def from_dict(cls, data: dict | None) -> Profile:
        data = dict(data or {})
        if isinstance(data.get("profile"), dict):  # tolerate {"profile": {...}} envelopes
            data = {**data, **data["profile"]}
        user: dict = data["user"] if isinstance(data.get("user"), dict) else {}
        name = data.get("name") or data.get("full_name") or user.get("name") or " ".join(
            p for p in (data.get("first_name") or user.get("first_name"), data.get("last_name") or user.get("last_name")) if p
        ) or data.get("username") or user.get("username") or ""
        auth = data.get("work_authorization")
        if isinstance(auth, bool):
            auth = "Authorized to work" if auth else "Requires visa sponsorship"
        name = str(name).strip()
        first = str(data.get("first_name") or user.get("first_name") or "").strip()
        last = str(data.get("last_name") or user.get("last_name") or "").strip()
        if not (first and last) and name:
            parts = name.split()
            first, last = first or parts[0], last or " ".join(parts[1:])
        return cls(
            name=name,
            email=str(data.get("email") or user.get("email") or "").strip(),
            phone=str(data.get("phone") or "").strip(),
            skills=_as_list(data.get("skills")),
            desired_titles=_as_list(data.get("desired_titles")),
            locations=_as_list(data.get("locations")),
            years_experience=_as_number(data.get("years_experience")) or 0,
            remote_preference=str(data.get("remote_preference") or "").strip().lower(),
            salary_expectation=_as_number(data.get("salary_expectation")),
            work_authorization=str(auth or "").strip(),
            resume_text=str(data.get("resume_text") or "").strip(),
            headline=str(data.get("headline") or "").strip(),
            willing_to_relocate=(data["willing_to_relocate"] if isinstance(data.get("willing_to_relocate"), bool)
                                 else None),
            first_name=first,
            last_name=last,
            current_location=str(data.get("current_location") or "").strip(),
            notice_period=str(data.get("notice_period") or "").strip(),
            start_date=str(data.get("start_date") or "").strip(),
            linkedin_url=str(data.get("linkedin_url") or "").strip(),
            github_url=str(data.get("github_url") or "").strip(),
            portfolio_url=str(data.get("portfolio_url") or "").strip(),
            pronouns=str(data.get("pronouns") or "").strip(),
            eeo_decline=bool(_as_bool(data.get("eeo_decline"))),
            authorized_to_work=_as_bool(data.get("authorized_to_work")),
            requires_sponsorship=_as_bool(data.get("requires_sponsorship")),
            screening_answers=_as_answers(data.get("screening_answers")),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Profile:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def needs_sponsorship(self) -> bool:
        if self.requires_sponsorship is not None:
            return self.requires_sponsorship
        text = self.work_authorization.lower()
        return bool(re.search(r"sponsor|visa (is )?(required|needed)|need(s)? (a )?visa|not authori[sz]ed", text))

    @property
    def is_authorized(self) -> bool:
        if self.authorized_to_work is not None:
            return self.authorized_to_work
        text = self.work_authorization.lower().strip()
        if not text or self.needs_sponsorship:
            return False
        return not re.search(r"\b(no|none|not)\b", text)
