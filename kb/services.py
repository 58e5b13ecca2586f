"""Writes for the knowledge base: the only door for "Was this helpful?" answers."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from segments import policy

from .forms import COMMENT_MAX_LENGTH
from .models import ArticlePage, HelpfulVote

# Answers given in this browser session, so the article can say "you answered…".
SESSION_ANSWERS_KEY = "kb_helpful_answers"


class ArticleUnavailable(Exception):
    """The article is not live, or this person may not see it."""


def member_vote_key(user) -> str:
    # Kept on member votes so they stay distinct if the account (and so the user link)
    # goes away; anonymous session keys never contain ":".
    return f"member:{user.pk}"


@transaction.atomic
def record_helpful_vote(
    article: ArticlePage,
    *,
    user=None,
    session_key: str = "",
    helpful: bool,
    comment: str = "",
) -> HelpfulVote:
    """Record a member's or a browser session's answer; answering again updates it.

    A new comment replaces the previous one; an empty comment keeps it.
    """
    if not article.live or not policy.can_view(article, user):
        raise ArticleUnavailable(article.pk)
    if user is not None and user.is_authenticated:
        lookup = {"article": article, "user": user}
        create_defaults = {"session_key": member_vote_key(user)}
    elif session_key:
        lookup = {"article": article, "user": None, "session_key": session_key}
        create_defaults = {}
    else:
        raise ValueError("An anonymous answer needs a session key.")
    values = {"helpful": bool(helpful)}
    comment = (comment or "").strip()[:COMMENT_MAX_LENGTH]
    if comment:
        values["comment"] = comment
    vote, _ = HelpfulVote.objects.update_or_create(
        **lookup, defaults=values, create_defaults={**create_defaults, **values}
    )
    return vote


def remember_answer(request, article: ArticlePage, helpful: bool) -> None:
    answers = dict(request.session.get(SESSION_ANSWERS_KEY, {}))
    answers[str(article.pk)] = bool(helpful)
    request.session[SESSION_ANSWERS_KEY] = answers


def previous_answer(request, article: ArticlePage) -> bool | None:
    """What this browser session answered for ``article`` (``None``: not yet)."""
    return request.session.get(SESSION_ANSWERS_KEY, {}).get(str(article.pk))


class NotAllowed(Exception):
    """This person may not add articles there."""


def query_note(query: str, reason: str = "zero") -> str:
    """The summary a draft written for a search starts with: what was searched."""
    if reason == "low-click":
        text = _("Written for the search “%(query)s”, whose results people seldom opened.")
    else:
        text = _("Written for the search “%(query)s”, which found nothing.")
    return (text % {"query": query})[:300]


@transaction.atomic
def draft_article_for_query(category, user, *, title: str, summary: str = "") -> ArticlePage:
    """Start a draft article (saved, not published) under ``category``, titled after a
    search; the editor writes the body before publishing."""
    if not category.permissions_for_user(user).can_add_subpage():
        raise NotAllowed(category.pk)
    title = " ".join(title.split())[:255]
    if not title:
        raise ValueError("An article needs a title.")
    base = slugify(title, allow_unicode=True)[:70].strip("-") or "article"
    slug, n = base, 2
    while ArticlePage.objects.child_of(category).filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    article = ArticlePage(
        title=title,
        slug=slug,
        summary=summary[:300],
        body=[("text", "")],
        live=False,
        owner=user,
        locale=category.locale,
    )
    category.add_child(instance=article)
    article.save_revision(user=user, log_action=True)
    return article
