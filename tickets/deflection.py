"""Answers suggested while a customer describes a problem — the one door for suggestions.

Every caller (the "Contact support" page, its JSON endpoint, the demo loader) goes through
``suggest_answers``, which asks the search service (``search.service.similar``, the same
ranking as the forum's similar questions). The contract:

- only what ``user`` may see is ever returned (the search service filters by the person's
  access terms and re-checks every hit against the database);
- knowledge-base articles and solved questions come first, then answered questions (open
  questions without an answer help nobody and are left out); within each group, items for
  the chosen ``product`` (or for every product) come before the others;
- each suggestion carries the passage that matches best, as plain text;
- **it never raises**: when search is down (``search.service.SearchUnavailable``) or the
  source fails in any other way, the outage is logged as a warning and the answer is ``[]``,
  so the support flow still files tickets.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import asdict, dataclass

from django.db import connection, transaction
from django.utils.text import Truncator

from forum.search import QUESTION
from kb.search import ARTICLE
from search.answers import DirectAnswer, direct_answer

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


def suggest_answers(
    text: str, user, *, product: str | None = None, limit: int = 5
) -> list[Suggestion]:
    """Articles and questions that may answer ``text``, best first, only what ``user`` may
    see; ``product`` is a product segment slug to prefer. Never raises: ``[]`` on outage."""
    return suggest_with_answer(text, user, product=product, limit=limit, direct=False)[0]


def suggest_with_answer(
    text: str, user, *, product: str | None = None, limit: int = 5, direct: bool = True
) -> tuple[list[Suggestion], DirectAnswer | None]:
    """``suggest_answers`` and, when ``text`` reads as a question, the direct answer
    (``search.answers``): the passage of the first suggestions closest in meaning to it,
    so its source is always one of the suggestions shown. Never raises."""
    text = " ".join(str(text or "").split())[:MAX_TEXT_LENGTH]
    if len(text) < MIN_TEXT_LENGTH or limit <= 0:
        return [], None
    from search.service import SearchUnavailable

    # Inside a transaction, a savepoint: a failing query must not spoil the caller's work.
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard:
            suggestions, results = _suggest(text, user, product=product, limit=limit)
        answer = None
        if direct and suggestions:
            answer = direct_answer(text, [results[s.key] for s in suggestions])
        return suggestions, answer
    except SearchUnavailable as error:
        logger.warning(
            "Answer suggestions are unavailable (search: %s); support continues without them.",
            error,
        )
    except Exception:
        logger.warning("Answer suggestions failed; support continues without them.", exc_info=True)
    return [], None


# --- The source: the search service ---------------------------------------------------


def _suggest(text: str, user, *, product: str | None, limit: int) -> tuple[list[Suggestion], dict]:
    """The suggestions, and the search results they come from (by key)."""
    from search import service

    results = service.similar(
        text, user, product=product, limit=max(limit * 3, 12), use="suggestions"
    )
    words = _words(text)
    ranked = []
    for rank, result in enumerate(results):
        found = None
        if result.type == QUESTION and result.obj is not None:
            found = _from_question(result, words, product)
        elif result.type == ARTICLE and result.obj is not None:
            found = _from_article(result, words, product)
        if found is not None:
            suggestion, tier, for_product = found
            ranked.append(((tier, 0 if for_product else 1, rank), suggestion))
    ranked.sort(key=lambda pair: pair[0])
    seen: set[str] = set()
    suggestions = []
    for _key, suggestion in ranked:
        if suggestion.key not in seen:
            seen.add(suggestion.key)
            suggestions.append(suggestion)
    return suggestions[:limit], {r.id: r for r in results}


def _from_question(result, words, product):
    question = result.obj
    if question.answer_count == 0:
        return None  # nobody answered: it helps nobody yet
    document = result.document
    accepted = document.accepted_answer if document else ""
    solved = bool(result.solved and accepted)
    source = accepted if solved else _prose(question.body)
    suggestion = Suggestion(
        kind="question",
        title=question.title,
        url=question.get_absolute_url(),
        passage=passage(source, words),
        key=result.id,
        solved=solved,
    )
    for_product = not product or product in result.products
    return suggestion, 0 if solved else 1, for_product


def _from_article(result, words, product):
    article = result.obj
    text = _prose(article.markdown_source) or article.summary
    suggestion = Suggestion(
        kind="article",
        title=article.title,
        url=result.url or article.url,
        passage=passage(text, words) or article.summary,
        key=result.id,
    )
    for_product = not product or not result.products or product in result.products
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
