"""What the service takes and gives: requests, pages of results, suggestions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.safestring import SafeString, mark_safe

from .. import query as query_parsing
from ..registry import registry
from ..schema import SORT_RELEVANCE, SearchDocument

FACETS = {"type": "type", "product": "products", "tag": "tags", "lang": "locale"}
PER_PAGE = 10
MAX_PAGE = 100
#: Candidates the engine returns for re-ranking (pages beyond it widen it).
RERANK_WINDOW = 50
MAX_WINDOW = 1000
#: Fewer results than this and "did you mean" looks for a better spelling.
FEW_RESULTS = 3
SIMILAR_MAX_WORDS = 64


def type_label(key: str) -> str:
    searchable = registry.get(key)
    return str(searchable.label) if searchable is not None else key


def type_plural(key: str) -> str:
    searchable = registry.get(key)
    return str(searchable.plural) if searchable is not None else key


# --- Requests and results -----------------------------------------------------------------


class InvalidRequest(ValueError):
    """A parameter that cannot be used (the API answers 400 with ``str(exc)``)."""


@dataclass
class SearchRequest:
    q: str = ""
    types: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sort: str = SORT_RELEVANCE
    page: int = 1
    per_page: int = PER_PAGE
    debug: bool = False
    #: Unknown filter values raise ``InvalidRequest`` (API) instead of a note (page).
    strict: bool = False
    #: Only content in these languages (``lang=`` in the URL; ``lang:`` in the query adds).
    languages: list[str] = field(default_factory=list)
    #: The reader's language: searched first; the others join when it finds little.
    reader_language: str = ""
    #: Search for the query as typed, never for a corrected spelling of it.
    exact: bool = False


@dataclass
class Result:
    id: str
    type: str
    title: str
    url: str
    score: float
    snippet: str = ""
    snippet_html: SafeString = field(default_factory=lambda: mark_safe(""))
    title_html: SafeString = field(default_factory=lambda: mark_safe(""))
    products: list[str] = field(default_factory=list)
    product_names: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    tag_names: list[str] = field(default_factory=list)
    updated: datetime | None = None
    published: datetime | None = None
    solved: bool = False
    answer_count: int = 0
    parent_title: str = ""
    rank: int = 0
    explanation: list[tuple[str, str]] = field(default_factory=list)
    obj: object = None
    #: The indexed document the result was built from.
    document: SearchDocument | None = None
    #: Pages above a page result, below the home page (knowledge base › category).
    trail: list = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return type_label(self.type)

    @property
    def key(self) -> str:
        return self.id

    @property
    def language(self) -> str:
        """The language the item is written in (its indexed locale)."""
        document = self.document
        return (document.locale if document is not None else "") or ""

    def as_api(self) -> dict:
        return {
            "type": self.type,
            "title": self.title,
            "url": self.url,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "products": self.products,
            "tags": self.tags,
            "updated": self.updated.isoformat() if self.updated else None,
            "language": self.language,
        }


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchPage:
    request: SearchRequest
    parsed: query_parsing.ParsedQuery
    total: int = 0
    results: list[Result] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str = ""
    #: The query as typed, when the results shown are for a corrected spelling of it.
    corrected_from: str = ""
    messages: list[str] = field(default_factory=list)
    relaxed: bool = False
    #: Little was found in the reader's language: every language was searched.
    other_languages: bool = False
    degraded: bool = False
    error: str = ""
    latency_ms: float = 0.0
    #: Served from the results cache (``search.service.cache``), not computed for this request.
    from_cache: bool = False
    #: Its key in the results cache, when it is kept there (``search.service.cache``).
    cache_key: str = ""
    backend: str = ""
    #: How the backend searches vectors, and why (debug pages only): ``knn``, ``rerank``…
    vectors: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def num_pages(self) -> int:
        return max(1, min(MAX_PAGE, math.ceil(self.total / max(1, self.request.per_page))))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.request.per_page + 1 if self.results else 0


@dataclass
class Suggestion:
    kind: str  # "query" or a content type
    text: str
    url: str
    type_label: str = ""

    def as_api(self) -> dict:
        data = {"kind": self.kind, "text": self.text, "url": self.url}
        if self.type_label:
            data["type"] = self.type_label
        return data
