"""Editors' synonyms, applied to queries (never to the index, so no reindex is needed).

``expand(words)`` turns the words of a query into OR-groups: where a run of words is a
term of a synonym set ("log in"), the group holds it and its equivalents ("sign in",
"login"); every other word is a group of one. The sets are read from the database and
kept in memory for ``SEARCH_SYNONYMS_TTL`` seconds; saving or deleting a set clears this
process's copy at once.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save

_lock = threading.Lock()
_cache: dict = {"loaded": 0.0, "table": None}
MAX_PHRASE_WORDS = 4


def _load() -> dict[tuple[str, ...], tuple[str, ...]]:
    from .models import Synonym

    table: dict[tuple[str, ...], list[str]] = {}
    for synonym in Synonym.objects.filter(enabled=True).only("terms"):
        terms = synonym.term_list
        for term in terms:
            key = tuple(term.split())
            if len(key) > MAX_PHRASE_WORDS:
                continue
            others = table.setdefault(key, [])
            for other in terms:
                if other != term and other not in others:
                    others.append(other)
    return {key: tuple(values) for key, values in table.items()}


def table() -> dict[tuple[str, ...], tuple[str, ...]]:
    ttl = getattr(settings, "SEARCH_SYNONYMS_TTL", 30)
    now = time.monotonic()
    with _lock:
        if _cache["table"] is None or now - _cache["loaded"] > ttl:
            _cache["table"] = _load()
            _cache["loaded"] = now
        return _cache["table"]


def clear(*args, **kwargs) -> None:
    with _lock:
        _cache["table"] = None


def expand(words: list[str], *, stopwords: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """OR-groups for ``words`` (lower case, in order). Stopwords outside a synonym phrase
    are left out of the groups."""
    synonyms = table()
    groups: list[tuple[str, ...]] = []
    position = 0
    while position < len(words):
        matched = False
        if synonyms:
            for size in range(min(MAX_PHRASE_WORDS, len(words) - position), 0, -1):
                key = tuple(words[position : position + size])
                if key in synonyms:
                    groups.append((" ".join(key), *synonyms[key]))
                    position += size
                    matched = True
                    break
        if not matched:
            word = words[position]
            if word not in stopwords:
                groups.append((word,))
            position += 1
    return groups


def connect() -> None:
    from .models import Synonym

    post_save.connect(clear, sender=Synonym, dispatch_uid="search.synonyms.saved")
    post_delete.connect(clear, sender=Synonym, dispatch_uid="search.synonyms.deleted")
