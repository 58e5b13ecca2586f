"""Similar content: what answers a question being asked (similar questions, support
suggestions, related articles, the relevance benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .. import query as query_parsing
from .. import ranking, snippets, synonyms
from ..analysis import LANGUAGES, language_of
from ..backends.text import query_words
from ..registry import registry
from ..schema import SearchQuery
from .base import ServiceBase
from .people import person_for
from .results import SIMILAR_MAX_WORDS, Result


class Similar(ServiceBase):
    """Similar content (a part of ``SearchService``)."""

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
        language: str | None = None,
        use: str = "similar",
    ) -> list[Result]:
        """What answers a question being asked (``title``, and the rest in ``text``; a
        problem description): the forum's similar questions, contact-support suggestions
        and the relevance benchmark all come through here. ``types`` defaults to the types
        that answer questions (``answers_questions`` in the registry); ``within`` limits to
        those ids. Items in ``language`` (default: the reader's) come first; the other
        languages fill in when that language has too few. ``use`` (``similar``,
        ``suggestions``, ``related``) picks the weight of the vector side."""
        from .engine import reader_language

        profile = profile or ranking.SIMILAR
        language = language_of(language) if language else reader_language()
        if types is None:
            types = [t.key for t in registry if t.answers_questions]
        groups = self._similar_groups(title, text, language)
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
            filters={**filters, "locale": [language]},
            fields=profile.fields,
            min_should_match=1,
            limit=window or max(limit * 4, 40) + len(exclude_ids),
            languages=(language,),
        )
        keywords = [a for g in groups for a in g[:1]]
        lexical = self.backend.search(query).hits
        meaning = "\n".join(p for p in (title.strip(), str(text or "").strip()) if p)
        hits = self.combine(query, lexical, meaning, use=use, limit=query.limit)
        hits = [h for h in hits if h.id not in excluded]
        if product:
            person = replace(person, products=frozenset({product}))
        ordered = ranking.rank(hits, profile, person, query_words=keywords)
        if len(hits) < limit:
            # Too few in the reader's language: the other languages fill in, after them.
            wider = replace(
                query,
                groups=self._similar_groups(title, text, *LANGUAGES),
                filters=filters,
                languages=LANGUAGES,
            )
            seen = excluded | {h.id for h in hits}
            more = [h for h in self.backend.search(wider).hits if h.id not in seen]
            ordered += ranking.rank(more, profile, person, query_words=keywords)
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

        from ..trails import page_trails

        pages = [r.obj for r in results if isinstance(r.obj, Page)]
        trails = page_trails(pages) if pages else {}
        for result in results:
            if isinstance(result.obj, Page):
                result.trail = trails.get(result.obj.path, [])

    @staticmethod
    def _similar_groups(title: str, text: str, *languages: str) -> list[tuple[str, ...]]:
        """OR-groups of the keywords of ``title`` then ``text`` (each word once, at most
        ``SIMILAR_MAX_WORDS``); Persian words written apart also meet them written
        together."""
        from .engine import with_compounds

        def keywords(value: str) -> list[str]:
            words = query_words(" ".join(str(value or "").split())[:20_000], limit=10_000)
            kept = [w for w in dict.fromkeys(words) if w not in query_parsing.STOPWORDS]
            return kept or words

        head = keywords(title)[:SIMILAR_MAX_WORDS]
        rest = [w for w in keywords(text) if w not in set(head)]
        groups = [*synonyms.expand(head), *synonyms.expand(rest)][:SIMILAR_MAX_WORDS]
        # Persian compounds only for the title: over a whole question's text the joined
        # neighbours add noise (parsinlu-qqp dev MAP 83.8 without them, 82.6 with).
        if "fa" in languages and head:
            joined = with_compounds([(w,) for w in head])
            groups = [*joined, *groups[len(head) :]]
        return groups
