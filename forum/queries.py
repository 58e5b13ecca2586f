"""Read side of the forum: what a community page lists, for whom, in few queries.

Every list starts from ``forum.visibility`` (and so ``segments.policy``); nothing here
decides access. Writes go through ``forum.services``.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, QuerySet
from taggit.models import Tag

from . import visibility
from .models import (
    Answer,
    AnswerVote,
    Comment,
    PostRevision,
    Question,
    QuestionTag,
    QuestionVote,
    Watch,
)

SORTS = {
    "activity": ("-last_activity_at", "-pk"),
    "newest": ("-created_at", "-pk"),
    "votes": ("-score", "-created_at", "-pk"),
}
FILTERS = ("unanswered", "solved")
POPULAR_TAGS_LIMIT = 15
TAG_SUGGESTIONS_LIMIT = 10
PROFILE_LIMIT = 20
WATCHED_LIMIT = 50


# --- Listings -------------------------------------------------------------------------


def questions_in(user, *, product=None, tag=None) -> QuerySet[Question]:
    """Questions ``user`` may open, of one product and one tag when given."""
    questions = visibility.questions_for(user)
    if product is not None:
        questions = questions.filter(product=product)
    if tag is not None:
        questions = questions.filter(tagged_items__tag=tag)
    return questions


def listing(questions: QuerySet, *, current_filter: str | None, sort: str) -> QuerySet:
    """``questions`` narrowed by ``current_filter`` (``FILTERS``), in ``sort`` (``SORTS``)
    order, with what a list item shows."""
    if current_filter == "unanswered":
        questions = questions.filter(answer_count=0)
    elif current_filter == "solved":
        questions = questions.filter(status=Question.Status.SOLVED)
    return questions.select_related("product", "author").order_by(*SORTS[sort])


def with_tags(questions) -> list[Question]:
    """``questions`` as a list, each with ``tag_list`` (its tags by name), in one query.

    Cheaper than ``prefetch_related("tags")``, which builds a tag queryset per question
    only to hand it the prefetched rows."""
    questions = list(questions)
    by_question: dict[int, list[Tag]] = defaultdict(list)
    rows = (
        QuestionTag.objects.filter(content_object_id__in=[q.pk for q in questions])
        .order_by("tag__name")
        .values_list("content_object_id", "tag_id", "tag__name", "tag__slug")
    )
    for question_id, tag_id, name, slug in rows:
        by_question[question_id].append(Tag(id=tag_id, name=name, slug=slug))
    for question in questions:
        question.tag_list = by_question.get(question.pk, [])
    return questions


def own_held_ids(user) -> list[int]:
    """Ids of ``user``'s own questions held for review: the one thing that makes their
    lists differ from those of everyone with the same access (authors see them, marked)."""
    if not getattr(user, "is_authenticated", False) or visibility.is_moderator(user):
        return []
    return list(
        Question.objects.filter(author=user, awaiting_review=True, is_hidden=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def tags_in_use(user) -> QuerySet[Tag]:
    """Tags of the published questions ``user`` may see, each with ``uses``."""
    return Tag.objects.filter(
        forum_questiontag_items__content_object__in=visibility.public_questions_for(user).values(
            "pk"
        )
    ).annotate(uses=Count("forum_questiontag_items"))


def popular_tags(user, limit: int = POPULAR_TAGS_LIMIT) -> QuerySet[Tag]:
    return tags_in_use(user).order_by("-uses", "name")[:limit]


def tag_suggestions(user, prefix: str, limit: int = TAG_SUGGESTIONS_LIMIT) -> list[str]:
    """Names of the most used tags starting with ``prefix`` (any tag without one)."""
    tags = tags_in_use(user)
    if prefix:
        tags = tags.filter(name__istartswith=prefix)
    return list(tags.order_by("-uses", "name").values_list("name", flat=True)[:limit])


# --- A question -----------------------------------------------------------------------


def thread(question: Question, user) -> tuple[list[Answer], list[Comment]]:
    """The answers ``user`` may see (accepted first, then by votes), each with its
    ``comment_list``, and the comments on the question itself."""
    answers = [
        answer
        for answer in Answer.objects.filter(question=question)
        .select_related("author")
        .order_by("-is_accepted", "-score", "created_at", "pk")
        if visibility.can_view_post(answer, user)
    ]
    answer_ids = {answer.pk for answer in answers}
    comments = [
        comment
        for comment in Comment.objects.filter(question=question).select_related("author")
        if visibility.can_view_post(comment, user)
        and (comment.answer_id is None or comment.answer_id in answer_ids)
    ]
    for answer in answers:
        answer.comment_list = [c for c in comments if c.answer_id == answer.pk]
    return answers, [c for c in comments if c.answer_id is None]


def mark_votes(question: Question, answers: list[Answer], user) -> None:
    """Set ``my_vote`` (+1, -1 or 0) on ``question`` and each of ``answers`` for ``user``."""
    question.my_vote = 0
    for answer in answers:
        answer.my_vote = 0
    if not user.is_authenticated:
        return
    question.my_vote = (
        QuestionVote.objects.filter(question=question, user=user)
        .values_list("value", flat=True)
        .first()
        or 0
    )
    if answers:
        votes = dict(
            AnswerVote.objects.filter(answer__in=answers, user=user).values_list(
                "answer_id", "value"
            )
        )
        for answer in answers:
            answer.my_vote = votes.get(answer.pk, 0)


def is_watching(question: Question, user) -> bool:
    return user.is_authenticated and Watch.objects.filter(question=question, user=user).exists()


def revisions(question: Question) -> QuerySet[PostRevision]:
    return PostRevision.objects.filter(question=question).select_related(
        "editor", "answer__question", "old_product", "new_product"
    )


# --- Members --------------------------------------------------------------------------


def member_questions(viewer, member) -> QuerySet[Question]:
    """``member``'s questions that ``viewer`` may open, newest first."""
    return (
        visibility.questions_for(viewer)
        .filter(author=member)
        .select_related("product")
        .order_by("-created_at")
    )


def member_answers(viewer, member) -> QuerySet[Answer]:
    """``member``'s answers that ``viewer`` may see, newest first."""
    return (
        visibility.answers_for(viewer)
        .filter(author=member)
        .select_related("question")
        .order_by("-created_at")
    )


def watched_questions(user, limit: int = WATCHED_LIMIT) -> QuerySet[Question]:
    """Questions ``user`` watches and may still open, latest activity first."""
    return (
        visibility.questions_for(user)
        .filter(watches__user=user)
        .order_by("-last_activity_at")[:limit]
    )
