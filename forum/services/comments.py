"""Comments on questions and answers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import limits, permissions
from ..errors import InvalidPost, NotAllowed
from ..models import Answer, Comment, ModerationEvent, Question
from ..signals import send_post_changed
from ..visibility import can_view_post, is_moderator
from . import history
from .notify import _queue_mentions
from .validation import _ensure_visible, clean_comment


@transaction.atomic
def add_comment(
    author,
    *,
    question: Question,
    body: str,
    answer: Answer | None = None,
    enforce_limits: bool = True,
    notify: bool = True,
    at=None,
) -> Comment:
    permissions.ensure_can_participate(author, enforce=enforce_limits)
    _ensure_visible(question, author, enforce_limits)
    if answer is not None:
        if answer.question_id != question.pk:
            raise InvalidPost(_("That answer belongs to another question."))
        if enforce_limits and not can_view_post(answer, author):
            raise NotAllowed(_("This answer is not available."))
    if not permissions.can_comment(question, author):
        raise NotAllowed(_("This question is locked: it takes no new comments."))
    body = clean_comment(body)
    trusted = not enforce_limits or is_moderator(author)
    if not trusted:
        limits.check_rate(author, "comment")
    now = at or timezone.now()
    held = "" if trusted else limits.review_reason(plain=body, author=author)
    comment = Comment.objects.create(
        question=question,
        answer=answer,
        author=author,
        body=body,
        created_at=now,
        awaiting_review=bool(held),
    )
    if held:
        history.record(comment, ModerationEvent.Action.HELD, reason=held, at=now)
    if comment.is_public:
        Question.objects.filter(pk=question.pk, last_activity_at__lt=now).update(
            last_activity_at=now
        )
        if notify:
            _queue_mentions("comment", comment.pk, exclude=[author.pk])
    send_post_changed(comment, "created")
    return comment
