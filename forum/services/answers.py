"""Answering, editing answers, accepting one."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import limits, permissions
from ..errors import InvalidPost, NotAllowed
from ..models import Answer, ModerationEvent, PostRevision, Question
from ..signals import send_post_changed
from ..visibility import is_moderator
from . import history
from .notify import _queue_accepted_notifications, _queue_answer_notifications, _queue_mentions
from .questions import refresh_question_state
from .validation import _ensure_visible, clean_body


@transaction.atomic
def post_answer(
    question: Question,
    author,
    *,
    body: str,
    enforce_limits: bool = True,
    notify: bool = True,
    at=None,
) -> Answer:
    permissions.ensure_can_participate(author, enforce=enforce_limits)
    _ensure_visible(question, author, enforce_limits)
    if not permissions.can_answer(question, author):
        if question.duplicate_of_id:
            raise NotAllowed(_("This question was closed as a duplicate."))
        raise NotAllowed(_("This question is locked: it takes no new answers."))
    body = clean_body(body)
    trusted = not enforce_limits or is_moderator(author)
    if not trusted:
        limits.check_rate(author, "answer")
    now = at or timezone.now()
    held = "" if trusted else limits.review_reason(body, author=author)
    answer = Answer.objects.create(
        question=question,
        author=author,
        body=body,
        created_at=now,
        is_official=permissions.is_forum_staff(author),
        awaiting_review=bool(held),
    )
    if held:
        history.record(answer, ModerationEvent.Action.HELD, reason=held, at=now)
    refresh_question_state(question, touch=answer.is_public, at=now)
    if notify and answer.is_public:
        _queue_answer_notifications(answer)
    send_post_changed(answer, "created")
    return answer


@transaction.atomic
def edit_answer(answer: Answer, editor, *, body: str) -> Answer:
    if not permissions.can_edit(answer, editor):
        raise NotAllowed(_("You can only edit your own posts."))
    permissions.ensure_can_participate(editor)
    body = clean_body(body)
    if body == answer.body:
        return answer
    now = timezone.now()
    old_body = answer.body
    PostRevision.objects.create(
        question=answer.question,
        answer=answer,
        editor=editor,
        created_at=now,
        old_body=old_body,
        new_body=body,
    )
    answer.body, answer.edited_at, answer.edited_by = body, now, editor
    fields = ["body", "edited_at", "edited_by"]
    held = ""
    if (
        not is_moderator(editor)
        and not answer.awaiting_review
        and limits.count_links(body) > limits.count_links(old_body)
    ):
        held = limits.review_reason(body, author=editor)
    if held:
        answer.awaiting_review = True
        fields.append("awaiting_review")
        history.record(answer, ModerationEvent.Action.HELD, reason=held, at=now)
    answer.save(update_fields=fields)
    refresh_question_state(answer.question, touch=answer.is_public, at=now)
    if answer.is_public:
        _queue_mentions("answer", answer.pk, exclude=[editor.pk], previous=old_body)
    send_post_changed(answer, "edited")
    return answer


@transaction.atomic
def accept_answer(answer: Answer, user, *, notify: bool = True, at=None) -> Answer:
    question = Question.objects.select_for_update().get(pk=answer.question_id)
    if not permissions.can_accept(question, user):
        raise NotAllowed(_("Only the person who asked can accept an answer."))
    if not answer.is_public:
        raise InvalidPost(_("Only a published answer can be accepted."))
    if answer.is_accepted:
        return answer
    Answer.objects.filter(question=question, is_accepted=True).update(
        is_accepted=False, accepted_at=None, accepted_by=None
    )
    now = at or timezone.now()
    answer.is_accepted, answer.accepted_at, answer.accepted_by = True, now, user
    answer.save(update_fields=["is_accepted", "accepted_at", "accepted_by"])
    refresh_question_state(question, touch=True, at=now)
    answer.question = question
    if notify:
        _queue_accepted_notifications(answer, user)
    send_post_changed(answer, "accepted")
    return answer


@transaction.atomic
def unaccept_answer(answer: Answer, user) -> Answer:
    if not permissions.can_accept(answer.question, user):
        raise NotAllowed(_("Only the person who asked can change the accepted answer."))
    if not answer.is_accepted:
        return answer
    answer.is_accepted, answer.accepted_at, answer.accepted_by = False, None, None
    answer.save(update_fields=["is_accepted", "accepted_at", "accepted_by"])
    refresh_question_state(answer.question)
    send_post_changed(answer, "accepted")
    return answer
