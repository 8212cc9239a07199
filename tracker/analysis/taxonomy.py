"""The skills taxonomy: canonical skill names, their aliases and the rules that
keep ambiguous words ("Go", "R", "C", "rust" the verb) from becoming skills.

The data lives in ``skills.json`` so it can be reviewed and extended without
touching code. Matching uses compiled alternations (case-insensitive aliases,
case-sensitive ones, and the case-sensitive ones in any other case, which count
only inside a list of other skills) so one pass each finds every alias.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_PATH = Path(__file__).with_name("skills.json")

# A skill name may contain + # . / & - so "word boundary" is spelled out:
# no letter/digit/_/+/# (or a joining . or -) right before, none right after.
_BEFORE = r"(?<![A-Za-z0-9_+#.\-@])"
# ... or a lower-case letter glued to a capitalised word, as boards that lose the
# separators between list items print them ("Go or JavaIn-depth knowledge of ..."):
# a longer alias starting at the same place ("JavaScript") still wins. Words of four
# letters or more only: "GoTo", "GoPay" are names, not Go.
_AFTER = r"(?:(?-i:(?<=[A-Za-z]{3}[a-z])(?=[A-Z][a-z]))|(?![A-Za-z0-9_+#]|\.[A-Za-z0-9]))"
_SEP = re.compile(r"[\s\-]+")


def normalize_alias(text: str, lower: bool = True) -> str:
    """Collapse spaces/hyphens so "front-end" and "front end" share one key."""
    text = _SEP.sub(" ", text.strip())
    return text.lower() if lower else text


_SEP_ATOM = "\x00"


def _trie_pattern(aliases) -> str:
    """One regex for many aliases, factored by common prefixes.

    A flat alternation of ~1,500 aliases is tried branch by branch at every
    position; a prefix tree lets the engine reject most positions after one
    character. Optional tails are greedy, so the longest alias wins.
    """
    root: dict = {}
    for alias in aliases:
        node = root
        for atom in _SEP.sub(_SEP_ATOM, alias):
            node = node.setdefault(atom, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = []
        for atom in sorted(k for k in node if k):
            piece = r"[\s\-]+" if atom == _SEP_ATOM else re.escape(atom)
            branches.append(piece + build(node[atom]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return "(?:" + body + ")?"
        return body

    return "(?:" + build(root) + ")"


@dataclass(frozen=True)
class Skill:
    name: str
    category: str
    guarded: frozenset = field(default_factory=frozenset)
    context: tuple = ()
    not_before: tuple = ()
    not_after: tuple = ()
    implies: tuple = ()
    # A discipline that also names a kind of job ("DevOps", "data science"): "3+ years in a
    # DevOps role" describes the experience wanted, not a skill to list.
    role: bool = False


class Taxonomy:
    """Loaded taxonomy with compiled matchers and a lookup for profile skills."""

    def __init__(self, data: dict):
        self.skills: dict[str, Skill] = {}
        self._insensitive: dict[str, str] = {}
        self._sensitive: dict[str, str] = {}
        self._loose: dict[str, str] = {}
        self._lookup: dict[str, str] = {}
        for raw in data["skills"]:
            name = raw["name"]
            cased = list(raw.get("cased", []))
            guarded = list(raw.get("guarded", []))
            aliases = list(raw.get("aliases", []))
            if name not in cased and name not in guarded and not raw.get("no_name"):
                aliases.append(name)
            self.skills[name] = Skill(
                name=name,
                category=raw.get("category", "other"),
                guarded=frozenset(normalize_alias(g, lower=False) for g in guarded),
                context=tuple(c.lower() for c in raw.get("context", [])),
                not_before=tuple(raw.get("not_before", [])),
                not_after=tuple(raw.get("not_after", [])),
                implies=tuple(raw.get("implies", [])),
                role=bool(raw.get("role", False)),
            )
            for alias in aliases:
                self._add(self._insensitive, normalize_alias(alias), name)
            for alias in cased + guarded:
                self._add(self._sensitive, normalize_alias(alias, lower=False), name)
                if len(alias) > 1:  # "r", "c": too short to read in any case
                    self._loose.setdefault(normalize_alias(alias), name)
            for alias in aliases + cased + guarded + [name]:
                self._lookup.setdefault(normalize_alias(alias), name)
        for key in list(self._loose):
            if key in self._insensitive:  # already read in any case
                del self._loose[key]
        self.insensitive_re = self._compile(self._insensitive, re.IGNORECASE)
        self.sensitive_re = self._compile(self._sensitive, 0)
        # Case-sensitive aliases written in another case ("express", "helm", "REACT"):
        # read, but only where other skills sit right next to them (extraction decides).
        self.loose_re = self._compile(self._loose, re.IGNORECASE)

    @staticmethod
    def _add(table: dict, key: str, name: str) -> None:
        existing = table.get(key)
        if existing and existing != name:
            raise ValueError(f"alias {key!r} maps to both {existing!r} and {name!r}")
        table[key] = name

    @staticmethod
    def _compile(table: dict, flags: int) -> re.Pattern:
        return re.compile(f"{_BEFORE}{_trie_pattern(table)}{_AFTER}", flags)

    def resolve_match(self, matched: str, case_sensitive: bool | None) -> tuple[str, bool] | None:
        """(skill name, is_guarded) for the text a matcher found."""
        if case_sensitive is None:  # the loose matcher: only what no exact-case alias covers
            if normalize_alias(matched, lower=False) in self._sensitive:
                return None
            name = self._loose.get(normalize_alias(matched))
            return (name, True) if name else None
        if case_sensitive:
            key = normalize_alias(matched, lower=False)
            name = self._sensitive.get(key)
            if name is None:
                return None
            return name, key in self.skills[name].guarded
        name = self._insensitive.get(normalize_alias(matched))
        return (name, False) if name else None

    def canonical(self, text: str) -> str | None:
        """Canonical name for a skill a person typed ("k8s" -> "Kubernetes")."""
        return self._lookup.get(normalize_alias(text))

    def implied(self, name: str) -> tuple:
        skill = self.skills.get(name)
        return skill.implies if skill else ()

    def __len__(self) -> int:
        return len(self.skills)


@lru_cache(maxsize=1)
def load_taxonomy(path: str | None = None) -> Taxonomy:
    with open(path or DATA_PATH, encoding="utf-8") as fh:
        return Taxonomy(json.load(fh))
