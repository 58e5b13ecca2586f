"""Answers suggested while a customer describes a problem — the one door for suggestions.

Every caller (the "Contact support" page, its JSON endpoint, the demo loader) goes through
``suggest_answers``. Today it is built on ``forum.similar.similar_content`` (a database match
that already narrows everything through ``segments.policy``); the search service will take
over its body without any caller changing. Whatever the source, the contract is:

- only what ``user`` may see is ever returned (the source applies the access policy, and the
  objects are re-read through it here);
- knowledge-base articles and solved questions come first, then answered questions (open
  questions without an answer help nobody and are left out); within each group, items for
  the chosen ``product`` (or for every product) come before the others;
- each suggestion carries the passage that matches best, as plain text;
- **it never raises**: when search is down (``search.backends.SearchBackendError``) or the
  source fails in any other way, the outage is logged as a warning and the answer is ``[]``,
  so the support flow still files tickets.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from django.db import connection, transaction
from django.urls import Resolver404, resolve
from django.utils.text import Truncator

logger = logging.getLogger(__name__)

MIN_TEXT_LENGTH = 3
MAX_TEXT_LENGTH = 1000
PASSAGE_LENGTH = 260
_WORD = re.compile(r"\w[\w'+#.-]*\w|\w", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
_SKIP_WORDS = frozenset(
    {
        "the", "and", "for", "are", "but", "not", "you", "your", "our", "with", "this", "that",
        "have", "has", "how", "what", "when", "why", "can", "does", "did", "was", "were", "from",
        "into", "its", "it's", "after", "before", "again", "all", "any", "also", "there",
        "their", "them", "then", "than", "will", "would", "could", "should", "while", "which",
        "who",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "article" or "question"
    title: str
    url: str
    passage: str  # plain text: the part of the item that matches best
    key: str  # "article:42", "question:7" — stable across sources (the search document id)
    solved: bool = False  # a question with an accepted answer

    def as_dict(self) -> dict:
        return asdict(self)


class _NoSearchApp(Exception):
    """Stands in for ``SearchBackendError`` when the search app is not installed."""


def suggest_answers(
    text: str, user, *, product: str | None = None, limit: int = 5
) -> list[Suggestion]:
    """Articles and questions that may answer ``text``, best first, only what ``user`` may
    see; ``product`` is a product segment slug to prefer. Never raises: ``[]`` on outage."""
    text = " ".join(str(text or "").split())[:MAX_TEXT_LENGTH]
    if len(text) < MIN_TEXT_LENGTH or limit <= 0:
        return []
    try:
        from search.backends import SearchBackendError
    except ImportError:  # pragma: no cover - the search app is part of the project
        SearchBackendError = _NoSearchApp
    try:
        if connection.in_atomic_block:
            # A failing query must not spoil the caller's transaction.
            with transaction.atomic():
                return _suggest(text, user, product=product, limit=limit)
        return _suggest(text, user, product=product, limit=limit)
    except SearchBackendError as error:
        logger.warning(
            "Answer suggestions are unavailable (search: %s); support continues without them.",
            error,
        )
    except Exception:
        logger.warning("Answer suggestions failed; support continues without them.", exc_info=True)
    return []


# --- Today's source: the forum's database match ---------------------------------------


def _suggest(text: str, user, *, product: str | None, limit: int) -> list[Suggestion]:
    from forum.similar import similar_content

    items = similar_content(text, user, limit=max(limit * 3, 12))
    question_ids: list[int] = []
    article_titles: list[str] = []
    for item in items:
        if item.kind == "question":
            pk = _question_pk(item.url)
            if pk:
                question_ids.append(pk)
        elif item.kind == "article":
            article_titles.append(item.title)
    questions = _questions(question_ids, user)
    articles = _articles(article_titles, user)
    words = _words(text)
    ranked = []
    for rank, item in enumerate(items):
        found = None
        if item.kind == "question":
            question = questions.get(_question_pk(item.url))
            if question is not None:
                found = _from_question(question, words, product)
        elif item.kind == "article":
            article = articles.get(item.url)
            if article is not None:
                found = _from_article(article, words, product)
        if found is not None:
            suggestion, tier, for_product = found
            ranked.append(((tier, 0 if for_product else 1, rank), suggestion))
    ranked.sort(key=lambda pair: pair[0])
    seen: set[str] = set()
    results = []
    for _key, suggestion in ranked:
        if suggestion.key not in seen:
            seen.add(suggestion.key)
            results.append(suggestion)
    return results[:limit]


def _question_pk(url: str) -> int | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    if match.namespace == "forum" and match.url_name in ("question", "question_short"):
        return match.kwargs.get("pk")
    return None


def _questions(ids: list[int], user) -> dict:
    if not ids:
        return {}
    from forum.models import Answer
    from forum.visibility import public_questions_for

    questions = {
        question.pk: question
        for question in public_questions_for(user)
        .filter(pk__in=ids, answer_count__gt=0)
        .select_related("product")
    }
    accepted = Answer.objects.filter(
        question_id__in=list(questions), is_accepted=True, is_hidden=False, awaiting_review=False
    ).values_list("question_id", "body")
    for question_id, body in accepted:
        questions[question_id].accepted_body = body
    return questions


def _articles(titles: list[str], user) -> dict:
    if not titles:
        return {}
    from kb.models import ArticlePage
    from segments import policy

    pages = (
        policy.visible_to(ArticlePage.objects.live().public(), user)
        .filter(title__in=titles)
        .prefetch_related("segments")
    )
    return {page.url: page for page in pages if page.url}


def _from_question(question, words, product):
    accepted = getattr(question, "accepted_body", None)
    source = _prose(accepted if accepted else question.body)
    solved = question.status == "solved" and accepted is not None
    suggestion = Suggestion(
        kind="question",
        title=question.title,
        url=question.get_absolute_url(),
        passage=passage(source, words),
        key=f"question:{question.pk}",
        solved=solved,
    )
    for_product = not product or question.product.slug == product
    return suggestion, 0 if solved else 1, for_product


def _from_article(article, words, product):
    text = _prose(article.markdown_source) or article.summary
    suggestion = Suggestion(
        kind="article",
        title=article.title,
        url=article.url,
        passage=passage(text, words) or article.summary,
        key=f"article:{article.pk}",
    )
    products = {s.slug for s in article.segments.all() if s.kind == "product"}
    for_product = not product or not products or product in products
    return suggestion, 0, for_product


# --- Passages -------------------------------------------------------------------------


def _prose(markdown: str) -> str:
    """The running text of Markdown: headings, tables, code and callout fences dropped, so
    a passage reads as sentences ("Why it fails A signature…" would not)."""
    from core.markdown import markdown_to_text

    lines, in_code = [], False
    for line in str(markdown or "").splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code or stripped.startswith(("#", ":::", "|")) or line.startswith("    "):
            continue
        lines.append(line)
    return markdown_to_text("\n".join(lines))


def _words(text: str) -> list[str]:
    words: list[str] = []
    for match in _WORD.finditer(text.lower()):
        word = match.group(0)
        if len(word) >= 3 and word not in _SKIP_WORDS and word not in words:
            words.append(word)
    return words[:12]


def passage(text: str, words: list[str], length: int = PASSAGE_LENGTH) -> str:
    """The sentence of ``text`` that contains the most of ``words``, with what follows it,
    cut to about ``length`` characters (the start of the text when nothing matches)."""
    plain = " ".join(str(text or "").split())
    if not plain:
        return ""
    sentences = _SENTENCE_END.split(plain)
    best, best_score = 0, 0
    for index, sentence in enumerate(sentences):
        lowered = sentence.lower()
        score = sum(1 for word in words if word in lowered)
        if score > best_score:
            best, best_score = index, score
    chosen = " ".join(sentences[best:])
    prefix = "… " if best else ""
    return prefix + Truncator(chosen).chars(length)
