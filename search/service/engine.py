"""The search service: one class, in parts by what it serves."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import query as query_parsing
from .. import ranking, synonyms
from ..analysis import LANGUAGES, language_of, resolve_language
from ..backends import SearchBackend, get_backend
from ..registry import registry
from ..schema import SearchQuery
from .hybrid import MODES, Hybrid
from .page import PageSearch
from .people import product_names
from .results import InvalidRequest, Result, SearchPage, SearchRequest, Suggestion
from .similar import Similar
from .spelling import Spelling
from .typeahead import Typeahead


class SearchService(PageSearch, Spelling, Typeahead, Similar, Hybrid):
    """Searches ``backend`` (the site's by default). ``verify=False`` is only for indexes
    of documents that are not in this database (benchmarks): hits are then shown as the
    engine returns them. ``mode``: ``hybrid`` (lexical and vector candidates fused, where
    semantic search is on), ``lexical`` or ``semantic`` (vectors only; benchmarks)."""

    def __init__(
        self, backend: SearchBackend | None = None, *, verify: bool = True, mode: str = "hybrid"
    ):
        if mode not in MODES:
            raise ValueError(f"Unknown search mode {mode!r} (known: {', '.join(MODES)}).")
        self._backend = backend
        self.verify = verify
        self.mode = mode

    @property
    def backend(self) -> SearchBackend:
        return self._backend or get_backend()

    # --- Building engine queries ---------------------------------------------------------

    @staticmethod
    def groups_for(words: list[str], languages=("en",)) -> list[tuple[str, ...]]:
        groups = synonyms.expand(words, stopwords=query_parsing.STOPWORDS)
        if not groups and words:
            groups = [(w,) for w in words]  # only stopwords: use them all
        if "fa" in languages:
            groups = with_compounds(groups)
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
        languages = [*request.languages, *parsed.filters.get("lang", [])]
        if languages:
            resolved = []
            for value in languages:
                code = resolve_language(value)
                if code is None:
                    if request.strict:
                        raise InvalidRequest(
                            _("Unknown language %(value)r: use one of %(languages)s.")
                            % {"value": value, "languages": ", ".join(LANGUAGES)}
                        )
                    notes.append(_("There is no language “%(value)s”.") % {"value": value})
                elif code not in resolved:
                    resolved.append(code)
            if resolved:
                filters["locale"] = resolved
        return filters, notes

    def engine_query(
        self, parsed, person, *, filters, profile=ranking.SEARCH, languages=("en",), **options
    ):
        words = parsed.words
        groups = self.groups_for(words, languages)
        return SearchQuery(
            languages=tuple(languages),
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


def with_compounds(groups: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Persian words written apart or together meet: neighbours written together join both
    neighbours' groups as an alternative (``رمز`` ``عبور`` ↔ ``رمزعبور``)."""
    from ..analysis import arabic_script, terms

    heads = [g[0] for g in groups]
    extra: dict[int, list[str]] = {}
    for index, (first, second) in enumerate(zip(heads, heads[1:], strict=False)):
        if arabic_script(first) and arabic_script(second):
            joined = first.replace("\u200c", "") + second.replace("\u200c", "")
            # Not when joining only adds a prefix the stemmer strips (می خواهم → خواهم):
            # the part alone already finds it, and counting it twice skews the ranking.
            if terms(joined, "fa") in (terms(first, "fa"), terms(second, "fa")):
                continue
            extra.setdefault(index, []).append(joined)
            extra.setdefault(index + 1, []).append(joined)
    return [
        tuple(dict.fromkeys([*group, *extra.get(index, [])])) for index, group in enumerate(groups)
    ]


def reader_language() -> str:
    """The language the person reads the site in (the active translation)."""
    from django.utils import translation

    return language_of(translation.get_language())


# --- Module-level shortcuts (the site's service) -------------------------------------------


def get_service() -> SearchService:
    return SearchService()


def search(request: SearchRequest, user) -> SearchPage:
    """The page of results, from the results cache when nothing changed since the same
    page was computed for the same access and ranking (``search.service.cache``)."""
    from .cache import cached_search

    return cached_search(get_service(), request, user)


def suggest(prefix: str, user, *, limit: int = 8) -> list[Suggestion]:
    return get_service().suggest(prefix, user, limit=limit)


def similar(text: str, user=None, **options) -> list[Result]:
    return get_service().similar(text, user, **options)
