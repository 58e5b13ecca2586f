"""Did you mean: a better spelling, from words of documents the person may see."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from .. import query as query_parsing
from ..backends.text import query_words
from ..schema import SearchQuery
from .base import ServiceBase


class Spelling(ServiceBase):
    """ "Did you mean" (a part of ``SearchService``)."""

    def did_you_mean(self, parsed, person, filters, *, current: int, languages=("en",)) -> str:
        """A better spelling of the query, from words of documents this person may see."""
        backend = self.backend
        words = list(parsed.words)
        changed = False
        for position, word in enumerate(words[:8]):
            if len(word) < 4 or word.isdigit() or word in query_parsing.STOPWORDS:
                continue
            alone = SearchQuery(
                text=word, access=person.access, limit=0, languages=tuple(languages)
            )
            if backend.count(alone) > 0:
                continue
            better = self._spelling(word, person)
            if better:
                words[position] = better
                changed = True
        if not changed:
            return ""
        candidate = replace(parsed, words=words)
        query = self.engine_query(candidate, person, filters=filters, limit=0, languages=languages)
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
