"""Posting descriptions kept with their structure: a strict allow-list HTML sanitiser
(core.linear_html, no regex on HTML, linear time) and plain/Markdown text to the same HTML.

Only p, ul, ol, li, h2-h4, strong, em, br and a[href] (http(s) only, through
core.urls.safe_http_url) survive; other tags are unwrapped (their text stays,
escaped) and script/style-like tags lose their content. Nesting is capped so a
hostile page cannot make closing tags scan a deep stack.
"""
from __future__ import annotations

import html

from core.linear_html import LinearHTMLParser
from core.urls import safe_http_url

_ALLOWED = frozenset(["p", "ul", "ol", "li", "h2", "h3", "h4", "strong", "em", "br", "a"])
_RENAMED = {"b": "strong", "i": "em", "h1": "h2", "h5": "h4", "h6": "h4"}
_PARAGRAPHS = frozenset(["div", "section", "article", "blockquote", "pre", "header", "footer", "main", "tr", "dd", "dt"])
_HIDDEN = frozenset(["script", "style", "noscript", "template", "head", "title", "svg", "iframe", "object", "math"])
_MAX_DEPTH = 32


class _Sanitiser(LinearHTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.hidden = 0

    def _open(self, tag: str, attrs: str = "") -> None:
        if len(self.stack) >= _MAX_DEPTH:
            return
        # A block inside an open <p> closes it, as browsers do.
        if tag in ("p", "ul", "ol", "h2", "h3", "h4") and "p" in self.stack[-1:]:
            self._close("p")
        self.stack.append(tag)
        self.out.append(f"<{tag}{attrs}>")

    def _close(self, tag: str) -> None:
        if tag not in self.stack:
            return
        while self.stack:
            top = self.stack.pop()
            if self.out and self.out[-1].startswith(f"<{top}") and top != "br":
                self.out.pop()  # an element left empty is dropped
            else:
                self.out.append(f"</{top}>")
            if top == tag:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        if tag in _PARAGRAPHS:
            tag = "p"
        tag = _RENAMED.get(tag, tag)
        if tag not in _ALLOWED:
            return
        if tag == "br":
            self.out.append("<br>")
        elif tag == "a":
            href = safe_http_url(dict(attrs).get("href") or "")
            if href:
                self._open("a", f' href="{html.escape(href, quote=True)}" rel="nofollow noopener"')
        else:
            self._open(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HIDDEN and tag != "a":
            self.handle_starttag(tag, attrs)
            if tag != "br" and _RENAMED.get(tag, "p" if tag in _PARAGRAPHS else tag) in _ALLOWED:
                self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        if self.hidden:
            return
        tag = "p" if tag in _PARAGRAPHS else _RENAMED.get(tag, tag)
        if tag in _ALLOWED and tag != "br":
            self._close(tag)

    def handle_data(self, data: str) -> None:
        if not data.strip() and (not self.stack or self.stack[-1] in ("ul", "ol")):
            return  # whitespace between blocks is not content
        if not self.hidden and data:
            self.out.append(html.escape(data.replace("\xa0", " "), quote=False))

    def result(self) -> str:
        while self.stack:
            self._close(self.stack[-1])
        return "".join(self.out).strip()


class _TagCounter(LinearHTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1


def _unescape_if_escaped(value: str) -> str:
    """Greenhouse sends markup entity-escaped (`&lt;p&gt;`): unescape it once."""
    if "<" not in value and "&lt;" in value:
        return html.unescape(value)
    return value


def has_markup(value: str) -> bool:
    """Whether a description is HTML (any tag) rather than plain or Markdown text."""
    counter = _TagCounter()
    counter.feed(_unescape_if_escaped(value))
    counter.close()
    return counter.tags > 0


def sanitize_html(value: str | None) -> str:
    """The description as allow-listed HTML (safe to render unescaped)."""
    if not value:
        return ""
    parser = _Sanitiser()
    parser.feed(_unescape_if_escaped(value))
    parser.close()
    return parser.result()


def _heading(line: str) -> tuple[int, str] | None:
    hashes = len(line) - len(line.lstrip("#"))
    if 1 <= hashes <= 6 and line[hashes:hashes + 1] == " ":
        return min(max(hashes, 2), 4), line[hashes + 1:].strip().rstrip("#").strip()
    return None


def _bullet(line: str) -> tuple[str, str] | None:
    if line[:2] in ("- ", "* ", "+ ", "• "):
        return "ul", line[2:].strip()
    digits = len(line) - len(line.lstrip("0123456789"))
    if 0 < digits <= 3 and line[digits:digits + 2] in (". ", ") "):
        return "ol", line[digits + 2:].strip()
    return None


def _inline(text: str) -> str:
    """Escape a Markdown line, turning **bold** into <strong> (only balanced pairs)."""
    pieces = text.split("**")
    if len(pieces) % 2 == 0:
        return html.escape(text, quote=False)
    return "".join(
        f"<strong>{html.escape(p, quote=False)}</strong>" if i % 2 else html.escape(p, quote=False)
        for i, p in enumerate(pieces)
    )


def text_to_html(value: str | None) -> str:
    """Plain or Markdown text as the same allow-listed HTML: blank lines split paragraphs,
    single newlines stay (<br>), '## Heading' lines become headings and '- '/'1. ' lines lists."""
    if not value:
        return ""
    out: list[str] = []
    paragraph: list[str] = []
    list_kind = ""

    def flush_paragraph() -> None:
        if paragraph:
            out.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_kind
        if list_kind:
            out.append(f"</{list_kind}>")
            list_kind = ""

    for raw_line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw_line.strip()
        if not line:
            flush_paragraph()
            close_list()
            continue
        heading = _heading(line)
        bullet = None if heading else _bullet(line)
        if heading:
            flush_paragraph()
            close_list()
            out.append(f"<h{heading[0]}>{_inline(heading[1])}</h{heading[0]}>")
        elif bullet:
            flush_paragraph()
            if list_kind != bullet[0]:
                close_list()
                list_kind = bullet[0]
                out.append(f"<{list_kind}>")
            out.append(f"<li>{_inline(bullet[1])}</li>")
        else:
            close_list()
            paragraph.append(_inline(line))
    flush_paragraph()
    close_list()
    return "".join(out)


def description_html(value: str | None) -> str:
    """Any description (HTML, entity-escaped HTML, plain text or Markdown) as sanitised HTML."""
    if not value or not value.strip():
        return ""
    return sanitize_html(value) if has_markup(value) else text_to_html(value)
