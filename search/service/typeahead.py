"""Type-ahead: matching titles and popular past queries, only what the person may see."""

from __future__ import annotations

from django.conf import settings

from .. import query as query_parsing
from ..backends.text import query_words
from ..registry import registry
from ..schema import SearchQuery
from .base import ServiceBase
from .people import person_for
from .results import Suggestion, type_label
from .verify import visible_items


class Typeahead(ServiceBase):
    """Type-ahead (a part of ``SearchService``)."""

    def suggest(self, prefix: str, user, *, limit: int = 8) -> list[Suggestion]:
        text, _truncated = query_parsing.clean(prefix)
        words = query_words(text)
        if not words or limit <= 0:
            return []
        person = person_for(user)
        found: list[Suggestion] = []
        for phrase in self.popular_queries(text, person, limit=min(3, limit)):
            found.append(Suggestion("query", phrase, _search_url(phrase)))
        from .engine import reader_language

        # The reader's language's analysis, and English's (a Latin product name typed on a
        # Persian page).
        reader = reader_language()
        documents = self.backend.suggest_titles(
            text,
            access=person.access,
            limit=limit + 4,
            languages=tuple(dict.fromkeys((reader, "en"))),
        )
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
        """Popular past queries (``PopularQuery``: many signed-in people ran them and found
        results) that start with ``prefix`` — offered only if every word also finds
        something this person may see."""
        from ..models import PopularQuery

        normalized = " ".join(query_words(prefix))
        if len(normalized) < 2:
            return []
        rows = (
            PopularQuery.objects.filter(
                normalized__startswith=normalized,
                people__gte=settings.SEARCH_POPULAR_MIN_PEOPLE,
            )
            .exclude(normalized=normalized)
            .order_by("-people", "normalized")
            .values_list("normalized", flat=True)[: limit * 3]
        )
        found = []
        for phrase in rows:
            words = query_words(phrase)
            if not words or ":" in phrase or '"' in phrase or "-" in phrase.split()[0]:
                continue
            check = SearchQuery(text=phrase, access=person.access, min_should_match=len(words))
            if self.backend.count(check) > 0:
                found.append(phrase)
            if len(found) >= limit:
                break
        return found


def _search_url(text: str) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    return f"{reverse('search')}?{urlencode({'q': text})}"
