"""The one search document schema, and the query and result shapes every backend speaks.

Every searchable content type (``search.registry``: articles, announcements, forum
questions, attached files…) becomes a ``SearchDocument``; each type's own builder makes
them, ``indexing`` writes them, the backends store them. A field
added here must be added to both backends' mappings, and bump ``SCHEMA_VERSION`` so that
running indexes are rebuilt (``manage.py search_reindex``) before they are written to.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Bumped whenever a field or an analyzer changes: an index built with another version
#: refuses writes until ``manage.py search_reindex`` builds a fresh one.
SCHEMA_VERSION = 3  # 3: document vectors (OpenSearch: the ``semantic`` source object)

#: Exact-match fields (filters, facets, access). Values are stored as given.
KEYWORD_FIELDS = ("id", "type", "tags", "products", "roles", "stages", "access", "locale", "parent")
#: Fields a query can filter on and count (facets).
FACET_FIELDS = ("type", "tags", "products", "roles", "stages", "locale")
#: Filterable fields: every facet field, the id (a candidate list), the parent of attached
#: documents and booleans.
FILTER_FIELDS = (*FACET_FIELDS, "id", "parent", "solved", "promoted")
#: Analyzed full-text fields (English stemming) and their default query weights.
TEXT_FIELDS = {
    "title": 4.0,
    "tag_names": 2.5,
    "summary": 2.0,
    "accepted_answer": 1.5,
    "text": 1.0,
    "parent_title": 0.5,
}
DATE_FIELDS = ("created", "updated", "published")
INTEGER_FIELDS = ("helpful_votes", "answer_count", "views")
BOOLEAN_FIELDS = ("solved", "promoted")
#: Stored, never searched.
STORED_ONLY_FIELDS = ("url",)
MULTI_VALUED = ("tags", "tag_names", "products", "roles", "stages", "access")

SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORTS = (SORT_RELEVANCE, SORT_NEWEST)


def doc_id(kind: str, pk) -> str:
    return f"{kind}:{pk}"


def split_id(value: str) -> tuple[str, str]:
    kind, _, pk = value.partition(":")
    return kind, pk


@dataclass
class SearchDocument:
    """One item in the search index. ``access`` holds ``segments.policy`` terms."""

    id: str
    type: str
    title: str
    url: str
    text: str = ""
    summary: str = ""
    accepted_answer: str = ""
    tags: list[str] = field(default_factory=list)  # tag slugs (filters, facets)
    tag_names: list[str] = field(default_factory=list)  # tag names (searched)
    products: list[str] = field(default_factory=list)  # segment slugs, by kind
    roles: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    access: list[str] = field(default_factory=list)  # ["public"] or ["segment:3", ...]
    locale: str = "en"
    parent: str = ""  # attached documents: the id of the article they belong to
    parent_title: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    published: datetime | None = None
    helpful_votes: int = 0
    answer_count: int = 0
    solved: bool = False
    views: int = 0
    promoted: bool = False  # featured article, pinned announcement

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchDocument:
        """Rebuild a document from what a backend stored (tolerates missing fields)."""
        values: dict[str, Any] = {}
        for name, kind in _field_kinds():
            if name not in data:
                continue
            value = data[name]
            if kind == "multi":
                value = [value] if isinstance(value, str) else list(value or [])
            else:
                if isinstance(value, list):
                    value = value[0] if value else None
                if kind == "date":
                    value = parse_datetime(value)
                elif kind == "int":
                    value = int(value or 0)
                elif kind == "bool":
                    value = bool(value)
                elif kind == "str" and value is None:
                    value = ""
            values[name] = value
        return cls(**values)


@functools.cache
def _field_kinds() -> tuple[tuple[str, str], ...]:
    """``SearchDocument``'s fields and how a stored value becomes theirs (read once: every
    search hit is rebuilt through ``from_dict``)."""
    kinds = []
    for f in dataclasses.fields(SearchDocument):
        if f.name in MULTI_VALUED:
            kind = "multi"
        elif f.name in DATE_FIELDS:
            kind = "date"
        elif f.name in INTEGER_FIELDS:
            kind = "int"
        elif f.name in BOOLEAN_FIELDS:
            kind = "bool"
        else:
            kind = "str" if f.type == "str" else "other"
        kinds.append((f.name, kind))
    return tuple(kinds)


def parse_datetime(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        # Epoch milliseconds (OpenSearch sort values).
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class SearchQuery:
    """What to look for. Every query carries access terms (``None``: staff, no filter).

    ``text`` is free text whose words are OR-ed: a document matches when at least
    ``min_should_match`` of them occur in one of ``fields`` (default ``TEXT_FIELDS`` with
    their weights); scoring is BM25. ``groups`` replaces the words of ``text`` with clauses
    of alternatives (a word and its synonyms; an alternative of several words is matched
    as a phrase); ``min_should_match`` then counts groups. ``phrases`` must all occur,
    ``exclude`` (words or phrases) must not occur in any text field. ``phrase_boost`` > 0
    scores the words of ``text``, in order, as one phrase in the title and the body.

    ``filters`` maps a field of ``FILTER_FIELDS`` to the values allowed (any of them);
    different fields must all match.
    """

    text: str = ""
    groups: list[tuple[str, ...]] | None = None
    phrases: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    phrase_boost: float = 0.0
    access: list[str] | None = field(default_factory=lambda: ["public"])
    filters: dict[str, list[Any]] = field(default_factory=dict)
    fields: dict[str, float] | None = None
    min_should_match: int = 1
    sort: str = SORT_RELEVANCE
    offset: int = 0
    limit: int = 10
    facets: tuple[str, ...] = ()
    facet_size: int = 20
    #: The languages whose analysis the words go through (``search.analysis``): a query in
    #: Persian is analysed the Persian way and meets Persian documents' terms.
    languages: tuple[str, ...] = ("en",)

    def __post_init__(self):
        unknown = set(self.filters) - set(FILTER_FIELDS)
        if unknown:
            raise ValueError(f"Not a filter field: {', '.join(sorted(unknown))}")
        unknown = set(self.facets) - set(FACET_FIELDS)
        if unknown:
            raise ValueError(f"Not a facet field: {', '.join(sorted(unknown))}")
        if self.fields is not None and set(self.fields) - set(TEXT_FIELDS):
            raise ValueError("Not a text field: " + ", ".join(set(self.fields) - set(TEXT_FIELDS)))
        if self.sort not in SORTS:
            raise ValueError(f"Unknown sort {self.sort!r}")
        from .analysis import VARIANTS

        self.languages = tuple(dict.fromkeys(self.languages or ("en",)))
        if set(self.languages) - set(VARIANTS):
            raise ValueError("Unknown language: " + ", ".join(set(self.languages) - set(VARIANTS)))
        self.offset = max(0, int(self.offset))
        self.limit = max(0, int(self.limit))
        self.filters = {
            name: [values] if isinstance(values, str | bool | int) else list(values)
            for name, values in self.filters.items()
        }
        if self.groups is not None:
            self.groups = [tuple(g) for g in self.groups if any(a.strip() for a in g)]
        self.phrases = [p for p in self.phrases if p.strip()]
        self.exclude = [e for e in self.exclude if e.strip()]

    def clauses(self) -> list[tuple[str, ...]]:
        """The OR-ed clauses: ``groups``, or one clause per word of ``text``."""
        from .backends.text import query_words

        if self.groups is not None:
            return self.groups[: self.max_clauses]
        return [(word,) for word in query_words(self.text)]

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip() or self.groups or self.phrases)

    #: At most this many clauses are evaluated (longer input is cut).
    max_clauses = 64

    @property
    def weights(self) -> dict[str, float]:
        return self.fields if self.fields is not None else TEXT_FIELDS

    def variants(self) -> list[tuple[str, float]]:
        """``(analysis variant, weight)`` of every variant of the query's languages."""
        from .analysis import VARIANT_WEIGHTS, VARIANTS

        return [(v, VARIANT_WEIGHTS[v]) for language in self.languages for v in VARIANTS[language]]


@dataclass
class SearchHit:
    id: str
    score: float
    document: SearchDocument
    #: Hybrid ranking: the lexical (BM25) and vector (cosine) scores fused into ``score``
    #: (``None``: the document was not found that way).
    lexical: float | None = None
    semantic: float | None = None


@dataclass
class SearchResults:
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [hit.id for hit in self.hits]
