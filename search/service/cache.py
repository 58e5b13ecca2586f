"""Pages of results kept for everyone who would get the same page.

A search costs the engine, the query's encoding, the re-ranking, the database re-check
and the snippets; the same query by people who see the same content and rank the same
way gets the same page. So the page is kept in the cache under a key made of:

- the request (query, filters, sort, page, size, exact) and the reader's language (it
  decides which language is searched first and the language of the page's notes);
- the person's *access signature* (``segments.policy.access_signature``) and *ranking
  profile* (products, role, stage: ``Person.label``): never per person, never shared by
  two people who may see different things or whose results rank differently;
- three counters: the index's (moved on by the write side after every batch it applies
  and every switch to a rebuilt version: ``index_changed``), the content fragments'
  (publish, unpublish, move, privacy, segments: ``core.fragments``) and the anonymous
  pages' (forum posts, votes and moderation: ``core.pagecache``). A change of any of
  them makes every kept page new at once, so what was re-checked against the database
  when the page was computed still holds when it is served again.

Pages that fell back to the database search (the engine was down) and debug pages are
never kept. With the cache down, every search is computed, as without one.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from core import fragments, pagecache
from segments import policy

from .people import person_for
from .results import SearchPage, SearchRequest

T = TypeVar("T")

INDEX_GENERATION_KEY = "search:index-generation"
_COUNTERS = (INDEX_GENERATION_KEY, fragments.GENERATION_KEY, pagecache.GENERATION_KEY)


def index_changed(*args, **kwargs) -> None:
    """The index changed (documents written or removed, a new version switched to):
    forget every kept page of results. Takes and ignores any arguments (a receiver)."""
    with suppress(Exception):  # the cache is not answering: nothing is served from it either
        fragments.bump_generation(INDEX_GENERATION_KEY)


def index_generation() -> int:
    """The index's counter: part of the key of anything built from search results."""
    return fragments.generation(INDEX_GENERATION_KEY)


def _counters() -> list[str]:
    found = cache.get_many(_COUNTERS)
    return [str(found.get(key) or fragments.generation(key)) for key in _COUNTERS]


def page_key(service, request: SearchRequest, user, label: str) -> str:
    """The cache key of ``request``'s page by ``service`` for ``user`` (whose ranking
    profile is ``label``)."""
    backend = service.backend
    parts = [
        backend.name,
        backend.index_name,
        service.mode,
        request.q,
        ",".join(request.types),
        ",".join(request.products),
        ",".join(request.tags),
        ",".join(request.languages),
        request.reader_language,
        translation.get_language() or "",
        request.sort,
        str(request.page),
        str(request.per_page),
        str(int(request.strict)),
        str(int(request.exact)),
        policy.access_signature(user),
        label,
        *_counters(),
    ]
    return "search:page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def cached_search(service, request: SearchRequest, user) -> SearchPage:
    """``service.search(request, user)``, from the cache when the same page was computed
    for the same access and ranking since the last change."""
    timeout = settings.SEARCH_RESULTS_CACHE_SECONDS
    if request.debug or timeout <= 0:
        return service.search(request, user)
    started = time.perf_counter()
    person = person_for(user)
    try:
        key = page_key(service, request, user, person.label)
        page = cache.get(key)
    except Exception:  # the cache is not answering: compute, as without one
        return service.search(request, user, person=person)
    if isinstance(page, SearchPage):
        page.from_cache = True
        page.cache_key = key
        page.latency_ms = (time.perf_counter() - started) * 1000
        return page
    page = service.search(request, user, person=person)
    if not page.degraded and not page.error:
        with suppress(Exception):
            cache.set(key, page, timeout)
            page.cache_key = key
    return page


def kept_with(page: SearchPage, name: str, build: Callable[[], T]) -> T:
    """``build()`` — something made only of ``page`` (its results rendered as HTML) — kept
    with the page: under its key, for as long. Built afresh for pages that are not kept."""
    if not page.cache_key:
        return build()
    key = f"{page.cache_key}:{name}"
    try:
        value = cache.get(key)
    except Exception:  # the cache is not answering
        return build()
    if value is None:
        value = build()
        with suppress(Exception):
            cache.set(key, value, settings.SEARCH_RESULTS_CACHE_SECONDS)
    return value
