"""Ranking: text relevance from the engine, then quality signals and the person's segments.

The engine returns the best candidates by BM25 over boosted fields (title, tags, summary,
accepted answer, body). ``rank`` re-scores them:

1. **Balance types.** Long articles and short forum questions reach different BM25
   ranges, so each type's scores are divided by that type's best score, then scaled by how
   good that best score is overall (dampened by ``balance``): the best article and the
   best question both stay near the top, and a type with only weak matches stays weak.
2. **Quality.** Each searchable type's own signals (``search.registry``: solved questions
   up and unanswered ones down, helpful votes up, fresh announcements up…) and its weight
   in this profile; featured/pinned items slightly up.
3. **The person.** Items for their products first (declared or granted), then their role
   and their customer stage.
4. **Exact title.** A title equal to the query, or containing all its words.

Every factor is recorded, so staff can see why a result ranked where it did
(``?debug=1`` on the search page). Factors multiply; 1.0 means "no effect".
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registry import registry
from .schema import SearchHit


@dataclass(frozen=True)
class Profile:
    """Weights of one use of ranking (the search page, similar questions)."""

    name: str
    #: Text field weights for the engine's BM25.
    fields: dict[str, float]
    phrase_boost: float = 1.0
    balance: float = 0.5
    promoted: float = 1.1
    own_product: float = 1.35
    other_product: float = 0.95
    own_role: float = 1.1
    own_stage: float = 1.05
    exact_title: float = 1.3
    all_words_in_title: float = 1.1
    #: Diversity: types with a match scoring at least ``diverse_floor`` of the best get a
    #: place in the first ``diverse_top`` results (0: off).
    diverse_top: int = 5
    diverse_floor: float = 0.3


SEARCH = Profile(
    name="search",
    exact_title=1.5,
    all_words_in_title=1.25,
    fields={
        "title": 4.0,
        "tag_names": 2.5,
        "summary": 2.0,
        "accepted_answer": 1.5,
        "text": 1.0,
        "parent_title": 0.5,
    },
)

#: Similar questions and contact-support suggestions: a whole question (title and body)
#: is the query, so the title of a candidate matters more and the body less; tuned on the
#: dev splits of ../shared/benchmarks (see README, "Benchmarks").
SIMILAR = Profile(
    name="similar",
    fields={
        "title": 3.0,
        "tag_names": 1.5,
        "summary": 1.5,
        "accepted_answer": 1.2,
        "text": 1.0,
    },
    phrase_boost=0.0,
    balance=0.5,
    diverse_top=3,
    exact_title=1.0,
    all_words_in_title=1.0,
)


@dataclass(frozen=True)
class Person:
    """Who is searching, as ranking and access need it."""

    access: list[str] | None = field(default_factory=lambda: ["public"])
    products: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    stages: frozenset[str] = frozenset()
    label: str = "anonymous"


@dataclass
class Ranked:
    hit: SearchHit
    score: float
    relevance: float
    factors: list[tuple[Any, float]]

    @property
    def document(self):
        return self.hit.document

    def explain(self) -> list[tuple[str, str]]:
        hit = self.hit
        if hit.lexical is None and hit.semantic is None:
            lines = [(str(_("engine score (BM25)")), f"{hit.score:.3f}")]
        else:
            missing = str(_("not found this way"))
            lines = [
                (
                    str(_("lexical score (BM25)")),
                    f"{hit.lexical:.3f}" if hit.lexical is not None else missing,
                ),
                (
                    str(_("semantic score (cosine)")),
                    f"{hit.semantic:.3f}" if hit.semantic is not None else missing,
                ),
                (str(_("hybrid score (both, normalised)")), f"{hit.score:.3f}"),
            ]
        lines.append((str(_("relevance after type balance")), f"{self.relevance:.3f}"))
        lines += [(str(label), f"× {value:.2f}") for label, value in self.factors]
        lines.append((str(_("final score")), f"{self.score:.3f}"))
        return lines


@functools.lru_cache(maxsize=16_384)
def _words(text: str) -> tuple[str, ...]:
    """A title's (or the query's) words; kept, as the same titles come up again and
    again."""
    from .backends.text import query_words

    return tuple(query_words(text))


def factors_for(
    hit: SearchHit,
    profile: Profile,
    person: Person,
    *,
    now: datetime,
    query_words: list[str],
    typed_words: Sequence[str],
) -> list[tuple[str, float]]:
    doc = hit.document
    found: list[tuple[Any, float]] = []
    searchable = registry.get(doc.type)
    if searchable is not None:
        type_weight = searchable.ranking.weights.get(profile.name, 1.0)
        if type_weight != 1.0:
            found.append((_("type weight"), type_weight))
        if searchable.ranking.factors is not None:
            found += searchable.ranking.factors(doc, profile, now)
    if doc.promoted and profile.promoted != 1.0:
        found.append((_("featured or pinned"), profile.promoted))
    if person.products and doc.products:
        if person.products & set(doc.products):
            found.append((_("your product"), profile.own_product))
        else:
            found.append((_("another product"), profile.other_product))
    if person.roles and doc.roles and person.roles & set(doc.roles):
        found.append((_("your role"), profile.own_role))
    if person.stages and doc.stages and person.stages & set(doc.stages):
        found.append((_("your stage"), profile.own_stage))
    if query_words and (profile.exact_title != 1.0 or profile.all_words_in_title != 1.0):
        title_words = _words(doc.title)
        if title_words == typed_words:
            found.append((_("exact title"), profile.exact_title))
        elif set(query_words) <= set(title_words):
            found.append((_("all words in the title"), profile.all_words_in_title))
    return [(label, value) for label, value in found if value != 1.0]


def rank(
    hits: Iterable[SearchHit],
    profile: Profile,
    person: Person,
    *,
    query_words: Sequence[str] = (),
    query_text: str = "",
    now: datetime | None = None,
) -> list[Ranked]:
    hits = list(hits)
    if not hits:
        return []
    now = now or timezone.now()
    best_by_type: dict[str, float] = {}
    for hit in hits:
        best_by_type[hit.document.type] = max(best_by_type.get(hit.document.type, 0.0), hit.score)
    best = max(best_by_type.values()) or 1.0
    typed_words = _words(query_text)
    ranked = []
    for hit in hits:
        type_best = best_by_type[hit.document.type] or 1.0
        relevance = (hit.score / type_best) * (type_best / best) ** profile.balance
        factors = factors_for(
            hit,
            profile,
            person,
            now=now,
            query_words=list(query_words),
            typed_words=typed_words,
        )
        score = relevance
        for _label, value in factors:
            score *= value
        ranked.append(Ranked(hit=hit, score=score, relevance=relevance, factors=factors))
    ranked.sort(key=lambda r: (-r.score, -r.hit.score, r.hit.id))
    return diversify(ranked, profile)


def diversify(ranked: list[Ranked], profile: Profile) -> list[Ranked]:
    """Give every type with a good match a place among the first ``profile.diverse_top``:
    the best item of a type missing there moves up to the last of those places when it
    scores at least ``profile.diverse_floor`` of the best score."""
    top = profile.diverse_top
    if len(ranked) <= top or top < 2:
        return ranked
    best = ranked[0].score or 1.0
    shown = {r.document.type for r in ranked[:top]}
    promoted = []
    for r in ranked[top:]:
        kind = r.document.type
        if kind not in shown and r.score >= profile.diverse_floor * best:
            shown.add(kind)
            promoted.append(r)
    if not promoted:
        return ranked
    promoted = promoted[: top - 1]
    rest = [r for r in ranked if r not in promoted]
    cut = top - len(promoted)
    for r in promoted:
        r.factors.append((_("a place for this type"), 1.0))
    return rest[:cut] + promoted + rest[cut:]
