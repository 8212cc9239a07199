"""The user's apply rules as pure decisions (no Django, no database): what the apply worker checks before
each application (services.pipeline.claim_posting gathers the facts and takes the claim).

In order: the match threshold (auto-apply only), never the same posting twice, never the same title at the
same company in another city, the daily cap, the per-company cap (30 days). The first rule that says no is
the reason the submission is skipped; the user reads it on the submission and on the job page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

COMPANY_WINDOW_DAYS = 30
# Words of a posting's title that only say where or how it is worked, not what the role is.
PLACE_WORDS = {"remote", "hybrid", "onsite", "on", "site", "office", "based", "in", "at", "anywhere", "worldwide"}


@dataclass(frozen=True)
class Rules:
    """A profile's rules (accounts.Profile)."""

    threshold: int
    daily_cap: int
    company_cap: int
    review: bool
    delay_seconds: int


@dataclass(frozen=True)
class History:
    """What the user already applied to (or is applying to right now), as it bears on one posting."""

    posting_applied: bool = False  # this very posting: sent, or being sent by another submission
    same_role: str = ""  # "<title> at <company> (<location>)" of another posting with the same title
    sent_today: int = 0  # applications moved to applied today (UTC) plus those being sent
    company_recent: int = 0  # applications to this company in the last 30 days plus those being sent


def title_key(title: str, location: str = "") -> str:
    """A title without what only says where it is worked: "Backend Engineer - Berlin (Hybrid)" and
    "Backend Engineer, Munich" (at the same company) are the same role."""
    text = re.sub(r"[(\[][^)\]]*[)\]]", " ", title.lower())
    places = set(re.findall(r"[^\W\d_]+", location.lower())) | PLACE_WORDS
    words = [w for w in re.findall(r"[\w+#]+", text) if w not in places]
    return " ".join(words)


def skip_reason(rules: Rules, history: History, *, auto: bool, score: float | None, company: str) -> str:
    """Why this application must not be sent ("" when it may)."""
    if auto and (score is None or score < rules.threshold):
        shown = "no match score" if score is None else f"a {score:g}% match"
        return f"Below your auto-apply threshold of {rules.threshold}% ({shown})."
    if history.posting_applied:
        return "Already applied to this posting."
    if history.same_role:
        return f"Already applied to the same role: {history.same_role}."
    if history.sent_today >= rules.daily_cap:
        return f"Daily cap reached: {history.sent_today} of {rules.daily_cap} applications today."
    if history.company_recent >= rules.company_cap:
        return (f"Company cap reached: {history.company_recent} of {rules.company_cap} applications to {company} "
                f"in {COMPANY_WINDOW_DAYS} days.")
    return ""
