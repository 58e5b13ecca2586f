"""The search service: the one way into the search engine.

Every feature goes through here — the search page, the JSON API, type-ahead, the forum's
similar questions, related articles and the contact-support suggestions:

- ``search(request, user)`` → a ``SearchPage``: parsed query, ranked results with
  highlighted snippets, facets, "did you mean", paging;
- ``suggest(prefix, user)`` → type-ahead: matching titles and popular past queries;
- ``similar(text, user, ...)`` → items that answer a question being asked (related
  articles are this with an article as the question).

Its parts: ``results`` (requests and pages), ``people`` (who is searching), ``verify``
(the database re-check), ``page``, ``spelling``, ``typeahead`` and ``similar`` (the
service's methods by what they serve), ``engine`` (the class and module shortcuts).

Every query carries the person's access terms (``segments.policy.access_terms``), so
restricted items never reach results, counts, facets, suggestions or snippets; and every
hit shown is checked again against the database (``verify``) — the index may lag behind
a change by a moment, access must not. When the engine is unavailable, the page and API
fall back to a database search (``search.fallback``) and say so; other features catch
``SearchUnavailable`` and do without.

The service knows content types only through the registry (``search.registry``): their
labels, aliases, how a hit is checked against the database and how each ranks.
"""

from .. import ranking
from ..backends import SearchBackendError
from .cache import index_generation, kept_with
from .engine import SearchService, get_service, search, similar, suggest
from .people import anonymous_person, forget_product_names, person_for, product_names
from .results import (
    FACETS,
    MAX_PAGE,
    PER_PAGE,
    FacetValue,
    InvalidRequest,
    Result,
    SearchPage,
    SearchRequest,
    Suggestion,
    type_label,
    type_plural,
)
from .spelling import edit_distance
from .verify import visible_items

#: What features catch when search cannot answer (the engine is down, times out, or its
#: index cannot be read): they do without search (and say so) rather than fail.
SearchUnavailable = SearchBackendError
#: Ranking profiles a feature may ask for.
SEARCH_PROFILE = ranking.SEARCH
SIMILAR_PROFILE = ranking.SIMILAR


def fallback_search(text: str, user, *, types=None, any_word: bool = False):
    """The database search that stands in while the engine is down (``search.fallback``):
    items of ``types`` (default: every type with a fallback) ``user`` may see."""
    from ..fallback import search_content

    return search_content(text, user, types=types, any_word=any_word)


__all__ = [
    "FACETS",
    "MAX_PAGE",
    "PER_PAGE",
    "SEARCH_PROFILE",
    "SIMILAR_PROFILE",
    "FacetValue",
    "InvalidRequest",
    "Result",
    "SearchPage",
    "SearchRequest",
    "SearchService",
    "SearchUnavailable",
    "Suggestion",
    "anonymous_person",
    "edit_distance",
    "fallback_search",
    "index_generation",
    "kept_with",
    "forget_product_names",
    "get_service",
    "person_for",
    "product_names",
    "search",
    "similar",
    "suggest",
    "type_label",
    "type_plural",
    "visible_items",
]
