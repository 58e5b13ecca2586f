"""Content similar to a question being asked: forum questions and knowledge-base articles.

``similar_content`` is the one entry point (the ask page's suggestions use it through
``/community/similar/``). It asks the search service (``search.service.similar``), which
ranks solved questions and articles first and returns only what ``user`` may see. When the
search engine is unavailable it falls back to a plain database match on the words of the
text, ranked by how many words a title contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import add, or_

from django.db.models import Case, ExpressionWrapper, IntegerField, Q, Value, When
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .search import QUESTION
from .visibility import public_questions_for

MAX_WORDS = 8
STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "cannot", "could", "do",
        "does", "doesn't", "did", "for", "from", "get", "got", "has", "have", "how", "i", "i'm",
        "if", "in", "into", "is", "isn't", "it", "it's", "its", "my", "no", "not", "of", "on",
        "or", "our", "so", "than", "that", "the", "their", "them", "then", "there", "these",
        "they", "this", "to", "too", "was", "we", "what", "when", "where", "which", "while", "who",
        "why", "will", "with", "without", "would", "you", "your", "before", "after", "again",
        "all", "any", "also", "am",
    }
)  # fmt: skip
_WORD = re.compile(r"[\w][\w'+#.-]*", re.UNICODE)


@dataclass(frozen=True)
class SimilarItem:
    kind: str  # "question" or "article"
    title: str
    url: str
    meta: str
    matches: int

    def as_dict(self) -> dict:
        return {"kind": self.kind, "title": self.title, "url": self.url, "meta": self.meta}


def keywords(text: str) -> list[str]:
    words: list[str] = []
    for match in _WORD.finditer((text or "").lower()):
        word = match.group(0).strip(".-'")
        if len(word) >= 3 and word not in STOPWORDS and word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def _ranked(queryset, words: list[str], field: str = "title"):
    matches = reduce(or_, [Q(**{f"{field}__icontains": w}) for w in words])
    hits = reduce(
        add,
        [Case(When(**{f"{field}__icontains": w}, then=Value(1)), default=Value(0)) for w in words],
    )
    return queryset.filter(matches).annotate(matches=ExpressionWrapper(hits, IntegerField()))


_STATUS_LABELS = {"open": _("Open"), "answered": _("Answered"), "solved": _("Solved")}


def _question_meta(question) -> str:
    return ngettext(
        "%(product)s · %(status)s · %(count)s answer",
        "%(product)s · %(status)s · %(count)s answers",
        question.answer_count,
    ) % {
        "product": question.product.name,
        "status": _STATUS_LABELS.get(question.status, question.status),
        "count": question.answer_count,
    }


def similar_content(text: str, user, limit: int = 6, *, personal: bool = True) -> list[SimilarItem]:
    """What answers ``text``, for ``user``; ranked for their products, role and stage
    unless ``personal`` is off (then the same for everyone with the same access)."""
    from search import service

    if not keywords(text) or limit <= 0:
        return []
    person = None if personal else service.anonymous_person(user)
    try:
        results = service.similar(text, user, limit=limit, person=person)
    except service.SearchUnavailable:
        return database_similar(text, user, limit)
    items = []
    for result in results:
        if result.type == QUESTION and result.obj is not None:
            meta = _question_meta(result.obj)
        else:
            meta = Truncator(result.snippet or "").chars(140)
        items.append(
            SimilarItem(
                kind=result.type,
                title=result.title,
                url=result.url,
                meta=meta,
                matches=len(results) - result.rank,
            )
        )
    return items


def database_similar(text: str, user, limit: int = 6) -> list[SimilarItem]:
    """The fallback: questions matched by the words of their title, and what else answers
    questions (articles) from the search service's database fallback."""
    from search import service
    from search.registry import registry

    words = keywords(text)
    if not words or limit <= 0:
        return []
    items: list[SimilarItem] = []
    questions = (
        _ranked(public_questions_for(user), words)
        .select_related("product")
        .order_by("-matches", "-score", "-last_activity_at")[:limit]
    )
    for question in questions:
        items.append(
            SimilarItem(
                kind=QUESTION,
                title=question.title,
                url=question.get_absolute_url(),
                meta=_question_meta(question),
                matches=question.matches,
            )
        )
    others = [t.key for t in registry if t.answers_questions and t.key != QUESTION]
    for hit in service.fallback_search(" ".join(words), user, types=others, any_word=True)[:limit]:
        if not hit.url:
            continue
        title = hit.title.lower()
        items.append(
            SimilarItem(
                kind=hit.kind,
                title=hit.title,
                url=hit.url,
                meta=Truncator(hit.summary).chars(140),
                matches=sum(word in title for word in words),
            )
        )
    # Most matching words first; on a tie, reviewed content before questions.
    items.sort(key=lambda item: (-item.matches, item.kind == QUESTION))
    return items[:limit]
