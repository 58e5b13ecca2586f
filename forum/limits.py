"""Anti-abuse rules: rate limits by trust level and links held for review.

Rates are counted in the database (the posts themselves), so they hold across processes
and restarts without the cache; they are written like ``core.ratelimit``'s (``10/h``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.checks import Error, register
from django.utils import timezone
from django.utils.html import urlize
from django.utils.translation import gettext_lazy as _

from core import markdown
from core.ratelimit import parse_rate

from . import conf, trust
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


def review_reason(body: str = "", *, plain: str = "", author=None) -> str:
    """Why the post must wait for a moderator (a ``ModerationEvent.Reason``), or ``""``:
    more links than ``FORUM_MAX_LINKS`` from anyone, or any link at all from a member
    below ``FORUM_TRUST_LINKS_LEVEL`` (``forum.trust``)."""
    links = count_links(body, plain=plain)
    if links > conf.get("FORUM_MAX_LINKS"):
        return "too-many-links"
    if links and author is not None and trust.links_need_review(author):
        return "new-member-link"
    return ""


def needs_review(body: str = "", *, plain: str = "", author=None) -> bool:
    return bool(review_reason(body, plain=plain, author=author))


def rate_for(user, kind: str) -> tuple[int, int] | None:
    """``(posts, seconds)`` allowed to ``user`` for ``kind`` at their trust level
    (``FORUM_RATE_LIMITS``: one rate per level, written like ``core.ratelimit``'s),
    or ``None`` for no limit."""
    rates = conf.get("FORUM_RATE_LIMITS").get(kind) or ()
    if not rates:
        return None
    level = min(trust.trust_level(user), len(rates) - 1)
    return parse_rate(rates[level])


def _recent(user, kind: str, seconds: int) -> int:
    from .models import Answer, Comment, Flag, Question

    since = timezone.now() - timedelta(seconds=seconds)
    if kind == "flag":
        return Flag.objects.filter(reporter=user, created_at__gte=since).count()
    model = {"question": Question, "answer": Answer, "comment": Comment}[kind]
    return model.objects.filter(author=user, created_at__gte=since).count()


MESSAGES = {
    "question": _(
        "You have asked %(limit)s questions recently. Please wait a while "
        "before asking another one."
    ),
    "answer": _(
        "You have posted %(limit)s answers recently. Please wait a while before answering again."
    ),
    "comment": _(
        "You have posted %(limit)s comments recently. Please wait a while before commenting again."
    ),
    "flag": _(
        "You have flagged %(limit)s posts recently. Moderators are on it; "
        "please wait a while before flagging more."
    ),
}


def check_rate(user, kind: str) -> None:
    rate = rate_for(user, kind)
    if rate is None:
        return
    limit, seconds = rate
    if _recent(user, kind, seconds) >= limit:
        raise RateLimited(str(MESSAGES[kind]) % {"limit": limit})


@register()
def check_forum_rate_limits(app_configs, **kwargs):
    """``FORUM_RATE_LIMITS`` (``RATE_LIMIT_FORUM_*``): four rates, each one readable."""
    errors = []
    for kind, rates in (getattr(settings, "FORUM_RATE_LIMITS", None) or {}).items():
        problem = None
        if len(rates) != 4:
            problem = f"give four rates, one per trust level 0-3 (got {len(rates)})"
        else:
            try:
                for rate in rates:
                    parse_rate(rate)
            except ValueError as exc:
                problem = str(exc)
        if problem:
            errors.append(
                Error(
                    f"Forum rate limit {kind!r}: {problem}",
                    hint="Write e.g. RATE_LIMIT_FORUM_ASK=3/h,10/h,20/h,off",
                    id="forum.E001",
                )
            )
    return errors
