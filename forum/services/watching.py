"""Watching questions, email settings and one-click unsubscribe."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core import mail

from ..errors import NotAllowed
from ..models import ForumProfile, Question, Watch
from ..visibility import can_view_question

#: The unsubscribe tokens' purpose (``core.mail``), and what a token may stop.
UNSUBSCRIBE_PURPOSE = "forum"


UNSUBSCRIBE_KINDS = ("answers", "mentions")


def profile_for(user) -> ForumProfile:
    profile, _created = ForumProfile.objects.get_or_create(user=user)
    return profile


def watch(question: Question, user) -> bool:
    if not can_view_question(question, user):
        raise NotAllowed(_("This question is not available."))
    _watch, created = Watch.objects.get_or_create(question=question, user=user)
    return created


def unwatch(question: Question, user) -> bool:
    deleted, _rows = Watch.objects.filter(question=question, user=user).delete()
    return bool(deleted)


def update_notification_settings(user, *, email_on_answers: bool, email_on_mentions: bool):
    profile = profile_for(user)
    profile.email_on_answers = email_on_answers
    profile.email_on_mentions = email_on_mentions
    profile.save(update_fields=["email_on_answers", "email_on_mentions"])
    return profile


def unsubscribe_token(user, kind: str) -> str:
    if kind not in UNSUBSCRIBE_KINDS:
        raise ValueError(kind)
    return mail.unsubscribe_token(user, UNSUBSCRIBE_PURPOSE, k=kind)


def read_unsubscribe_token(token: str):
    """``(user, kind)`` for a valid token, ``None`` otherwise."""
    found = mail.read_unsubscribe_token(token, UNSUBSCRIBE_PURPOSE)
    if found is None or found[1].get("k") not in UNSUBSCRIBE_KINDS:
        return None
    user, data = found
    return user, data["k"]


def unsubscribe(user, kind: str) -> ForumProfile:
    profile = profile_for(user)
    field = {"answers": "email_on_answers", "mentions": "email_on_mentions"}[kind]
    setattr(profile, field, False)
    profile.save(update_fields=[field])
    return profile
