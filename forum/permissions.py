"""Who may do what in the forum. Pure checks; ``forum.services`` enforces them."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .errors import NotAllowed
from .models import ForumProfile, Question
from .visibility import is_moderator


def has_verified_email(user) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def standing(user) -> ForumProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ForumProfile.objects.filter(user=user).first()


def participation_problem(user) -> str | None:
    """Why ``user`` cannot post, comment, vote or flag right now (``None``: they can)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _("Sign in to take part in the community.")
    if is_moderator(user):
        return None
    profile = standing(user)
    if profile and profile.is_suspended:
        return _("Your community account is suspended until %(date)s.") % {
            "date": formats.date_format(timezone.localtime(profile.suspended_until), "DATE_FORMAT")
        }
    if not has_verified_email(user):
        return _("Please verify your email address before posting in the community.")
    return None


def ensure_can_participate(user, *, enforce: bool = True) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed(_("Sign in to take part in the community."))
    if enforce:
        problem = participation_problem(user)
        if problem:
            raise NotAllowed(problem)


def _is_author(post, user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and post.author_id == user.pk)


def can_edit(post, user) -> bool:
    """Authors edit their own posts (not once the question is locked); moderators any."""
    if is_moderator(user):
        return True
    if not _is_author(post, user) or post.is_hidden:
        return False
    question = post if isinstance(post, Question) else post.question
    return not question.is_locked


def can_accept(question: Question, user) -> bool:
    """Only the question's author and moderators accept answers."""
    return is_moderator(user) or _is_author(question, user)


def can_vote(post, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and not _is_author(post, user)


def can_answer(question: Question, user) -> bool:
    return is_moderator(user) or question.accepts_answers


def can_comment(question: Question, user) -> bool:
    return is_moderator(user) or not question.is_locked
