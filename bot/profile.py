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
        return cls(
            name=str(name).strip(),
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
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Profile:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def needs_sponsorship(self) -> bool:
        text = self.work_authorization.lower()
        return bool(re.search(r"sponsor|visa (is )?(required|needed)|need(s)? (a )?visa|not authori[sz]ed", text))

    @property
    def is_authorized(self) -> bool:
        text = self.work_authorization.lower().strip()
        if not text or self.needs_sponsorship:
            return False
        return not re.search(r"\b(no|none|not)\b", text)
