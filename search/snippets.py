"""Highlighted passages: the part of a document that best matches the query.

The same on every backend: words are compared by their terms in every language's analysis
(``search.analysis.match_keys``), so "resetting" in a text matches a search for "reset",
"setari" marks "setări" and "كاربر" marks "کاربران". Output is HTML-safe:
the text is escaped and only ``<mark>`` is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .analysis import match_keys

_WORD = re.compile(r"\w+", re.UNICODE)
#: How much of a long text is scanned for the best passage.
SCAN_CHARS = 20_000
PASSAGE_CHARS = 220


def stems(words: Iterable[str]) -> frozenset[str]:
    """What the query's words are, in every language's analysis (``match_keys``)."""
    found: set[str] = set()
    for text in words:
        for match in _WORD.finditer(text.lower()):
            found |= match_keys(match.group(0))
    return frozenset(found)


def _matches(text: str, wanted: frozenset[str]) -> list[tuple[int, int, str]]:
    """``(start, end, key)`` of every word of ``text`` that shares a term with the query."""
    if not wanted:
        return []
    found = []
    for match in _WORD.finditer(text):
        common = match_keys(match.group(0).lower()) & wanted
        if common:
            found.append((match.start(), match.end(), min(common)))
    return found


def highlight(text: str, wanted: frozenset[str]) -> SafeString:
    """All of ``text``, escaped, with the wanted words marked."""
    return mark_safe(_render(text, 0, len(text), _matches(text, wanted)))


def _render(text: str, start: int, end: int, matches) -> str:
    out: list[str] = []
    position = start
    for m_start, m_end, _stem in matches:
        if m_start < start or m_end > end:
            continue
        out.append(escape(text[position:m_start]))
        out.append(f"<mark>{escape(text[m_start:m_end])}</mark>")
        position = m_end
    out.append(escape(text[position:end]))
    return "".join(out)


def _best_window(matches, size: int) -> tuple[int, int]:
    """The window of ``size`` characters holding the most distinct wanted stems."""
    best, best_score, left = (matches[0][0], 0), -1, 0
    for right in range(len(matches)):
        while matches[right][1] - matches[left][0] > size:
            left += 1
        inside = matches[left : right + 1]
        score = len({m[2] for m in inside}) * 10 + len(inside)
        if score > best_score:
            best_score, best = score, (matches[left][0], matches[right][1])
    return best


def passage(text: str, wanted: frozenset[str], size: int = PASSAGE_CHARS) -> tuple[str, str]:
    """The best passage of ``text`` as (plain text, HTML with marks); ("", "") if none."""
    scanned = text[:SCAN_CHARS]
    matches = _matches(scanned, wanted)
    if not matches:
        return "", ""
    first, last = _best_window(matches, size)
    # Centre the matched words in a window of about ``size`` characters, on word edges.
    spare = max(0, size - (last - first))
    start = max(0, first - spare // 3)
    end = min(len(scanned), last + spare - (first - start))
    if start > 0 and not scanned[start - 1].isspace():
        # Start on a word edge: the beginning of this word, or else the next one.
        space = scanned.rfind(" ", 0, start)
        if space >= 0 and start - space <= 30:
            start = space + 1
        else:
            following = scanned.find(" ", start, first)
            start = following + 1 if following >= 0 else first
    if end < len(scanned) and not scanned[end].isspace():
        space = scanned.find(" ", end)
        end = space if space >= 0 and space - end <= 30 else max(end, last)
    body = _render(scanned, start, end, matches)
    plain = scanned[start:end].strip()
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return f"{prefix}{plain}{suffix}", f"{prefix}{body.strip()}{suffix}"


def lead(text: str, size: int = PASSAGE_CHARS) -> str:
    """The beginning of ``text``, cut on a word edge."""
    text = " ".join(text.split())
    if len(text) <= size:
        return text
    cut = text[:size].rsplit(" ", 1)[0]
    return f"{cut} …"


def snippet(
    *, summary: str, text: str, accepted_answer: str = "", wanted: frozenset[str]
) -> tuple[str, SafeString]:
    """The passage to show under a result: the best-matching part of the body (or of the
    accepted answer, or the summary); otherwise the summary or the beginning of the body."""
    for source in (text, accepted_answer, summary):
        if source:
            plain, html = passage(" ".join(source.split()), wanted)
            if plain:
                return plain, mark_safe(html)
    fallback = lead(summary or text or accepted_answer)
    return fallback, highlight(fallback, wanted)
