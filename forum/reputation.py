"""A light reputation: points for votes received and accepted answers (``FORUM_REPUTATION``).

Votes and accepts on hidden posts do not count. Never below zero.
"""

from __future__ import annotations

from django.db.models import Count, Q

from . import conf
from .models import Answer, AnswerVote, QuestionVote


def reputation(user) -> int:
    points = conf.get("FORUM_REPUTATION")
    answer_votes = AnswerVote.objects.filter(answer__author=user, answer__is_hidden=False)
    answers = answer_votes.aggregate(
        up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1))
    )
    question_votes = QuestionVote.objects.filter(
        question__author=user, question__is_hidden=False
    ).aggregate(up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1)))
    accepted = Answer.objects.filter(author=user, is_accepted=True, is_hidden=False).count()
    total = (
        answers["up"] * points.get("answer_upvote", 0)
        + answers["down"] * points.get("answer_downvote", 0)
        + question_votes["up"] * points.get("question_upvote", 0)
        + question_votes["down"] * points.get("question_downvote", 0)
        + accepted * points.get("accepted_answer", 0)
    )
    return max(0, total)
