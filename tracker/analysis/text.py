"""Turn a job description into classified clauses.

A clause is a bullet, a sentence or a ';'-separated part of one. Each clause
knows the section it sits in (requirements, nice-to-have, responsibilities,
stack, about/benefits or general) and whether its own wording marks it as
optional ("X is a plus") or as a hard requirement ("must", "strong", "5+ years").
"""
from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass

from core.linear_html import LinearHTMLParser

from .budget import check_budget

REQUIRED = "required"
NICE = "nice_to_have"
DUTIES = "responsibilities"
STACK = "stack"
ABOUT = "about"
GENERAL = "general"

_HEADING_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"nice[\s-]to[\s-]haves?|bonus|preferred|desirable|desired|\bpluses\b|\bplus\b|good[\s-]to[\s-]have"
                r"|great[\s-]to[\s-]have|would be (great|nice|a plus)|extra (credit|points)|ideally|optional"
                r"|not required|stand out|even better|brownie|we'?d love|would love|added advantage|advantageous|^assets?$"), NICE),
    (re.compile(r"about you|who you are|you are|you have|you'?ll have|you bring|you'?ll bring|what you bring"
                r"|what you need|you'?ll need|you will (need|bring|have)|(this|the) role needs|ideal candidate"
                r"|what we('?re| are) looking for|looking for"), REQUIRED),
    # "About the role" introduces the job itself (checked before the "About <company>" rule below).
    (re.compile(r"^about (the|this) (role|position|job|opportunity|work)\b"), DUTIES),
    (re.compile(r"\bteam description|^(the|our|meet the) team$"), ABOUT),
    (re.compile(r"about (us|the company|the business)|^about [a-z0-9&.\- ]+$|who we are|benefits|perks|what we offer|we offer"
                r"|compensation|salary|why join|why work|\bour values|culture|equal (employment )?opportunit|\beeo\b"
                r"|diversity|how to apply|hiring process|interview process|\bour mission|\bour story|life at"), ABOUT),
    (re.compile(r"tech(nology|nical)? stack|our stack|the stack|technologies|tools we use|our tools|tooling|^stack$"), STACK),
    (re.compile(r"responsibilit|what you('?ll| will) (do|be doing|work on|own|achieve)|the role|your role|role overview"
                r"|day[\s-]to[\s-]day|duties|your mission|in this role|the job|you will|your impact|the opportunity"
                r"|the position|job description|overview|summary|what you'?ll do"), DUTIES),
    (re.compile(r"requirement|qualification|must[\s-]haves?|essential|minimum|basic|skills|experience|expertise"
                r"|competenc|need to have|background|profile|what it takes|you should"), REQUIRED),
]

# One \b in front of the alternation (not one per branch): a position inside a word or a
# run of spaces is refused by one test instead of thirty.
_NICE_CUE = re.compile(
    r"nice[\s-]to[\s-]have|\b(?:(a|an|is a|are a|big|huge|strong|definite|real|great) plus\b|plus\s*+[.!)]|plus\s*+$"
    r"|pluses\b|bonus\b|preferred\b|nice if\b|not a deal[\s-]?breaker\b|an asset\b"
    r"|preferably\b|ideally\b|desirable\b|advantageous\b|an advantage\b|would be (great|nice|helpful|beneficial|ideal|a bonus)"
    r"|helpful\b|not required\b|optional\b|not a must\b|even better\b|extra points\b|we'?d love\b"
    r"|would love\b|is welcome\b|are welcome\b|appreciated\b|good to have\b|not essential\b)",
    re.IGNORECASE,
)
_HARD_CUE = re.compile(r"\b(must|required|mandatory|essential)\b", re.IGNORECASE)
_STRONG_CUE = re.compile(
    r"\b(must|required|requires?|mandatory|essential|strong|solid|deep|expert|expertise|extensive|proficien\w*"
    r"|mastery|advanced|fluent|fluency|hands-on|proven|production experience|\d+\+?\s*(years|yrs))\b",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*+(?:[-*•·▪◦‣–—+]|\d{1,2}[.)])\s+")
# The punctuation first, then the look-behinds (which include it): most positions are
# refused by one character test.
_SENTENCE_SPLIT = re.compile(r"[.!?](?<![\s.][A-Z].)(?<!\be\.g.)(?<!\bi\.e.)(?<!\bvs.)(?<!\betc.)(?=\s+[A-Z(\"“])|;")
_PAREN = re.compile(r"\(([^()]{1,80})\)")
_ASIDE_LEAD = re.compile(r"\b(?:using|with|in|like|such as|including|especially)\s", re.IGNORECASE)
# Where a new item starts inside a run-on clause: a word or ")" then a capital.
_RUN_ON_ITEM = re.compile(r"(?<=[a-z0-9)\]%])\s++(?=[A-Z])")
_RUN_ON_MIN = 400
# "Nice to have: Go, Rust" (runs of spaces and stars possessive: read once, never re-split).
_LEAD_IN = re.compile(r"^\s*+(?:[-*•]\s++)?\**+([A-Za-z][A-Za-z'’ /&-]{2,40}?)\**+\s*+:\s++(?=\S)")


@dataclass(frozen=True)
class Clause:
    start: int
    end: int
    section: str
    nice: bool
    strong: bool
    paragraph: tuple[int, int]  # bounds used as the window for context checks
    nice_spans: tuple = ()  # (start, end) parts made optional by a "(a plus)" aside


class _TextExtractor(LinearHTMLParser):
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        # Just opened a list item or heading and seen no text yet: a <p> or <div> wrapping
        # the item's text (<li><p>Go</p></li>, common in ATS editors) must not move it off its bullet.
        self.opened = False

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.parts.append("\n## ")
            self.opened = True
        elif tag == "li":
            self.parts.append("\n- ")
            self.opened = True
        elif tag in self.BLOCK and not (self.opened and tag in ("p", "div", "span")):
            self.parts.append("\n")
            self.opened = False

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") or tag in self.BLOCK:
            self.parts.append("\n")
            self.opened = False

    def handle_data(self, data):
        if data.strip():
            self.opened = False
        self.parts.append(data)


# [^<>]: a tag that does not close before the next '<' is no tag, so each '<' looks
# only as far as the next one (a page of unclosed "<p <p …" stays linear).
_TAG = re.compile(r"<(p|div|br|li|ul|h[1-6]|span|strong|b|em)\b[^<>]*>", re.IGNORECASE)


def to_plain_text(description: str) -> str:
    """Plain text from a description that may be HTML (scraped boards send HTML)."""
    text = description or ""
    if _TAG.search(text):
        parser = _TextExtractor()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    elif "&" in text:
        text = html.unescape(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    # Spaces and tabs before each line break go. Not re.sub(r"[ \t]+\n"): that rescans a
    # long run of spaces from each of its characters (quadratic: 100 kB took 12 s).
    lines = text.split("\n")
    text = "\n".join([line.rstrip(" \t") for line in lines[:-1]] + lines[-1:])
    return re.sub(r"\n{3,}", "\n\n", text)


def classify_heading(text: str) -> str | None:
    head = text.strip().strip("#*_:|=- ").strip().lower()
    head = head.replace("’", "'")
    if not head:
        return None
    for pattern, kind in _HEADING_RULES:
        if pattern.search(head):
            return kind
    return GENERAL


_SMALL_WORDS = frozenset(["a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to",
                          "with", "you", "your", "we", "our", "us", "it", "is", "are"])
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _title_case(line: str) -> bool:
    """Every word but the small ones starts with a capital ("Key Duties and Responsibilities")."""
    words = [w for w in _WORD.findall(line) if w.lower() not in _SMALL_WORDS]
    return bool(words) and all(w[0].isupper() for w in words)


def _heading_words_share(line: str, kind: str) -> float:
    """How much of the line (letters) the rules for `kind` account for."""
    head = line.strip().strip("#*_:|=- ").strip().lower().replace("’", "'")
    letters = sum(ch.isalpha() for ch in head) or 1
    covered = sum(sum(ch.isalpha() for ch in m.group(0))
                  for pattern, rule_kind in _HEADING_RULES if rule_kind == kind for m in pattern.finditer(head))
    return min(1.0, covered / letters)


def _heading_of(line: str) -> tuple[str | None, int]:
    """(section kind, offset where the line's own content starts) or (None, 0).

    Recognises markdown headings, **bold** lines, short lines ending in ':'
    and an inline lead-in like "Nice to have: Go, Rust" (content after ':').
    """
    stripped = line.strip()
    if not stripped:
        return None, 0
    words = len(stripped.split())
    if stripped.startswith("#") or (
        (stripped.startswith("**") and stripped.endswith("**") or stripped.startswith("__") and stripped.endswith("__"))
        and words <= 10
    ):
        return classify_heading(stripped), len(line)
    if stripped.endswith(":") and words <= 12 and not _BULLET.match(line):
        return classify_heading(stripped), len(line)
    lead = _LEAD_IN.match(line)
    if lead:
        kind = classify_heading(lead.group(1))
        if kind in (NICE, REQUIRED, STACK):
            return "inline:" + kind, lead.end()
    if words <= 6 and len(stripped) < 60 and not _BULLET.match(line) and ":" not in stripped and not re.search(r"[.!?,;]$", stripped):
        kind = classify_heading(stripped)
        # A bare short line is a heading when it is set like one ("Preferred Qualifications and
        # Skills", "NICE TO HAVE") or says little besides the heading words ("What you'll do",
        # "Perks and benefits"); not a list item that happens to name one ("Understand
        # customer requirements", "Top-notch communication and interpersonal skills").
        if kind not in (None, GENERAL) and stripped[:1].isupper() and (
                ("," not in stripped and _title_case(stripped)) or _heading_words_share(stripped, kind) >= 0.4):
            return kind, len(line)
    return None, 0


def segment(text: str) -> list[Clause]:
    """Split plain text into classified clauses, in order."""
    clauses: list[Clause] = []
    section = GENERAL
    pos = 0
    lines = text.split("\n")
    # paragraph bounds: blank lines or headings close a paragraph
    offsets = []
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    para_bounds: dict[int, tuple[int, int]] = {}
    start = 0
    for i, line in enumerate(lines):
        heading, _ = _heading_of(line)
        if not line.strip() or (heading and not heading.startswith("inline:")):
            for j in range(start, i + 1):
                para_bounds[j] = (offsets[start], offsets[i])
            start = i + 1
    for j in range(start, len(lines)):
        para_bounds[j] = (offsets[start], len(text))

    for i, line in enumerate(lines):
        check_budget()
        base = offsets[i]
        heading, content_at = _heading_of(line)
        line_section = section
        if heading is not None:
            if heading.startswith("inline:"):
                line_section = heading.split(":", 1)[1]
            else:
                section = heading
                line_section = heading
                if content_at >= len(line):
                    # the heading line itself still counts (a title like "Python Engineer")
                    content_at = 0
        body = line[content_at:]
        if not body.strip():
            continue
        paragraph = para_bounds[i]
        pieces = _split_sentences(body)
        for s, e in pieces:
            piece = body[s:e]
            if not piece.strip():
                continue
            clauses.append(_make_clause(piece, base + content_at + s, line_section, paragraph))
    return clauses


def _split_sentences(body: str) -> list[tuple[int, int]]:
    spans = []
    last = 0
    for m in _SENTENCE_SPLIT.finditer(body):
        spans.append((last, m.end()))
        last = m.end()
    spans.append((last, len(body)))
    return spans


def _make_clause(piece: str, start: int, section: str, paragraph: tuple[int, int]) -> Clause:
    nice_spans = []
    asides: list[tuple[int, int]] = []
    last_sep, scanned = -1, 0  # the last ',', ';' or ':' before `scanned` (each stretch searched once)
    for m in _PAREN.finditer(piece):
        if _NICE_CUE.search(m.group(1)):
            last_sep = max(last_sep, *(piece.rfind(sep, scanned, m.start()) for sep in ",;:"))
            # "TestNG using Java (preferably)": the aside is about what follows "using".
            for lead in _ASIDE_LEAD.finditer(piece, max(scanned, last_sep + 1), m.start()):
                last_sep = max(last_sep, lead.end() - 1)
            scanned = m.start()
            nice_spans.append((start + last_sep + 1, start + m.end()))
            asides.append((m.start(), m.end()))
    without_asides = _blank(piece, asides)
    nice = bool(_NICE_CUE.search(without_asides))
    starts = [m.end() for m in _RUN_ON_ITEM.finditer(without_asides)] if nice and len(piece) > _RUN_ON_MIN else []
    if len(starts) >= 5:
        # A run-on list with its separators lost ("... distributed computing) CUDA programming
        # experience preferred Solid understanding of ..."): the cue marks only its own item.
        nice = False
        bounds = [0, *starts, len(piece)]
        for m in _NICE_CUE.finditer(without_asides):
            i = bisect_right(bounds, m.start()) - 1
            nice_spans.append((start + bounds[i], start + bounds[min(i + 1, len(bounds) - 1)]))
    elif nice and _HARD_CUE.search(without_asides):
        # "Python required, Go preferred": only the parts that say so are optional
        nice = False
        offset = 0
        for part in re.split(r"(,|\bbut\b|\bwhile\b|\bwhereas\b)", without_asides):
            if _NICE_CUE.search(part) and not _HARD_CUE.search(part):
                nice_spans.append((start + offset, start + offset + len(part)))
            offset += len(part)
    strong = bool(_STRONG_CUE.search(piece))
    return Clause(start, start + len(piece), section, nice, strong, paragraph, tuple(nice_spans))


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each (start, end) span, in order and apart, turned into as many spaces."""
    if not spans:
        return text
    out, last = [], 0
    for a, b in spans:
        out += [text[last:a], " " * (b - a)]
        last = b
    out.append(text[last:])
    return "".join(out)
