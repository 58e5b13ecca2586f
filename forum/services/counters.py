"""The forum's stored counts, checked against what they count, and put right.

Questions keep ``answer_count`` and ``status`` (from their published answers) and
``score`` (the sum of their votes); answers keep ``score``. Every write keeps them right
(``F()`` updates and recounts under a row lock), but a row edited in the admin, a restore
from backup or a bug can leave one off. ``repair_counters`` finds the rows whose stored
count differs from the recount and fixes them, each in its own short transaction; the
periodic task ``forum.repair_counters`` runs it (``CELERY_BEAT_SCHEDULE``).

View counts are not repaired: nothing else records a view to recount them from.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from ..models import Answer, AnswerVote, Question, QuestionVote
from ..signals import send_post_changed
from .questions import refresh_question_state


@dataclass
class Repaired:
    questions: int = 0
    answers: int = 0

    @property
    def total(self) -> int:
        return self.questions + self.answers


def _sum_of(votes, key: str):
    total = (
        votes.filter(**{key: OuterRef("pk")})
        .values(key)
        .annotate(total=Sum("value"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def drifted_questions():
    """Questions whose stored answer count, status or score differs from a recount."""
    public = Answer.objects.filter(question=OuterRef("pk"), is_hidden=False, awaiting_review=False)
    counted = public.order_by().values("question").annotate(n=Count("pk")).values("n")
    return (
        Question.objects.annotate(
            real_answers=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
            real_score=_sum_of(QuestionVote.objects.all(), "question"),
            solved=Exists(public.filter(is_accepted=True)),
        )
        .annotate(
            real_status=Case(
                When(Q(real_answers__gt=0) & Q(solved=True), then=Value(Question.Status.SOLVED)),
                When(real_answers__gt=0, then=Value(Question.Status.ANSWERED)),
                default=Value(Question.Status.OPEN),
            )
        )
        .filter(
            ~Q(answer_count=F("real_answers"))
            | ~Q(score=F("real_score"))
            | ~Q(status=F("real_status"))
        )
        .order_by("pk")
    )


def drifted_answers():
    """Answers whose stored score differs from the sum of their votes."""
    return (
        Answer.objects.annotate(real_score=_sum_of(AnswerVote.objects.all(), "answer"))
        .filter(~Q(score=F("real_score")))
        .order_by("pk")
    )


def recount_score(post: Question | Answer) -> int:
    """Set ``post``'s score to the sum of its votes (row locked); returns it."""
    model, votes = (
        (Question, QuestionVote.objects.filter(question=post.pk))
        if isinstance(post, Question)
        else (Answer, AnswerVote.objects.filter(answer=post.pk))
    )
    with transaction.atomic():
        list(model.objects.select_for_update().filter(pk=post.pk).values_list("pk"))
        score = votes.aggregate(total=Sum("value"))["total"] or 0
        model.objects.filter(pk=post.pk).update(score=score)
    post.score = score
    return score


def repair_counters(*, limit: int | None = None) -> Repaired:
    """Recount every drifted question and answer (at most ``limit`` of each)."""
    repaired = Repaired()
    question_ids = list(drifted_questions().values_list("pk", flat=True)[:limit])
    for question in Question.objects.filter(pk__in=question_ids):
        with transaction.atomic():
            before = (question.answer_count, question.status)
            refresh_question_state(question)
            recount_score(question)
            if before != (question.answer_count, question.status):
                # The search document shows the answer count and status.
                send_post_changed(question, "moderated")
        repaired.questions += 1
    answer_ids = list(drifted_answers().values_list("pk", flat=True)[:limit])
    for answer in Answer.objects.filter(pk__in=answer_ids):
        recount_score(answer)
        repaired.answers += 1
    return repaired
