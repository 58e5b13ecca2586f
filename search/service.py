"""The search service: the one way into the search engine.

Every feature goes through here — the search page, the JSON API, type-ahead, the forum's
similar questions, related articles and the contact-support suggestions:

- ``search(request, user)`` → a ``SearchPage``: parsed query, ranked results with
  highlighted snippets, facets, "did you mean", paging;
- ``suggest(prefix, user)`` → type-ahead: matching titles and popular past queries;
- ``similar(text, user, ...)`` → items that answer a question being asked;
- ``related(article, user)`` → articles like this one.

Every query carries the person's access terms (``segments.policy.access_terms``), so
restricted items never reach results, counts, facets, suggestions or snippets; and every
hit shown is checked again against the database (``verify``) — the index may lag behind
a change by a moment, access must not. When the engine is unavailable, the page and API
fall back to a database search (``search.fallback``) and say so; other features catch
``SearchUnavailable`` and do without.

The service knows content types only through the registry (``search.registry``): their
labels, aliases, how a hit is checked against the database and how each ranks.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from segments import policy

from . import query as query_parsing
from . import ranking, signals, snippets, synonyms
from .backends import SearchBackend, SearchBackendError, get_backend
from .backends.text import query_words
from .registry import registry
from .schema import (
    SORT_NEWEST,
    SORT_RELEVANCE,
    SearchDocument,
    SearchQuery,
    split_id,
)

logger = logging.getLogger(__name__)

#: What features catch when search cannot answer (the engine is down, times out, or its
#: index cannot be read): they do without search (and say so) rather than fail.
SearchUnavailable = SearchBackendError
#: Ranking profiles a feature may ask for.
SEARCH_PROFILE = ranking.SEARCH
SIMILAR_PROFILE = ranking.SIMILAR


def type_label(key: str) -> str:
    searchable = registry.get(key)
    return str(searchable.label) if searchable is not None else key


def type_plural(key: str) -> str:
    searchable = registry.get(key)
    return str(searchable.plural) if searchable is not None else key


FACETS = {"type": "type", "product": "products", "tag": "tags"}
PER_PAGE = 10
MAX_PAGE = 100
#: Candidates the engine returns for re-ranking (pages beyond it widen it).
RERANK_WINDOW = 50
MAX_WINDOW = 1000
#: Fewer results than this and "did you mean" looks for a better spelling.
FEW_RESULTS = 3
SIMILAR_MAX_WORDS = 64


# --- Who is searching ---------------------------------------------------------------------


def anonymous_person(user) -> ranking.Person:
    """Only the person's access, no personal ranking: results that are the same for every
    reader with the same access (an article's related articles)."""
    return ranking.Person(access=policy.access_terms(user))


def person_for(user) -> ranking.Person:
    """Access terms plus the person's products, role and stage (declared or granted)."""
    from segments.models import Segment

    access = policy.access_terms(user)
    if user is None or not getattr(user, "is_authenticated", False):
        return ranking.Person(access=access)
    granted = policy.granted_segment_ids(user)
    # Kept on the user object for the request, and only while the grants are the same
    # (``policy.forget`` after a grant changes them).
    cached = getattr(user, "_portico_search_person", None)
    if cached is not None and cached[0] == granted:
        return cached[1]
    rows = Segment.objects.filter(
        Q(pk__in=granted) | Q(declared_by=user.pk) | Q(declared_role_of=user.pk)
    ).values_list("pk", "kind", "slug")
    kinds: dict[str, set[str]] = defaultdict(set)
    for pk, kind, slug in rows:
        if kind == Segment.Kind.STAGE and pk not in granted:
            continue  # a stage is granted, never declared
        kinds[kind].add(slug)
    keys = sorted(f"{kind}:{slug}" for kind, slugs in kinds.items() for slug in slugs)
    person = ranking.Person(
        access=access,
        products=frozenset(kinds[Segment.Kind.PRODUCT]),
        roles=frozenset(kinds[Segment.Kind.ROLE]),
        stages=frozenset(kinds[Segment.Kind.STAGE]),
        label=" ".join(keys)[:300] or ("staff" if access is None else "member"),
    )
    user._portico_search_person = (granted, person)
    return person


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
    messages: list[str] = field(default_factory=list)
    relaxed: bool = False
    degraded: bool = False
    error: str = ""
    latency_ms: float = 0.0
    backend: str = ""
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


# --- Checking hits against the database -----------------------------------------------------


def visible_items(ids: Iterable[str], user) -> dict[str, object]:
    """The database object of each id ``user`` may see now (a page, a question), checked
    by each type's ``visible`` (``segments.policy``); a child document (an attached file)
    is visible when its parent is."""
    owners = {document_id: registry.owner_key(document_id) for document_id in ids}
    wanted: dict[str, set[int]] = defaultdict(set)
    for key in owners.values():
        kind, pk = split_id(key)
        if pk.isdigit():
            wanted[kind].add(int(pk))
    found: dict[str, object] = {}
    for kind, pks in wanted.items():
        searchable = registry.get(kind)
        if searchable is None or searchable.visible is None:
            continue
        for obj in searchable.visible(user).filter(pk__in=pks):
            found[f"{kind}:{obj.pk}"] = obj
    return {document_id: found[key] for document_id, key in owners.items() if key in found}


def _heal(stale: Sequence[str]) -> None:
    """Hits the database no longer shows: ask the write side to catch up."""
    if not stale:
        return
    try:
        signals.stale_hits.send(sender=SearchService, keys={registry.owner_key(i) for i in stale})
    except Exception:
        logger.warning("Could not queue stale search hits for re-indexing.", exc_info=True)


# --- The service -------------------------------------------------------------------------


class SearchService:
    """Searches ``backend`` (the site's by default). ``verify=False`` is only for indexes
    of documents that are not in this database (benchmarks): hits are then shown as the
    engine returns them."""

    def __init__(self, backend: SearchBackend | None = None, *, verify: bool = True):
        self._backend = backend
        self.verify = verify

    @property
    def backend(self) -> SearchBackend:
        return self._backend or get_backend()

    # --- Building engine queries ---------------------------------------------------------

    @staticmethod
    def groups_for(words: list[str]) -> list[tuple[str, ...]]:
        groups = synonyms.expand(words, stopwords=query_parsing.STOPWORDS)
        if not groups and words:
            groups = [(w,) for w in words]  # only stopwords: use them all
        return groups

    def _resolve_filters(self, request: SearchRequest, parsed) -> tuple[dict, list[str]]:
        """Engine filters from the URL's facets and the query's ``product:``/``tag:``/
        ``type:``; returns them with notes about values that match nothing."""

        notes: list[str] = []
        types = [*request.types, *parsed.filters.get("type", [])]
        products = [*request.products, *parsed.filters.get("product", [])]
        tags = [*request.tags, *parsed.filters.get("tag", [])]
        filters: dict[str, list[str]] = {}
        if types:
            resolved = []
            for value in types:
                kind = registry.resolve_alias(value)
                if kind is None:
                    if request.strict:
                        raise InvalidRequest(
                            _("Unknown type %(value)r: use one of %(types)s.")
                            % {"value": value, "types": ", ".join(registry.keys())}
                        )
                    notes.append(_("There is no content type “%(value)s”.") % {"value": value})
                elif kind not in resolved:
                    resolved.append(kind)
            if resolved:
                filters["type"] = resolved
        if products:
            known = {
                key.lower(): slug for slug, name in product_names().items() for key in (slug, name)
            }
            resolved = []
            for value in products:
                slug = known.get(value.lower())
                if slug is None:
                    if request.strict:
                        raise InvalidRequest(_("Unknown product %(value)r.") % {"value": value})
                    notes.append(_("There is no product “%(value)s”.") % {"value": value})
                elif slug not in resolved:
                    resolved.append(slug)
            if resolved:
                filters["products"] = resolved
        if tags:
            filters["tags"] = list(dict.fromkeys(t.lower() for t in tags))
        return filters, notes

    def engine_query(self, parsed, person, *, filters, profile=ranking.SEARCH, **options):
        words = parsed.words
        groups = self.groups_for(words)
        return SearchQuery(
            text=" ".join(words),
            groups=groups,
            phrases=parsed.phrases,
            exclude=parsed.excluded,
            phrase_boost=profile.phrase_boost,
            min_should_match=query_parsing.min_should_match(len(groups)),
            access=person.access,
            filters=filters,
            fields=profile.fields,
            **options,
        )

    # --- The search page and the API -----------------------------------------------------

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
            if parsed.is_empty and not filters:
                return page
            self._run(page, parsed, person, filters, user)
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

    def _run(self, page: SearchPage, parsed, person, filters, user) -> None:
        backend = self.backend
        request = page.request
        offset = (request.page - 1) * request.per_page
        newest = request.sort == SORT_NEWEST or parsed.is_empty
        window = request.per_page if newest else min(MAX_WINDOW, max(RERANK_WINDOW, offset + 20))
        query = self.engine_query(
            parsed,
            person,
            filters=filters,
            sort=SORT_NEWEST if newest else SORT_RELEVANCE,
            offset=offset if newest else 0,
            limit=window,
            facets=tuple(FACETS.values()),
        )
        results = backend.search(query)
        if results.total == 0 and query.min_should_match > 1:
            query = replace(query, min_should_match=1)
            results = backend.search(query)
            if results.total:
                page.relaxed = True
                page.messages.append(_("No result has all of your words; these have some of them."))
        page.total = results.total
        if newest:
            ordered = [
                ranking.Ranked(hit=hit, score=hit.score, relevance=hit.score, factors=[])
                for hit in results.hits
            ]
        else:
            ordered = ranking.rank(
                results.hits,
                ranking.SEARCH,
                person,
                query_words=parsed.keywords,
                query_text=parsed.free_text,
            )[offset : offset + request.per_page]
        wanted = snippets.stems(
            [*parsed.words, *parsed.phrases, *(a for g in query.clauses() for a in g[1:])]
        )
        page.results, dropped = self._results(ordered, user, wanted, debug=request.debug)
        if self.verify:
            self.add_trails(page.results)
        page.total = max(len(page.results) + offset, page.total - dropped)
        page.facets = self._facets(results.facets, filters)
        if page.total < FEW_RESULTS and parsed.words:
            page.suggestion = self.did_you_mean(parsed, person, filters, current=page.total)

    def _results(self, ordered, user, wanted, *, debug=False) -> tuple[list[Result], int]:
        ids = [r.hit.id for r in ordered]
        objects = visible_items(ids, user) if self.verify else {}
        stale = [i for i in ids if self.verify and i not in objects]
        _heal(stale)
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
        labels = {
            "type": type_plural,
            "product": lambda v: names.get(v, v),
            "tag": lambda v: tag_names.get(v, v),
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
        from .fallback import search_content

        if parsed.is_empty:
            return
        kind = (page.filters.get("type") or [None])[0]
        hits = search_content(" ".join([*parsed.words, *parsed.phrases]), user, kind=kind)
        page.total = len(hits)
        start = (page.request.page - 1) * page.request.per_page
        wanted = snippets.stems([*parsed.words, *parsed.phrases])
        for position, hit in enumerate(hits[start : start + page.request.per_page], start=1):
            summary = hit.summary
            page.results.append(
                Result(
                    id=f"{hit.kind}:{hit.obj.pk}",
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

    # --- Did you mean --------------------------------------------------------------------

    def did_you_mean(self, parsed, person, filters, *, current: int) -> str:
        """A better spelling of the query, from words of documents this person may see."""
        backend = self.backend
        words = list(parsed.words)
        changed = False
        for position, word in enumerate(words[:8]):
            if len(word) < 4 or word.isdigit() or word in query_parsing.STOPWORDS:
                continue
            alone = SearchQuery(text=word, access=person.access, limit=0)
            if backend.count(alone) > 0:
                continue
            better = self._spelling(word, person)
            if better:
                words[position] = better
                changed = True
        if not changed:
            return ""
        candidate = replace(parsed, words=words)
        query = self.engine_query(candidate, person, filters=filters, limit=0)
        if backend.search(query).total <= current:
            return ""
        parts = list(words) + [f'"{p}"' for p in parsed.phrases]
        parts += [f"-{e}" for e in parsed.excluded]
        return " ".join(parts)

    def _spelling(self, word: str, person) -> str:
        documents = self.backend.near_matches(word, access=person.access, limit=20)
        counts: Counter[str] = Counter()
        for document in documents:
            text = " ".join([document.title, document.summary, document.text[:3000]])
            for candidate in query_words(text):
                if candidate != word and abs(len(candidate) - len(word)) <= 2:
                    counts[candidate] += 1
        best, best_key = "", None
        for candidate, count in counts.items():
            distance = edit_distance(word, candidate)
            if distance > (1 if len(word) <= 4 else 2):
                continue
            key = (distance, -count, candidate)
            if best_key is None or key < best_key:
                best, best_key = candidate, key
        return best

    # --- Type-ahead ----------------------------------------------------------------------

    def suggest(self, prefix: str, user, *, limit: int = 8) -> list[Suggestion]:
        text, _truncated = query_parsing.clean(prefix)
        words = query_words(text)
        if not words or limit <= 0:
            return []
        person = person_for(user)
        found: list[Suggestion] = []
        for phrase in self.popular_queries(text, person, limit=min(3, limit)):
            found.append(Suggestion("query", phrase, _search_url(phrase)))
        documents = self.backend.suggest_titles(text, access=person.access, limit=limit + 4)
        # Reviewed content first (each type's ``suggest_rank``: articles, then questions,
        # announcements and files).
        order = {t.key: t.suggest_rank for t in registry}
        documents = sorted(documents, key=lambda d: order.get(d.type, 100))
        ids = [d.id for d in documents]
        visible = visible_items(ids, user) if self.verify else dict.fromkeys(ids)
        seen = set()
        for document in documents:
            if document.id not in visible or document.title.lower() in seen:
                continue
            seen.add(document.title.lower())
            found.append(
                Suggestion(document.type, document.title, document.url, type_label(document.type))
            )
        return found[:limit]

    def popular_queries(self, prefix: str, person, *, limit: int = 3) -> list[str]:
        """Past queries that start with ``prefix``, searched by several people and with
        results — offered only if every word also finds something this person may see."""
        from .models import SearchLog

        normalized = " ".join(query_words(prefix))
        if len(normalized) < 2:
            return []
        rows = (
            SearchLog.objects.filter(
                normalized__startswith=normalized, result_count__gt=0, source="page"
            )
            .exclude(normalized=normalized)
            .values("normalized")
            .annotate(people=Count("session_key", distinct=True))
            .filter(people__gte=settings.SEARCH_POPULAR_MIN_PEOPLE)
            .order_by("-people", "normalized")[: limit * 3]
        )
        found = []
        for row in rows:
            phrase = row["normalized"]
            words = query_words(phrase)
            if not words or ":" in phrase or '"' in phrase or "-" in phrase.split()[0]:
                continue
            check = SearchQuery(text=phrase, access=person.access, min_should_match=len(words))
            if self.backend.count(check) > 0:
                found.append(phrase)
            if len(found) >= limit:
                break
        return found

    # --- Similar content -----------------------------------------------------------------

    def similar(
        self,
        text: str,
        user=None,
        *,
        title: str = "",
        person: ranking.Person | None = None,
        product: str | None = None,
        types: Sequence[str] | None = None,
        within: Sequence[str] | None = None,
        exclude_ids: Sequence[str] = (),
        limit: int = 6,
        window: int | None = None,
        profile: ranking.Profile | None = None,
    ) -> list[Result]:
        """What answers a question being asked (``title``, and the rest in ``text``; a
        problem description): the forum's similar questions, contact-support suggestions
        and the relevance benchmark all come through here. ``types`` defaults to the types
        that answer questions (``answers_questions`` in the registry); ``within`` limits to
        those ids."""
        profile = profile or ranking.SIMILAR
        if types is None:
            types = [t.key for t in registry if t.answers_questions]
        groups = self._similar_groups(title, text)
        if not groups or limit <= 0 or (within is not None and not within):
            return []
        person = person or person_for(user)
        filters: dict[str, list[str]] = {"type": list(types)}
        if within is not None:
            filters["id"] = list(within)
        excluded = set(exclude_ids)
        query = SearchQuery(
            groups=groups,
            access=person.access,
            filters=filters,
            fields=profile.fields,
            min_should_match=1,
            limit=window or max(limit * 4, 40) + len(exclude_ids),
        )
        keywords = [a for g in groups for a in g[:1]]
        hits = [h for h in self.backend.search(query).hits if h.id not in excluded]
        if product:
            person = replace(person, products=frozenset({product}))
        ordered = ranking.rank(hits, profile, person, query_words=keywords)
        wanted = snippets.stems(keywords)
        results: list[Result] = []
        chunk = max(limit, 10)
        # Verify in chunks: most hits are visible, so this is usually one round.
        for start in range(0, len(ordered), chunk):
            part, _dropped = self._results(ordered[start : start + chunk], user, wanted)
            results += part
            if len(results) >= limit:
                break
        for position, result in enumerate(results[:limit], start=1):
            result.rank = position
        return results[:limit]

    @staticmethod
    def add_trails(results: list[Result]) -> None:
        """Set ``trail`` on page results (one query for all of them)."""
        from wagtail.models import Page

        from .trails import page_trails

        pages = [r.obj for r in results if isinstance(r.obj, Page)]
        trails = page_trails(pages) if pages else {}
        for result in results:
            if isinstance(result.obj, Page):
                result.trail = trails.get(result.obj.path, [])

    @staticmethod
    def _similar_groups(title: str, text: str) -> list[tuple[str, ...]]:
        """OR-groups of the keywords of ``title`` then ``text`` (each word once, at most
        ``SIMILAR_MAX_WORDS``)."""

        def keywords(value: str) -> list[str]:
            words = query_words(" ".join(str(value or "").split())[:20_000], limit=10_000)
            kept = [w for w in dict.fromkeys(words) if w not in query_parsing.STOPWORDS]
            return kept or words

        head = keywords(title)[:SIMILAR_MAX_WORDS]
        rest = [w for w in keywords(text) if w not in set(head)]
        groups = [*synonyms.expand(head), *synonyms.expand(rest)]
        return groups[:SIMILAR_MAX_WORDS]


def fallback_search(text: str, user, *, types=None, any_word: bool = False):
    """The database search that stands in while the engine is down (``search.fallback``):
    items of ``types`` (default: every type with a fallback) ``user`` may see."""
    from .fallback import search_content

    return search_content(text, user, types=types, any_word=any_word)


def _search_url(text: str) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    return f"{reverse('search')}?{urlencode({'q': text})}"


def product_names() -> dict[str, str]:
    """Product segment slugs → names (a small table, cached per process for a minute)."""
    from segments.models import Segment

    now = time.monotonic()
    if _PRODUCTS["table"] is None or now - _PRODUCTS["at"] > 60:
        _PRODUCTS["table"] = dict(
            Segment.objects.filter(kind=Segment.Kind.PRODUCT).values_list("slug", "name")
        )
        _PRODUCTS["at"] = now
    return _PRODUCTS["table"]


_PRODUCTS: dict = {"table": None, "at": 0.0}


def forget_product_names(*args, **kwargs) -> None:
    _PRODUCTS["table"] = None


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count one)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


# --- Module-level shortcuts (the site's service) -------------------------------------------


def get_service() -> SearchService:
    return SearchService()


def search(request: SearchRequest, user) -> SearchPage:
    return get_service().search(request, user)


def suggest(prefix: str, user, *, limit: int = 8) -> list[Suggestion]:
    return get_service().suggest(prefix, user, limit=limit)


def similar(text: str, user=None, **options) -> list[Result]:
    return get_service().similar(text, user, **options)
