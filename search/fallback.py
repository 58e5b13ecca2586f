"""The fallback search: the database searches while the search engine is unavailable.

Each searchable type may offer a fallback (``SearchableType.fallback(user)``: the items a
person may see); they are searched with Wagtail's own database search backend over the
models' ``search_fields`` (full-text on PostgreSQL and SQLite, with BM25-like scores), every
word required; titles holding more of the words rank first. The text search runs over
the live items of each model; the matches are then narrowed, in the database, to what the
person may see — so restricted items never leave the database for outsiders.

Any input is accepted: it is cleaned, cut to ``MAX_QUERY_LENGTH`` characters and to
``MAX_TERMS`` words, so no query can turn into an error or an expensive scan.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from wagtail.search.backends import get_search_backend

from .registry import registry
from .trails import page_trails

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MIN_TERM_LENGTH = 2
CANDIDATES_PER_TYPE = 200

_TERM = re.compile(r'"([^"]+)"|(\S+)')
_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{}<>.,;:!?¿¡*`~|\\/"


@dataclass
class FallbackHit:
    obj: Any
    kind: str
    score: float
    #: Words of the query found in the title: title hits rank first.
    in_title: int = 0
    trail: list = field(default_factory=list)

    @property
    def pk(self):
        return self.obj.pk

    @property
    def title(self) -> str:
        return self.obj.title

    @property
    def summary(self) -> str:
        return getattr(self.obj, "summary", "") or ""

    @property
    def url(self) -> str:
        url = getattr(self.obj, "url", None)
        if url is None and hasattr(self.obj, "get_absolute_url"):
            url = self.obj.get_absolute_url()
        return url or ""

    @property
    def updated(self):
        return getattr(self.obj, "last_published_at", None) or getattr(
            self.obj, "last_activity_at", None
        )

    @property
    def products(self) -> list:
        segments = getattr(self.obj, "segments", None)
        if segments is None:
            return []
        return [s for s in segments.all() if s.kind == "product"]


def clean_query(raw: str | None) -> tuple[str, bool]:
    """Normalize a raw query: drop control characters, squeeze spaces, cap the length.

    Returns the cleaned query and whether it had to be shortened.
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rstrip(), True
    return text, False


def terms(query: str) -> list[str]:
    """The words (and "quoted phrases") of a query, lower-cased, at most ``MAX_TERMS``."""
    found: list[str] = []
    for phrase, word in _TERM.findall(query):
        term = " ".join((phrase or word).strip(_EDGE_PUNCTUATION).lower().split())
        if term and term not in found:
            found.append(term)
    long_enough = [t for t in found if len(t) >= MIN_TERM_LENGTH]
    return (long_enough or found)[:MAX_TERMS]


def _matches(model, text: str, operator: str) -> list[tuple[int, float]]:
    """(pk, score) of the live items of ``model`` whose indexed text has every word (or,
    with ``operator="or"``, any word)."""
    queryset = model.objects.all()
    if hasattr(queryset, "live"):
        queryset = queryset.live()
    results = get_search_backend("default").search(text, queryset, operator=operator)
    results = results.annotate_score("_fallback_score")[:CANDIDATES_PER_TYPE]
    return [(obj.pk, float(getattr(obj, "_fallback_score", 0) or 0)) for obj in results]


def search_content(
    query: str,
    user,
    kind: str | None = None,
    *,
    types: list[str] | None = None,
    any_word: bool = False,
) -> list[FallbackHit]:
    """Items of every type with a fallback (or of ``kind``, or of ``types``) that match
    every word of ``query`` (``any_word``: any of them) and that ``user`` may see, best
    first (the newest first among equals)."""
    words = terms(clean_query(query)[0])
    if not words:
        return []
    text = " ".join(words)
    hits: list[FallbackHit] = []
    for searchable in registry:
        if searchable.fallback is None or (kind and kind != searchable.key):
            continue
        if types is not None and searchable.key not in types:
            continue
        scores = dict(_matches(searchable.model, text, "or" if any_word else "and"))
        if not scores:
            continue
        visible = searchable.fallback(user).filter(pk__in=list(scores)).prefetch_related("segments")
        for obj in visible:
            title = obj.title.lower()
            in_title = sum(word in title for word in words)
            hits.append(
                FallbackHit(obj=obj, kind=searchable.key, score=scores[obj.pk], in_title=in_title)
            )
    hits.sort(key=_rank, reverse=True)
    trails = page_trails([hit.obj for hit in hits if hasattr(hit.obj, "path")])
    for hit in hits:
        hit.trail = trails.get(getattr(hit.obj, "path", ""), [])
    return hits


def _rank(hit: FallbackHit) -> tuple[int, float, float]:
    """Most query words in the title first, then the database's text score, then newest."""
    updated = hit.updated
    return hit.in_title, hit.score, updated.timestamp() if updated else 0.0
