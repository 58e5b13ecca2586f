"""In-site notifications: the bell in the header and the notifications page.

Apps create them next to their emails (``forum.inapp``, ``kb``) through ``notify`` and
say how to show their subjects with ``register``: ``describe(ids, user)`` returns, for the
subjects ``user`` may see *now*, their title and address. Nothing else is ever shown, so
a question restricted, hidden or moved after the fact never shows its title; such
notifications are left out of the list (and marked read, so the count agrees).

The unread count is kept in the cache per person (``unread_count``), dropped whenever one
of their notifications is created or read: a page costs one cache read, never a query
once warm. It is personal, so it is never part of a shared fragment or a cached page
(pages for signed-in people are never page-cached, ``core.pagecache``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import Notification

COUNT_SECONDS = 300
PAGE_SIZE = 50

#: model label → ``describe(ids, user) -> {id: (title, url)}`` of the subjects user may see
_DESCRIBERS: dict[str, Callable[[list[int], object], dict[int, tuple[str, str]]]] = {}


def register(model, describe) -> None:
    _DESCRIBERS[model._meta.label_lower] = describe


def _count_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def _forget_count(user_ids: Iterable[int]) -> None:
    keys = [_count_key(pk) for pk in set(user_ids)]
    if keys:
        with suppress(Exception):
            cache.delete_many(keys)


def notify(
    users: Iterable,
    *,
    kind: str,
    key: str,
    subject,
    actor=None,
    context: str = "",
    anchor: str = "",
) -> int:
    """One notification per person of ``users`` (never the ``actor``) about ``subject``;
    repeating the same ``key`` adds nothing. Returns how many people were considered."""
    recipients = {
        user.pk: user
        for user in users
        if user is not None and user.is_active and (actor is None or user.pk != actor.pk)
    }
    if not recipients:
        return 0
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=pk,
                kind=kind,
                key=key[:64],
                actor=actor,
                content_type=content_type,
                object_id=subject.pk,
                context=context[:120],
                anchor=anchor[:40],
            )
            for pk in recipients
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: _forget_count(recipients))
    _forget_count(recipients)
    return len(recipients)


def unread_count(user) -> int:
    """The person's unread notifications: one cache read, or one small query."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = _count_key(user.pk)
    with suppress(Exception):
        found = cache.get(key)
        if found is not None:
            return found
    count = Notification.objects.filter(user=user, read_at__isnull=True).count()
    with suppress(Exception):
        cache.set(key, count, COUNT_SECONDS)
    return count


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark ``ids`` (all, when ``None``) of the person's notifications read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    changed = unread.update(read_at=timezone.now())
    _forget_count([user.pk])
    return changed


@dataclass
class Shown:
    notification: Notification
    title: str
    url: str

    @property
    def kind(self) -> str:
        return self.notification.kind


def listing(user, limit: int = PAGE_SIZE) -> list[Shown]:
    """The person's latest notifications whose subject they may still see, newest first.

    Each app's ``describe`` checks access now; the others are marked read and left out."""
    rows = list(
        Notification.objects.filter(user=user)
        .select_related("actor", "content_type")
        .order_by("-created_at", "-pk")[:limit]
    )
    by_type: dict[int, list[Notification]] = {}
    for row in rows:
        by_type.setdefault(row.content_type_id, []).append(row)
    described: dict[tuple[int, int], tuple[str, str]] = {}
    for type_id, items in by_type.items():
        content_type = items[0].content_type
        describe = _DESCRIBERS.get(f"{content_type.app_label}.{content_type.model}")
        if describe is None:
            continue
        found = describe(sorted({item.object_id for item in items}), user)
        for object_id, value in found.items():
            described[(type_id, object_id)] = value
    shown, gone = [], []
    for row in rows:
        value = described.get((row.content_type_id, row.object_id))
        if value is None:
            if row.read_at is None:
                gone.append(row.pk)
            continue
        title, url = value
        if row.anchor:
            url = f"{url}#{row.anchor}"
        shown.append(Shown(row, title, url))
    if gone:
        mark_read(user, gone)
    return shown
