"""Anti-abuse rules: hourly rate limits (stricter for new accounts) and link counting."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import conf
from .errors import RateLimited

_LINK = re.compile(r"(?i)(?:\bhttps?://|\bwww\.)")


def count_links(*texts: str) -> int:
    return sum(len(_LINK.findall(text or "")) for text in texts)


def needs_review(*texts: str) -> bool:
    """More links than ``FORUM_MAX_LINKS``: hold the post for a moderator."""
    return count_links(*texts) > conf.get("FORUM_MAX_LINKS")


def is_new_account(user) -> bool:
    days = conf.get("FORUM_NEW_ACCOUNT_DAYS")
    joined = getattr(user, "date_joined", None)
    return bool(days and joined and joined > timezone.now() - timedelta(days=days))


def hourly_limit(user, kind: str) -> int | None:
    limits = conf.get(
        "FORUM_NEW_ACCOUNT_RATE_LIMITS" if is_new_account(user) else "FORUM_RATE_LIMITS"
    )
    return limits.get(kind)


def _recent(user, kind: str) -> int:
    from .models import Answer, Comment, Flag, Question

    since = timezone.now() - timedelta(hours=1)
    if kind == "flag":
        return Flag.objects.filter(reporter=user, created_at__gte=since).count()
    model = {"question": Question, "answer": Answer, "comment": Comment}[kind]
    return model.objects.filter(author=user, created_at__gte=since).count()


MESSAGES = {
    "question": _(
        "You have asked %(limit)s questions in the last hour. Please wait a while "
        "before asking another one."
    ),
    "answer": _(
        "You have posted %(limit)s answers in the last hour. Please wait a while "
        "before answering again."
    ),
    "comment": _(
        "You have posted %(limit)s comments in the last hour. Please wait a while "
        "before commenting again."
    ),
    "flag": _(
        "You have flagged %(limit)s posts in the last hour. Moderators are on it; "
        "please wait a while before flagging more."
    ),
}


def check_rate(user, kind: str) -> None:
    limit = hourly_limit(user, kind)
    if limit is None:
        return
    if _recent(user, kind) >= limit:
        raise RateLimited(str(MESSAGES[kind]) % {"limit": limit})
