"""In-site notifications about the knowledge base: a new article in a followed category
(``users.follows``, ``users.notifications``). Only people who may open the article are
told, and the notifications page checks again when it shows it."""

from __future__ import annotations

from segments import policy
from users import follows
from users.models import Notification
from users.notifications import notify

from .models import ArticlePage


def article_published(sender=None, instance=None, **kwargs) -> None:
    """``page_published`` receiver: the followers of the article's category hear of it
    once (repeating the key adds nothing, so republishing tells nobody again)."""
    article = instance
    if not isinstance(article, ArticlePage) or not article.live:
        return
    category = article.get_parent()
    if category is None:
        return
    people = [
        user
        for user in follows.category_followers(category.pk).filter(is_active=True)
        if policy.can_view(article, user)
    ]
    if people:
        notify(
            people,
            kind=Notification.Kind.FOLLOWED_CATEGORY,
            key=f"category-article:{article.pk}",
            subject=article,
            context=category.title,
        )


def describe_articles(ids: list[int], user) -> dict[int, tuple[str, str]]:
    """Title and address of the live articles ``user`` may open now."""
    found = {}
    for article in ArticlePage.objects.live().filter(pk__in=ids):
        if policy.can_view(article, user):
            found[article.pk] = (article.title, article.url)
    return found
