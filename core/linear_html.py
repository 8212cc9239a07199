"""An HTML tokenizer that runs in linear time on any input, however broken or hostile.

Scraped career pages and job descriptions are written by strangers. The standard
library's ``html.parser`` scans the rest of the document again for every construct
that does not close (``<a x <a x …``, ``<!--`` without ``-->``, ``</`` runs): a 10 kB
page of them took seconds, 100 kB minutes. Here every search for an end (``>``,
``-->``, a closing quote, ``</script``) starts where the last one of the same kind
stopped and remembers what it found, ``nothing until the end`` included, so each
character is looked at a bounded number of times.

The interface is the part of ``html.parser.HTMLParser`` our text extractors use:
``feed()``/``close()`` and the ``handle_starttag`` (lower-case name, attribute values
unescaped), ``handle_endtag``, ``handle_startendtag`` and ``handle_data`` callbacks.
Differences, all on broken markup: the document is parsed at ``close()``; a comment, or
a tag whose quoted attribute value, never closes swallows the rest of the document (as
in browsers); a ``<`` with no ``>`` anywhere after it starts plain text; with
``convert_charrefs=False`` entities stay in the data as written. Pure Python, no Django.
"""
from __future__ import annotations

import html
import re

__all__ = ["LinearHTMLParser"]

_TAG_NAME = re.compile(r"[a-zA-Z][^\t\n\r\f />\x00]*")
_SKIP = re.compile(r"[\s/]*")  # between attributes (a stray '/' is ignored, as html.parser does)
_SPACE = re.compile(r"\s*")
_ATTR_NAME = re.compile(r"=?[^\s/>=]*")  # at a non-space, non-'/', non-'>': at least one character
_BARE_VALUE = re.compile(r"[^\s>]*")
_RAW_TEXT = frozenset({"script", "style"})


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where a run of `pattern` (one that also matches nothing) starting at pos ends."""
    match = pattern.match(text, pos)
    return match.end() if match else pos


class _Finder:
    """``str.find`` / ``re.search`` that remember their last answer per needle.

    The parser only moves forward, so an answer found at or after the current
    position is still the next one, and "not found from p on" stays true for every
    later position: each stretch of text is searched once per needle.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: dict[object, tuple[int, int]] = {}  # needle -> (searched from, result)

    def find(self, needle: str | re.Pattern[str], pos: int) -> int:
        known = self._found.get(needle)
        if known is not None:
            start, result = known
            if start <= pos and (result < 0 or result >= pos):
                return result
        if isinstance(needle, str):
            result = self.text.find(needle, pos)
        else:
            match = needle.search(self.text, pos)
            result = match.start() if match else -1
        self._found[needle] = (pos, result)
        return result


class LinearHTMLParser:
    """Base class: override the ``handle_*`` callbacks, then ``feed(text)`` and ``close()``."""

    def __init__(self, *, convert_charrefs: bool = True) -> None:
        self.convert_charrefs = convert_charrefs
        self._chunks: list[str] = []
        self._raw_end: dict[str, re.Pattern[str]] = {}

    # -- what subclasses override ------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        pass

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        pass

    # -- input ----------------------------------------------------------------------

    def feed(self, data: str) -> None:
        self._chunks.append(data)

    def close(self) -> None:
        text, self._chunks = "".join(self._chunks), []
        self._parse(text)

    # -- the scanner ---------------------------------------------------------------------

    def _text(self, data: str) -> None:
        if data:
            self.handle_data(html.unescape(data) if self.convert_charrefs and "&" in data else data)

    def _parse(self, text: str) -> None:
        finder = _Finder(text)
        n, pos = len(text), 0
        while pos < n:
            lt = finder.find("<", pos)
            if lt < 0:
                self._text(text[pos:])
                return
            self._text(text[pos:lt])
            pos = self._markup(text, lt, finder)

    def _markup(self, text: str, i: int, finder: _Finder) -> int:
        """Read the construct at text[i] == '<'; return where the text after it starts."""
        after = text[i + 1:i + 2]
        opens_tag = after.isascii() and after.isalpha()
        if not (opens_tag or after in ("/", "!", "?")):
            self._text("<")
            return i + 1
        gt = finder.find(">", i + 1)
        if gt < 0:  # nothing can close any more: the rest is text
            self._text(text[i:])
            return len(text)
        if opens_tag:
            return self._start_tag(text, i, finder)
        if after == "/":
            name = _TAG_NAME.match(text, i + 2)
            if name and name.end() <= gt:
                self.handle_endtag(name.group().lower())
            return gt + 1  # `</>` and `</3 …>` are bogus comments: dropped
        if text.startswith("<!--", i):
            end = finder.find("-->", i + 4)
            return len(text) if end < 0 else end + 3
        if text.startswith("<![CDATA[", i):
            end = finder.find("]]>", i + 9)
            return len(text) if end < 0 else end + 3
        return gt + 1  # <!doctype …>, <?xml …?> and other declarations: dropped

    def _start_tag(self, text: str, i: int, finder: _Finder) -> int:
        name_end = _skip(_TAG_NAME, text, i + 1)  # _markup saw the letter it starts with
        tag = text[i + 1:name_end].lower()
        attrs: list[tuple[str, str | None]] = []
        pos, n = name_end, len(text)
        while True:
            pos = _skip(_SKIP, text, pos)
            if pos >= n:
                return n  # the tag never ends: dropped with the rest
            if text[pos] == ">":
                break
            key_end = _skip(_ATTR_NAME, text, pos)
            key, pos = text[pos:key_end].lower(), key_end
            value: str | None = None
            eq = _skip(_SPACE, text, pos)
            if eq < n and text[eq] == "=":
                start = _skip(_SPACE, text, eq + 1)
                quote = text[start:start + 1]
                if quote in ('"', "'"):
                    close = finder.find(quote, start + 1)
                    if close < 0:
                        return n  # an attribute value that never closes: the rest is inside it
                    value, pos = text[start + 1:close], close + 1
                else:
                    pos = _skip(_BARE_VALUE, text, start)
                    value = text[start:pos]
                value = html.unescape(value) if "&" in value else value
            attrs.append((key, value))
        end = pos + 1
        if pos > name_end and text[pos - 1] == "/":
            self.handle_startendtag(tag, attrs)
            return end
        self.handle_starttag(tag, attrs)
        if tag in _RAW_TEXT:
            return self._raw_text(text, tag, end, finder)
        return end

    def _raw_text(self, text: str, tag: str, start: int, finder: _Finder) -> int:
        """<script>/<style>: their content is data as written, up to their own end tag."""
        pattern = self._raw_end.get(tag)
        if pattern is None:
            pattern = self._raw_end[tag] = re.compile(f"</{tag}(?![a-z0-9])", re.IGNORECASE)
        end = finder.find(pattern, start)
        if end < 0:
            if start < len(text):
                self.handle_data(text[start:])
            return len(text)
        if end > start:
            self.handle_data(text[start:end])
        gt = finder.find(">", end)
        self.handle_endtag(tag)
        return len(text) if gt < 0 else gt + 1
