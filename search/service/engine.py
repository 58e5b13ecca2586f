"""The search service: one class, in parts by what it serves."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import query as query_parsing
from .. import ranking, synonyms
from ..backends import SearchBackend, get_backend
from ..registry import registry
from ..schema import SearchQuery
from .page import PageSearch
from .people import product_names
from .results import InvalidRequest, Result, SearchPage, SearchRequest, Suggestion
from .similar import Similar
from .spelling import Spelling
from .typeahead import Typeahead


class SearchService(PageSearch, Spelling, Typeahead, Similar):
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


# --- Module-level shortcuts (the site's service) -------------------------------------------


def get_service() -> SearchService:
    return SearchService()


def search(request: SearchRequest, user) -> SearchPage:
    return get_service().search(request, user)


def suggest(prefix: str, user, *, limit: int = 8) -> list[Suggestion]:
    return get_service().suggest(prefix, user, limit=limit)


def similar(text: str, user=None, **options) -> list[Result]:
    return get_service().similar(text, user, **options)
