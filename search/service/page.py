"""The search page and the API: ranked results, snippets, facets, paging, fallback."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from django.utils.translation import gettext as _

from .. import query as query_parsing
from .. import ranking, snippets
from ..analysis import AUTONYMS, LANGUAGES, language_of
from ..backends import SearchBackendError
from ..schema import SORT_NEWEST, SORT_RELEVANCE
from .base import ServiceBase
from .people import person_for, product_names
from .results import (
    FACETS,
    FEW_RESULTS,
    MAX_PAGE,
    MAX_WINDOW,
    PER_PAGE,
    RERANK_WINDOW,
    FacetValue,
    Result,
    SearchPage,
    SearchRequest,
    type_plural,
)
from .verify import heal, visible_items


def reader_language() -> str:
    from .engine import reader_language as active

    return active()


logger = logging.getLogger(__name__)


class PageSearch(ServiceBase):
    """The search page and the API (a part of ``SearchService``)."""

    def search(
        self, request: SearchRequest, user, *, person: ranking.Person | None = None
    ) -> SearchPage:
        started = time.perf_counter()
        parsed = query_parsing.parse(request.q)
        request.page = max(1, min(MAX_PAGE, int(request.page or 1)))
        request.per_page = max(1, min(50, int(request.per_page or PER_PAGE)))
        page = SearchPage(request=request, parsed=parsed, messages=list(parsed.messages))
        filters, notes = self._resolve_filters(request, parsed)
        page.messages += notes
        page.filters = filters
        person = person or person_for(user)
        try:
            page.backend = self.backend.name
            if request.debug:
                page.vectors = self.vector_description()
            if parsed.is_empty and not filters:
                return page
            self._run(page, parsed, person, filters, user)
            page = self._corrected(page, person, filters, user)
        except SearchBackendError as exc:
            logger.warning("Search is unavailable (%s); using the database search.", exc)
            page.error = f"{type(exc).__name__}: {exc}"[:300]
            page.degraded = True
            page.messages.append(
                _(
                    "Search is running in a limited mode right now: only articles and "
                    "announcements are searched, and results may be less precise."
                )
            )
            self._fallback(page, parsed, user)
        finally:
            page.latency_ms = (time.perf_counter() - started) * 1000
        return page

    def _corrected(self, page: SearchPage, person, filters, user) -> SearchPage:
        """When the query finds little and its corrected spelling finds more, the page of
        the corrected query ("Showing results for …"), unless asked for the exact one."""
        request, parsed = page.request, page.parsed
        if not page.suggestion or page.total >= FEW_RESULTS or request.exact or request.page > 1:
            return page
        words = query_parsing.parse(page.suggestion).words
        inline = [f"{name}:{value}" for name, values in parsed.filters.items() for value in values]
        corrected = replace(parsed, words=words, text=" ".join([page.suggestion, *inline]))
        trial = SearchPage(
            request=request,
            parsed=corrected,
            messages=list(page.messages),
            filters=page.filters,
            backend=page.backend,
        )
        self._run(trial, corrected, person, filters, user)
        if trial.total <= page.total:
            return page
        trial.corrected_from = parsed.text
        trial.suggestion = ""
        return trial

    def _run(self, page: SearchPage, parsed, person, filters, user) -> None:
        backend = self.backend
        request = page.request
        offset = (request.page - 1) * request.per_page
        newest = request.sort == SORT_NEWEST or parsed.is_empty
        window = request.per_page if newest else min(MAX_WINDOW, max(RERANK_WINDOW, offset + 20))
        # The reader's language first (its analysis, its content); every language when
        # that finds little. Languages chosen with ``lang`` are searched as chosen.
        chosen = filters.get("locale")
        reader = language_of(request.reader_language or reader_language())
        languages = tuple(chosen) if chosen else (reader,)
        first = {**filters, "locale": [reader]} if not chosen else filters
        options = {
            "sort": SORT_NEWEST if newest else SORT_RELEVANCE,
            "offset": offset if newest else 0,
            "limit": window,
            "facets": tuple(FACETS.values()),
        }
        query = self.engine_query(parsed, person, filters=first, languages=languages, **options)
        results = backend.search(query)
        if results.total < FEW_RESULTS and first is not filters:
            wider = self.engine_query(
                parsed, person, filters=filters, languages=LANGUAGES, **options
            )
            found = backend.search(wider)
            if found.total > results.total:
                query, results, languages = wider, found, LANGUAGES
                page.other_languages = True
                page.messages.append(
                    _(
                        "Little was found in your language, so results in other languages "
                        "are shown too."
                    )
                )
        if results.total == 0 and query.min_should_match > 1:
            query = replace(query, min_should_match=1)
            results = backend.search(query)
            if results.total:
                page.relaxed = True
                page.messages.append(_("No result has all of your words; these have some of them."))
        page.total = results.total
        hits = results.hits
        if not newest:
            meaning = " ".join([*parsed.words, *parsed.phrases])
            hits = self.combine(query, hits, meaning, use="search", limit=window)
            # Found by meaning alone: counted too (facets count lexical matches only).
            page.total += len({h.id for h in hits} - set(results.ids))
        if newest:
            ordered = [
                ranking.Ranked(hit=hit, score=hit.score, relevance=hit.score, factors=[])
                for hit in results.hits
            ]
        else:
            ordered = ranking.rank(
                hits,
                ranking.SEARCH,
                person,
                query_words=parsed.keywords,
                query_text=parsed.free_text,
            )
            if page.other_languages:
                # The reader's language stays on top; the other languages follow.
                ordered.sort(key=lambda r: language_of(r.hit.document.locale) != reader)
            ordered = ordered[offset : offset + request.per_page]
        wanted = snippets.stems(
            [*parsed.words, *parsed.phrases, *(a for g in query.clauses() for a in g[1:])]
        )
        page.results, dropped = self._results(ordered, user, wanted, debug=request.debug)
        if self.verify:
            self.add_trails(page.results)
        page.total = max(len(page.results) + offset, page.total - dropped)
        page.facets = self._facets(results.facets, filters)
        if page.total < FEW_RESULTS and parsed.words:
            page.suggestion = self.did_you_mean(
                parsed, person, query.filters, current=page.total, languages=languages
            )

    def _results(self, ordered, user, wanted, *, debug=False) -> tuple[list[Result], int]:
        ids = [r.hit.id for r in ordered]
        objects = visible_items(ids, user) if self.verify else {}
        stale = [i for i in ids if self.verify and i not in objects]
        heal(stale)
        names = product_names()
        out = []
        for position, ranked in enumerate(r for r in ordered if r.hit.id not in stale):
            doc = ranked.document
            plain, html = snippets.snippet(
                summary=doc.summary,
                text=doc.text,
                accepted_answer=doc.accepted_answer,
                wanted=wanted,
            )
            out.append(
                Result(
                    id=doc.id,
                    type=doc.type,
                    title=doc.title,
                    url=doc.url,
                    score=ranked.score,
                    snippet=plain,
                    snippet_html=html,
                    title_html=snippets.highlight(doc.title, wanted),
                    products=doc.products,
                    product_names=[names.get(p, p) for p in doc.products],
                    tags=doc.tags,
                    tag_names=doc.tag_names,
                    updated=doc.updated,
                    published=doc.published,
                    solved=doc.solved,
                    answer_count=doc.answer_count,
                    parent_title=doc.parent_title,
                    rank=position + 1,
                    explanation=ranked.explain() if debug else [],
                    obj=objects.get(doc.id),
                    document=doc,
                )
            )
        return out, len(stale)

    def _facets(self, counts, filters) -> dict[str, list[FacetValue]]:
        from taggit.models import Tag

        names = product_names()
        tag_slugs = [value for value, _n in counts.get("tags", [])]
        tag_names = (
            dict(Tag.objects.filter(slug__in=tag_slugs).values_list("slug", "name"))
            if tag_slugs
            else {}
        )
        labels: dict[str, Callable[[str], str]] = {
            "type": type_plural,
            "product": lambda v: names.get(v) or v,
            "tag": lambda v: tag_names.get(v) or v,
            "lang": lambda v: AUTONYMS.get(v, v),
        }
        facets = {}
        for name, field_name in FACETS.items():
            selected = set(filters.get(field_name, []))
            values = [
                FacetValue(value, labels[name](value), count, value in selected)
                for value, count in counts.get(field_name, [])
                if count
            ]
            facets[name] = values
        return facets

    def _fallback(self, page: SearchPage, parsed, user) -> None:
        """The engine is down: the database search (``search.fallback``)."""
        from ..fallback import search_content

        if parsed.is_empty:
            return
        kind = next(iter(page.filters.get("type") or []), None)
        hits = search_content(" ".join([*parsed.words, *parsed.phrases]), user, kind=kind)
        page.total = len(hits)
        start = (page.request.page - 1) * page.request.per_page
        wanted = snippets.stems([*parsed.words, *parsed.phrases])
        for position, hit in enumerate(hits[start : start + page.request.per_page], start=1):
            summary = hit.summary
            page.results.append(
                Result(
                    id=f"{hit.kind}:{hit.pk}",
                    type=hit.kind,
                    title=hit.title,
                    url=hit.url,
                    score=hit.score,
                    snippet=snippets.lead(summary),
                    snippet_html=snippets.highlight(snippets.lead(summary), wanted),
                    title_html=snippets.highlight(hit.title, wanted),
                    products=[p.slug for p in hit.products],
                    product_names=[p.name for p in hit.products],
                    updated=hit.updated,
                    rank=start + position,
                    obj=hit.obj,
                    trail=hit.trail,
                )
            )
