"""Flags, and what moderators do: hide, restore, approve, lock, close as duplicate,
restrict, suspend, and the history of their edits in the admin."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf, limits, permissions, trust
from ..errors import InvalidPost, NotAllowed
from ..models import Answer, Flag, ForumProfile, ModerationEvent, PostRevision, Question
from ..signals import send_post_changed
from ..visibility import can_view_post, can_view_question, is_moderator
from . import history
from .notify import _queue_answer_notifications, _queue_mentions
from .questions import _is_restricted_product, refresh_question_state
from .validation import tag_string
from .watching import profile_for

_flag_target_fields = history.target_fields
flags_on = history.flags_on


@transaction.atomic
def flag_post(
    reporter,
    post,
    *,
    reason: str,
    duplicate_of: Question | None = None,
    note: str = "",
    enforce_limits: bool = True,
    at=None,
) -> Flag:
    permissions.ensure_can_participate(reporter, enforce=enforce_limits)
    fields = _flag_target_fields(post)
    question = fields["question"]
    if enforce_limits and (
        not can_view_question(question, reporter) or not can_view_post(post, reporter)
    ):
        raise NotAllowed(_("This post is not available."))
    if post.author_id == reporter.pk:
        raise NotAllowed(_("You can't flag your own post."))
    if reason not in Flag.Reason.values:
        raise InvalidPost(_("Choose why you are flagging this post."))
    if reason == Flag.Reason.DUPLICATE:
        if duplicate_of is None:
            raise InvalidPost(_("Tell us which question this duplicates."))
        if duplicate_of.pk == question.pk or not can_view_question(duplicate_of, reporter):
            raise InvalidPost(_("Choose another question as the original."))
    else:
        duplicate_of = None
    existing = flags_on(post).filter(reporter=reporter, status=Flag.Status.OPEN).first()
    if existing:
        return existing
    if enforce_limits and not is_moderator(reporter):
        limits.check_rate(reporter, "flag")
    flag = Flag.objects.create(
        reporter=reporter,
        reason=reason,
        duplicate_of=duplicate_of,
        note=(note or "").strip()[:500],
        created_at=at or timezone.now(),
        **fields,
    )
    if not post.is_hidden:
        reason = _hiding_reason(post, reporter)
        if reason:
            _set_hidden(post, True)
            history.record(post, ModerationEvent.Action.HIDDEN_BY_FLAGS, reason=reason, at=at)
    return flag


def _hiding_reason(post, reporter) -> str:
    """Whether the open flags on ``post`` hide it pending review: one flag from a trusted
    member (``trust.is_trusted_flagger``), or ``FORUM_FLAGS_TO_HIDE`` flags from different
    members (``0``: only trusted members' flags hide)."""
    if trust.is_trusted_flagger(reporter):
        return ModerationEvent.Reason.TRUSTED_FLAG
    threshold = conf.get("FORUM_FLAGS_TO_HIDE")
    if not threshold:
        return ""
    reporters = flags_on(post).filter(status=Flag.Status.OPEN).values("reporter").distinct().count()
    return ModerationEvent.Reason.FLAG_COUNT if reporters >= threshold else ""


def _ensure_moderator(user) -> None:
    if not is_moderator(user):
        raise NotAllowed(_("Only moderators can do this."))


def _close_flags(post, moderator, status: str, resolution: str) -> int:
    return (
        flags_on(post)
        .filter(status=Flag.Status.OPEN)
        .update(
            status=status, handled_by=moderator, handled_at=timezone.now(), resolution=resolution
        )
    )


def _set_hidden(post, hidden: bool) -> None:
    post.is_hidden = hidden
    post.save(update_fields=["is_hidden"])
    if isinstance(post, Answer):
        refresh_question_state(post.question)
    send_post_changed(post, "hidden" if hidden else "restored")


@transaction.atomic
def hide_post(post, moderator, *, resolution: str = "") -> None:
    _ensure_moderator(moderator)
    _set_hidden(post, True)
    _close_flags(post, moderator, Flag.Status.RESOLVED, resolution or "hidden")
    history.record(post, ModerationEvent.Action.HIDDEN, actor=moderator)


@transaction.atomic
def restore_post(post, moderator) -> None:
    """Show a hidden post again (flags that hid it are dismissed)."""
    _ensure_moderator(moderator)
    _set_hidden(post, False)
    _close_flags(post, moderator, Flag.Status.DISMISSED, "restored")
    history.record(post, ModerationEvent.Action.RESTORED, actor=moderator)


@transaction.atomic
def approve_post(post, moderator, *, notify: bool = True) -> None:
    """Publish a post that was held for review, and send the notifications it held back."""
    _ensure_moderator(moderator)
    if not post.awaiting_review:
        return
    post.awaiting_review = False
    post.save(update_fields=["awaiting_review"])
    history.record(post, ModerationEvent.Action.APPROVED, actor=moderator)
    if isinstance(post, Answer):
        refresh_question_state(post.question, touch=True)
    if notify and post.is_public:
        if isinstance(post, Answer):
            _queue_answer_notifications(post)
        elif isinstance(post, Question):
            _queue_mentions("question", post.pk, exclude=[post.author_id])
        else:
            _queue_mentions("comment", post.pk, exclude=[post.author_id])
    send_post_changed(post, "approved")


@transaction.atomic
def dismiss_flags(post, moderator) -> int:
    _ensure_moderator(moderator)
    closed = _close_flags(post, moderator, Flag.Status.DISMISSED, "dismissed")
    if closed:
        history.record(post, ModerationEvent.Action.DISMISSED, actor=moderator)
    return closed


@transaction.atomic
def dismiss_flag(flag: Flag, moderator) -> Flag:
    _ensure_moderator(moderator)
    flag.status, flag.handled_by, flag.handled_at = Flag.Status.DISMISSED, moderator, timezone.now()
    flag.resolution = "dismissed"
    flag.save(update_fields=["status", "handled_by", "handled_at", "resolution"])
    history.record(flag.target, ModerationEvent.Action.DISMISSED, actor=moderator)
    return flag


@transaction.atomic
def set_locked(question: Question, moderator, locked: bool) -> Question:
    _ensure_moderator(moderator)
    question.is_locked = locked
    question.save(update_fields=["is_locked"])
    if locked:
        _close_flags(question, moderator, Flag.Status.RESOLVED, "locked")
    action = ModerationEvent.Action.LOCKED if locked else ModerationEvent.Action.UNLOCKED
    history.record(question, action, actor=moderator)
    send_post_changed(question, "moderated")
    return question


@transaction.atomic
def mark_duplicate(question: Question, original: Question | None, moderator) -> Question:
    """Close ``question`` as a duplicate of ``original`` (``None`` reopens it)."""
    _ensure_moderator(moderator)
    if original is not None:
        seen = {question.pk}
        cursor = original
        while cursor is not None:
            if cursor.pk in seen:
                raise InvalidPost(_("A question cannot be a duplicate of itself."))
            seen.add(cursor.pk)
            cursor = cursor.duplicate_of
    question.duplicate_of = original
    question.save(update_fields=["duplicate_of"])
    if original is not None:
        _close_flags(question, moderator, Flag.Status.RESOLVED, "marked duplicate")
        history.record(question, ModerationEvent.Action.DUPLICATE, actor=moderator)
    send_post_changed(question, "moderated")
    return question


@transaction.atomic
def set_restricted(question: Question, moderator, restricted: bool) -> Question:
    _ensure_moderator(moderator)
    question.restricted = restricted
    question.save(update_fields=["restricted"])
    send_post_changed(question, "moderated")
    return question


@transaction.atomic
def suspend_member(user, moderator, *, days: int | None = None, until=None, reason: str = ""):
    """Stop ``user`` from posting until ``until`` (or for ``days``)."""
    _ensure_moderator(moderator)
    if is_moderator(user):
        raise NotAllowed(_("Staff accounts cannot be suspended from the community."))
    if until is None:
        until = timezone.now() + timedelta(days=days or 7)
    profile = profile_for(user)
    profile.suspended_until, profile.suspended_by = until, moderator
    profile.suspension_reason = (reason or "")[:300]
    profile.save(update_fields=["suspended_until", "suspended_by", "suspension_reason"])
    return profile


@transaction.atomic
def lift_suspension(user, moderator) -> ForumProfile:
    _ensure_moderator(moderator)
    profile = profile_for(user)
    profile.suspended_until, profile.suspension_reason = None, ""
    profile.save(update_fields=["suspended_until", "suspension_reason"])
    return profile


@transaction.atomic
def record_admin_edit(instance, before: dict, editor) -> None:
    """After a moderator saved a question or answer in the admin: history and state."""
    if isinstance(instance, Question):
        after = _question_snapshot(instance)
        if after != before:
            PostRevision.objects.create(
                question=instance,
                editor=editor,
                old_title=before["title"],
                new_title=after["title"],
                old_body=before["body"],
                new_body=after["body"],
                old_tags=before["tags"],
                new_tags=after["tags"],
                old_product_id=before["product"],
                new_product_id=after["product"],
            )
        instance.segments.set([instance.product])
        instance.segments.commit()
        if _is_restricted_product(instance.product) and not instance.restricted:
            instance.restricted = True
            instance.save(update_fields=["restricted"])
        refresh_question_state(instance)
    else:
        if instance.body != before["body"]:
            PostRevision.objects.create(
                question=instance.question,
                answer=instance,
                editor=editor,
                old_body=before["body"],
                new_body=instance.body,
            )
        refresh_question_state(instance.question)
    send_post_changed(instance, "moderated")


def _question_snapshot(question: Question) -> dict:
    return {
        "title": question.title,
        "body": question.body,
        "tags": tag_string(question),
        "product": question.product_id,
    }


def snapshot(instance) -> dict:
    """What ``record_admin_edit`` compares against (read before the admin form saves)."""
    if isinstance(instance, Question):
        return _question_snapshot(Question.objects.get(pk=instance.pk))
    return {"body": Answer.objects.values_list("body", flat=True).get(pk=instance.pk)}
