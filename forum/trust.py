"""Trust levels: how much the community trusts a member, from what they have done.

Discourse's model, made small. A level is computed from a member's activity when they
act (asking, answering, commenting, flagging), never stored, so it can never go stale; it
costs four counting queries and is remembered on the user object for the request.

===== ============ ===================================================================
level name         what it takes (defaults, ``FORUM_TRUST_LEVELS``)
===== ============ ===================================================================
0     new          everyone starts here: posts with links wait for a moderator
                   (``FORUM_TRUST_LINKS_LEVEL``), the strictest rate limits
1     basic        account 1 day old and 1 published post
2     member       account 15 days old, 5 published posts and 1 accepted answer: one
                   flag hides a post pending review (``FORUM_TRUST_FLAG_LEVEL``)
3     regular      account 60 days old, 20 published posts and 3 accepted answers;
                   moderators and staff (``visibility.is_moderator``) are always 3
===== ============ ===================================================================

*Published posts* are the member's questions and answers that are neither hidden nor
held. *Accepted answers* are published answers of theirs accepted by the asker.
*Flags against them*: every post of theirs hidden by flags or by a moderator in the last
``FORUM_TRUST_PENALTY_DAYS`` days lowers the level they earned by one (a restored post
stops counting). The forum does not record which posts a member has read, so reading is
not part of the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import conf
from .visibility import is_moderator

NEW, BASIC, MEMBER, REGULAR = 0, 1, 2, 3
TOP = REGULAR

NAMES = {
    NEW: _("New member"),
    BASIC: _("Basic member"),
    MEMBER: _("Member"),
    REGULAR: _("Regular"),
}

_CACHE = "_portico_forum_trust"


@dataclass(frozen=True)
class Activity:
    days: int
    posts: int
    accepted: int
    penalties: int


def activity(user) -> Activity:
    from .models import Answer, Comment, Question

    now = timezone.now()
    joined = getattr(user, "date_joined", None) or now
    published = Q(is_hidden=False, awaiting_review=False)
    questions = Question.objects.filter(published, author=user).count()
    answers = Answer.objects.filter(published, author=user).aggregate(
        total=Count("pk"), accepted=Count("pk", filter=Q(is_accepted=True))
    )
    since = now - timedelta(days=conf.get("FORUM_TRUST_PENALTY_DAYS"))
    hidden = Q(author=user, is_hidden=True, created_at__gte=since)
    penalties = (
        Question.objects.filter(hidden).count()
        + Answer.objects.filter(hidden).count()
        + Comment.objects.filter(hidden).count()
    )
    return Activity(
        days=max(0, (now - joined).days),
        posts=questions + answers["total"],
        accepted=answers["accepted"],
        penalties=penalties,
    )


def level_for(found: Activity) -> int:
    """The rule itself: the highest level whose every requirement ``found`` meets, less one
    per penalty."""
    earned = NEW
    requirements = conf.get("FORUM_TRUST_LEVELS")
    for level in (BASIC, MEMBER, REGULAR):
        need = requirements.get(level) or requirements.get(str(level)) or {}
        if (
            found.days >= need.get("days", 0)
            and found.posts >= need.get("posts", 0)
            and found.accepted >= need.get("accepted", 0)
        ):
            earned = level
        else:
            break
    return max(NEW, earned - found.penalties)


def trust_level(user) -> int:
    """``user``'s level, 0–3 (anonymous visitors: 0; moderators and staff: 3)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NEW
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    level = TOP if is_moderator(user) else level_for(activity(user))
    setattr(user, _CACHE, level)
    return level


def forget(user) -> None:
    """Drop the level remembered on ``user`` (after something that may change it)."""
    if user is not None and hasattr(user, _CACHE):
        delattr(user, _CACHE)


def name_of(level: int) -> str:
    return str(NAMES.get(level, NAMES[NEW]))


def links_need_review(user) -> bool:
    """Below ``FORUM_TRUST_LINKS_LEVEL`` any link holds a post for a moderator."""
    return trust_level(user) < conf.get("FORUM_TRUST_LINKS_LEVEL")


def is_trusted_flagger(user) -> bool:
    """One flag from this person hides a post until a moderator looks."""
    return is_moderator(user) or trust_level(user) >= conf.get("FORUM_TRUST_FLAG_LEVEL")
