"""Anti-abuse rules: hourly rate limits (stricter for new accounts) and link counting."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.html import urlize
from django.utils.translation import gettext_lazy as _

from core import markdown

from . import conf
from .errors import RateLimited


def _plain_text_links(text: str) -> int:
    """Links in plain text as the site shows it: comments go through ``urlize``, which
    links ``http(s)://``, ``www.`` and bare domains and email addresses. Titles are
    counted the same way (they are not links on the site, but are in emails)."""
    if not text:
        return 0
    return urlize(text, nofollow=True).count("<a ")


def count_links(body: str = "", *, plain: str = "") -> int:
    """Links in a post: ``body`` is Markdown (a question's details, an answer) and is
    counted on the renderer's own parse, so every syntax that renders a link counts —
    inline, reference, autolinks, protocol-relative ``//host``, images — plus addresses
    written as plain text; ``plain`` is plain text (a title, a comment)."""
    return markdown.count_links(body, bare_urls=True) + _plain_text_links(plain)


def needs_review(body: str = "", *, plain: str = "") -> bool:
    """More links than ``FORUM_MAX_LINKS``: hold the post for a moderator."""
    return count_links(body, plain=plain) > conf.get("FORUM_MAX_LINKS")


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
