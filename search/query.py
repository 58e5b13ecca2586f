"""Understanding what someone typed into a search box.

``parse(raw)`` never raises. It accepts free words, ``"quoted phrases"`` (which must occur),
``-exclusions`` (``-word`` or ``-"a phrase"``) and filters ``product:``, ``tag:`` and
``type:`` (a value may be quoted: ``product:"Ledger Cloud"``). Everything else is text:
an unbalanced quote is ignored, a lone ``-`` or ``:`` is dropped, an unknown ``foo:bar``
is searched as the words ``foo bar``, control characters and emoji are harmless, and input
longer than ``MAX_QUERY_LENGTH`` characters is cut (with a note to show the person).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .backends.text import query_words

MAX_QUERY_LENGTH = 500
MAX_PHRASES = 5
MAX_EXCLUSIONS = 10
FILTER_NAMES = ("product", "tag", "type", "lang")
#: Words that carry little meaning in a search or a question: left out of the query
#: (unless every word is one), so they neither match nor count towards how many words a
#: result must contain. Exact-title and phrase matching still see them.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can cannot could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just me more most my no nor not now of off on once only or other our ours out over
    own same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself also get got anyone someone please thanks
    hi hello way want need know""".split()  # noqa: SIM905
)

# A token: an optional "-", then a filter name with ":", then a quoted or bare value.
_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<name>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"]+))'
)


@dataclass
class ParsedQuery:
    raw: str
    #: The cleaned query, as searched (shown back to the person).
    text: str = ""
    #: Free words in order (lower case).
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    #: ``product`` / ``tag`` / ``type`` → values as typed (lower case).
    filters: dict[str, list[str]] = field(default_factory=dict)
    truncated: bool = False
    messages: list[str] = field(default_factory=list)

    @property
    def free_text(self) -> str:
        return " ".join(self.words)

    @property
    def keywords(self) -> list[str]:
        """Free words without stopwords (all of them when every word is a stopword)."""
        kept = [w for w in self.words if w not in STOPWORDS]
        return kept or list(self.words)

    @property
    def is_empty(self) -> bool:
        """Nothing to look for (filters alone still browse)."""
        return not (self.words or self.phrases)

    @property
    def normalized(self) -> str:
        """A canonical form for analytics: lower case, operators in a fixed order."""
        parts = list(self.words)
        parts += [f'"{p}"' for p in self.phrases]
        parts += [f"-{e}" if " " not in e else f'-"{e}"' for e in self.excluded]
        for name in FILTER_NAMES:
            for value in self.filters.get(name, []):
                parts.append(f'{name}:"{value}"' if " " in value else f"{name}:{value}")
        return " ".join(parts)[:MAX_QUERY_LENGTH]


#: Persian and Arabic-Indic digits as 0–9: a number means the same in every language.
_DIGITS = str.maketrans({chr(base + i): str(i) for base in (0x06F0, 0x0660) for i in range(10)})


def clean(raw: str | None) -> tuple[str, bool]:
    """NFC, no control or format characters, single spaces, digits as 0–9, at most
    ``MAX_QUERY_LENGTH``."""
    text = unicodedata.normalize("NFC", str(raw or "")).translate(_DIGITS)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        cut = text[:MAX_QUERY_LENGTH]
        return (cut.rsplit(" ", 1)[0] if " " in cut else cut), True
    return text, False


def _phrase(value: str) -> str:
    return " ".join(query_words(value))


def parse(raw: str | None) -> ParsedQuery:
    text, truncated = clean(raw)
    parsed = ParsedQuery(raw=str(raw or ""), text=text, truncated=truncated)
    if truncated:
        parsed.messages.append(
            _(
                "Searches are limited to %(limit)s characters, so we searched for the "
                "beginning of what you typed."
            )
            % {"limit": MAX_QUERY_LENGTH}
        )
    if text.count('"') % 2:
        # An unbalanced quote: the last one is ignored.
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1 :]
    words: list[str] = []
    for match in _TOKEN.finditer(text):
        negative = bool(match.group("neg"))
        name = (match.group("name") or "").lower()
        quoted = match.group("quoted")
        value = quoted if quoted is not None else match.group("bare") or ""
        if name in FILTER_NAMES and not negative:
            value = " ".join(value.split()).strip().lower()
            if value:
                values = parsed.filters.setdefault(name, [])
                if value not in values:
                    values.append(value)
            continue
        if name:
            # Not a filter we know ("foo:bar", "http://..."): its words are text.
            value = f"{name} {value}"
        if negative:
            phrase = _phrase(value)
            if phrase and phrase not in parsed.excluded:
                parsed.excluded.append(phrase)
            continue
        if quoted is not None and not name:
            phrase = _phrase(value)
            if len(phrase.split()) > 1:
                if phrase not in parsed.phrases:
                    parsed.phrases.append(phrase)
                continue
            value = phrase  # a quoted single word is just a word
        words += query_words(value)
    parsed.words = list(dict.fromkeys(words))
    if len(parsed.phrases) > MAX_PHRASES:
        parsed.phrases = parsed.phrases[:MAX_PHRASES]
    if len(parsed.excluded) > MAX_EXCLUSIONS:
        parsed.excluded = parsed.excluded[:MAX_EXCLUSIONS]
    # A word that is also excluded cannot be both.
    parsed.words = [w for w in parsed.words if w not in parsed.excluded]
    if parsed.is_empty and parsed.excluded:
        parsed.messages.append(_("Add a word to search for: exclusions alone match nothing."))
    return parsed


def min_should_match(count: int) -> int:
    """How many of ``count`` keywords a result needs: all of one or two, then one fewer
    up to four, then 60 % — so one unknown word never empties the page."""
    if count <= 1:
        return count
    if count == 2:
        return 1
    if count <= 4:
        return count - 1
    return max(3, round(count * 0.6))
