"""Who may do what in the forum. Pure checks; ``forum.services`` enforces them.

Two kinds of trusted people, on purpose not the same:

- *moderators* (``visibility.is_moderator``, i.e. ``segments.policy.is_privileged``:
  staff and everyone who may use the Wagtail admin, content editors included) see every
  post, moderate, edit any post and skip the anti-abuse limits;
- *forum staff* (``is_forum_staff``: active ``is_staff`` accounts, superusers and the
  Moderators group — the support team) speak for the company: they may accept an answer
  on any question and their answers carry the "Official" mark. A content editor who is
  neither staff nor in the Moderators group is not "staff" for the forum: their answers
  are a member's answers and they accept answers only on their own questions.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.utils.translation import gettext as _

from core.dates import human_date

from .errors import NotAllowed
from .models import ForumProfile, Question
from .visibility import is_moderator

#: Wagtail's group for the support team (see ``tickets``); its members are forum staff.
FORUM_STAFF_GROUP = "Moderators"
_FORUM_STAFF_CACHE = "_portico_forum_staff"


def is_forum_staff(user) -> bool:
    """Whether ``user`` speaks for the company in the forum (see the module docstring):
    an active ``is_staff`` account or superuser, or a member of the Moderators group.
    Editors-only accounts are not, although they moderate."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    cached = getattr(user, _FORUM_STAFF_CACHE, None)
    if cached is None:
        cached = user.groups.filter(name=FORUM_STAFF_GROUP).exists()
        setattr(user, _FORUM_STAFF_CACHE, cached)
    return cached


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
            "date": human_date(profile.suspended_until)
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
    """The question's author and forum staff (``is_forum_staff``) accept (and un-accept)
    answers; editors who are not forum staff only on their own questions."""
    return _is_author(question, user) or is_forum_staff(user)


def can_vote(post, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and not _is_author(post, user)


def can_answer(question: Question, user) -> bool:
    return is_moderator(user) or question.accepts_answers


def can_comment(question: Question, user) -> bool:
    return is_moderator(user) or not question.is_locked
