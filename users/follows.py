"""Following community tags and knowledge-base categories (``Follow``)."""

from __future__ import annotations

from .models import Follow


def follow_tag(user, tag) -> bool:
    _follow, created = Follow.objects.get_or_create(user=user, tag=tag)
    return created


def unfollow_tag(user, tag) -> bool:
    deleted, _rows = Follow.objects.filter(user=user, tag=tag).delete()
    return bool(deleted)


def follow_category(user, category) -> bool:
    _follow, created = Follow.objects.get_or_create(user=user, category=category)
    return created


def unfollow_category(user, category) -> bool:
    deleted, _rows = Follow.objects.filter(user=user, category=category).delete()
    return bool(deleted)


def follows_tag(user, tag) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and Follow.objects.filter(user=user, tag=tag).exists()
    )


def follows_category(user, category) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and Follow.objects.filter(user=user, category=category).exists()
    )


def tag_followers(tag_ids):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(follows__tag_id__in=list(tag_ids)).distinct()


def category_followers(category_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(follows__category_id=category_id).distinct()


def followed(user) -> tuple[list[Follow], list[Follow]]:
    """The person's followed tags and categories (each ``Follow`` with its tag or page)."""
    rows = list(Follow.objects.filter(user=user).select_related("tag", "category"))
    return [r for r in rows if r.tag_id], [r for r in rows if r.category_id]
