"""Up and down votes on questions and answers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from .. import permissions
from ..errors import InvalidPost, NotAllowed
from ..models import Answer, AnswerVote, Question, QuestionVote
from ..visibility import can_view_question


@transaction.atomic
def vote(user, post: Question | Answer, value: int, *, enforce_limits: bool = True) -> int:
    """Set ``user``'s vote on ``post`` to +1, -1 or 0 (no vote); returns the new score.

    One vote per member and post; nobody votes on their own posts.
    """
    if value not in (1, -1, 0):
        raise InvalidPost(_("A vote is up or down."))
    permissions.ensure_can_participate(user, enforce=enforce_limits)
    question = post if isinstance(post, Question) else post.question
    if not post.is_public or (enforce_limits and not can_view_question(question, user)):
        raise NotAllowed(_("This post is not available."))
    if not permissions.can_vote(post, user):
        raise NotAllowed(_("You can't vote on your own post."))
    if isinstance(post, Question):
        model, votes = Question, QuestionVote.objects.filter(question=post, user=user)
        new = {"question": post}
    else:
        model, votes = Answer, AnswerVote.objects.filter(answer=post, user=user)
        new = {"answer": post}
    existing = votes.select_for_update().first()
    old = existing.value if existing else 0
    if value != old:
        if value == 0:
            existing.delete()
        elif existing:
            existing.value = value
            existing.save(update_fields=["value"])
        else:
            try:
                with transaction.atomic():
                    votes.model.objects.create(user=user, value=value, **new)
            except IntegrityError:
                raise NotAllowed(_("You have already voted on this post.")) from None
        model.objects.filter(pk=post.pk).update(score=F("score") + (value - old))
    post.score = model.objects.values_list("score", flat=True).get(pk=post.pk)
    return post.score


def vote_of(user, post: Question | Answer) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    if isinstance(post, Question):
        votes = QuestionVote.objects.filter(question=post, user=user)
    else:
        votes = AnswerVote.objects.filter(answer=post, user=user)
    return votes.values_list("value", flat=True).first() or 0
