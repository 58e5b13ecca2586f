"""Community questions, with their answers folded in, as a searchable type."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Prefetch, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _

from core.markdown import markdown_to_text
from search.documents import document_language, later, segment_fields, single, tag_fields
from search.registry import Change, Ranking, SearchableType, register
from search.schema import SearchDocument
from segments import policy

from .models import Answer, AnswerVote, Question, QuestionTag, QuestionVote
from .signals import post_changed
from .visibility import public_questions_for

QUESTION = "question"


def build_question(question) -> SearchDocument | None:
    """A forum question with its published answers folded in; the accepted one apart."""
    if question.is_hidden or question.awaiting_review:
        return None
    answers = [a for a in question.answers.all() if not a.is_hidden and not a.awaiting_review]
    accepted = next((a for a in answers if a.is_accepted), None)
    others = sorted((a for a in answers if a is not accepted), key=lambda a: (-a.score, a.pk))
    text = "\n\n".join(
        [markdown_to_text(question.body), *(markdown_to_text(a.body) for a in others)]
    )
    segments = segment_fields(question)
    if question.product_id and question.product.slug not in segments["products"]:
        segments["products"] = sorted({*segments["products"], question.product.slug})
    return SearchDocument(
        id=f"{QUESTION}:{question.pk}",
        type=QUESTION,
        title=question.title,
        url=question.get_absolute_url(),
        text=text,
        accepted_answer=markdown_to_text(accepted.body) if accepted else "",
        **tag_fields(item.tag for item in question.tagged_items.all()),
        **segments,
        access=policy.document_access_terms(question),
        locale=document_language(question.language or settings.LANGUAGE_CODE),
        created=question.created_at,
        updated=later(question.last_activity_at, question.edited_at, question.created_at),
        published=question.created_at,
        helpful_votes=question.score,
        answer_count=len(answers),
        solved=accepted is not None,
        views=question.view_count,
    )


def questions():
    return Question.objects.select_related("product").prefetch_related(
        "segments",
        Prefetch("tagged_items", QuestionTag.objects.select_related("tag")),
        Prefetch("answers", Answer.objects.order_by("pk")),
    )


def question_changes(since) -> Q:
    return (
        Q(created_at__gte=since)
        | Q(edited_at__gte=since)
        | Q(last_activity_at__gte=since)
        | Q(answers__created_at__gte=since)
        | Q(answers__edited_at__gte=since)
    )


# --- What makes a document stale -------------------------------------------------------------
# Questions and answers created, edited, hidden, restored, approved, accepted or deleted, and
# votes on them, all through the models' own signals (forum services need no search code).


def _key(question_id) -> list[str]:
    return [f"{QUESTION}:{question_id}"] if question_id else []


def _question(instance, raw=False, **kwargs):
    return [] if raw else _key(instance.pk)


def _of_question(instance, raw=False, **kwargs):
    return [] if raw else _key(instance.question_id)


def _answer_vote(instance, raw=False, **kwargs):
    if raw:
        return []
    question_id = (
        Answer.objects.filter(pk=instance.answer_id).values_list("question_id", flat=True).first()
    )
    return _key(question_id)


def _segments_changed(instance, action, reverse=False, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and not reverse:
        return _key(instance.pk)
    return []


def _post_changed(instance, **kwargs):
    """After-commit notice from the forum's services: catches writes made without
    ``save()`` (an audience synced after an admin edit). A second look costs one row."""
    return _key(getattr(instance, "question_id", None) or instance.pk)


BOTH = (post_save, post_delete)
CHANGES = (
    *(Change(signal, _question, sender=Question, reason="forum") for signal in BOTH),
    *(Change(signal, _of_question, sender=Answer, reason="forum") for signal in BOTH),
    *(Change(signal, _of_question, sender=QuestionVote, reason="vote") for signal in BOTH),
    *(Change(signal, _answer_vote, sender=AnswerVote, reason="vote") for signal in BOTH),
    Change(m2m_changed, _segments_changed, sender=Question.segments.through, reason="forum"),
    Change(post_changed, _post_changed, reason="forum"),
)


def targeting(segment):
    return Question.objects.filter(Q(segments=segment) | Q(product=segment)).values_list(
        "pk", flat=True
    )


# --- Ranking ----------------------------------------------------------------------------------

#: Solved questions up (more so among similar questions, where a solved one is an answer),
#: unanswered ones down, old unanswered ones further; votes up (or down) logarithmically.
SOLVED = {"search": 1.15}
SOLVED_DEFAULT = 1.25
UNANSWERED = 0.8
OLD_DAYS = 365
OLD_UNANSWERED = 0.65
VOTES = 0.06
VOTES_CAP = 1.3


def question_factors(document, profile, now):
    found = []
    if document.solved:
        found.append((_("solved"), SOLVED.get(profile.name, SOLVED_DEFAULT)))
    elif document.answer_count == 0:
        created = document.created
        age = None if created is None else max(0.0, (now - created).total_seconds() / 86400)
        if age is not None and age > OLD_DAYS:
            found.append((_("old and unanswered"), OLD_UNANSWERED))
        else:
            found.append((_("unanswered"), UNANSWERED))
    if document.helpful_votes > 0:
        found.append((_("votes"), min(VOTES_CAP, 1 + VOTES * math.log1p(document.helpful_votes))))
    elif document.helpful_votes < 0:
        found.append((_("votes"), max(0.7, 1 - VOTES * math.log1p(-document.helpful_votes))))
    return found


# --- Relevance benchmarks: a corpus row as a question ---------------------------------------

CORPUS_DATE = datetime(2024, 1, 1, tzinfo=UTC)


def corpus_question(row: dict, pk: int, product) -> Question:
    """An unsaved forum question (with unsaved answers) holding one corpus document."""
    question = Question(
        pk=pk,
        title=str(row.get("title") or "")[:150] or str(row.get("id")),
        slug=f"q{pk}",
        body=str(row.get("body") or ""),
        product=product,
        status=Question.Status.OPEN,
        created_at=CORPUS_DATE,
        last_activity_at=CORPUS_DATE,
    )
    answers = []
    for number, text in enumerate(row.get("answers") or [], start=1):
        answers.append(
            Answer(pk=pk * 1000 + number, question=question, body=str(text), created_at=CORPUS_DATE)
        )
    question.answer_count = len(answers)
    question.status = Question.Status.ANSWERED if answers else Question.Status.OPEN
    question._prefetched_objects_cache = {"answers": answers, "segments": [], "tagged_items": []}
    return question


def corpus_document(row: dict, pk: int) -> SearchDocument | None:
    from segments.models import Segment

    product = Segment(pk=0, kind=Segment.Kind.PRODUCT, slug="benchmark", name="Benchmark")
    return build_question(corpus_question(row, pk, product))


register(
    SearchableType(
        key=QUESTION,
        label=_("Question"),
        plural=_("Community questions"),
        aliases=("questions", "forum", "community"),
        model=Question,
        queryset=questions,
        build=single(build_question),
        indexable=lambda queryset: queryset.filter(is_hidden=False, awaiting_review=False),
        changed_since=question_changes,
        changes=CHANGES,
        targeting=targeting,
        visible=lambda user: public_questions_for(user).select_related("product"),
        ranking=Ranking(factors=question_factors),
        suggest_rank=1,
        answers_questions=True,
        corpus_document=corpus_document,
    )
)
