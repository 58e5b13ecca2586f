"""Change capture: every change to indexed content queues its item, in its transaction.

What is captured comes from the registry of searchable types (``search.registry``):
- for every page type: published, unpublished, deleted; moved or renamed (a changed
  ``url_path`` re-queues the page and every indexed page under it); Wagtail privacy added
  or removed (the page and everything under it);
- segments: a segment renamed, re-slugged or deleted re-queues what targets it (each
  type's ``targeting``);
- each type's own ``changes`` (votes, attached files, forum posts…), connected here.

Receivers run inside the transaction that makes the change, and a bug in them never
breaks the change (it is logged).

Not captured: ``QuerySet.update()`` and raw SQL (bulk imports). Follow those with
``manage.py search_sync --since DATE`` (see docs/indexing.md).
"""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from search.registry import Change, registry

from . import services

logger = logging.getLogger(__name__)

UID = "indexing"


def _safe(handler):
    """A bug in change capture must never break the change itself."""

    def wrapper(*args, **kwargs):
        try:
            handler(*args, **kwargs)
        except Exception:
            logger.exception("Search change capture failed in %s.", handler.__name__)

    wrapper.__name__ = handler.__name__
    return wrapper


def page_key(page) -> str | None:
    return registry.key_for_instance(page)


def subtree_keys(page) -> list[str]:
    """Keys of the indexed pages at or under ``page``."""
    keys = []
    for searchable in registry.page_types():
        pks = searchable.model.objects.descendant_of(page, inclusive=True).values_list(
            "pk", flat=True
        )
        keys += [searchable.doc_id(pk) for pk in pks]
    return keys


# --- Pages --------------------------------------------------------------------------------


@_safe
def on_page_published(sender, instance, **kwargs):
    services.enqueue([page_key(instance)], "published")


@_safe
def on_page_unpublished(sender, instance, **kwargs):
    services.enqueue([page_key(instance)], "unpublished")


@_safe
def on_page_deleted(sender, instance, **kwargs):
    services.enqueue([page_key(instance)], "deleted")


_URL_FIELDS = {"slug", "url_path", "path", "depth"}


@_safe
def remember_url_path(sender, instance, update_fields=None, raw=False, **kwargs):
    from wagtail.models import Page

    if raw or not isinstance(instance, Page) or instance.pk is None:
        return
    if update_fields is not None and not (_URL_FIELDS & set(update_fields)):
        return
    instance._indexing_url_path_before = (
        Page.objects.filter(pk=instance.pk).values_list("url_path", flat=True).first()
    )


@_safe
def on_page_saved(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_indexing_url_path_before", None)
    if raw or created or before is None:
        return
    del instance._indexing_url_path_before
    if before != instance.url_path:
        services.enqueue(subtree_keys(instance), "moved")


@_safe
def on_page_moved(sender, instance, **kwargs):
    services.enqueue(subtree_keys(instance), "moved")


@_safe
def on_view_restriction_changed(sender, instance, **kwargs):
    page = getattr(instance, "page", None)
    if page is not None:
        services.enqueue(subtree_keys(page), "privacy")


# --- Segments -----------------------------------------------------------------------------


def targeted_keys(segment) -> list[str]:
    """Everything that targets ``segment`` (its slug is in their documents)."""
    keys: list[str] = []
    for searchable in registry:
        if searchable.targeting is not None:
            keys += [searchable.doc_id(pk) for pk in searchable.targeting(segment)]
    return list(dict.fromkeys(keys))


@_safe
def remember_segment(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    instance._indexing_before = (
        type(instance).objects.filter(pk=instance.pk).values_list("kind", "slug").first()
    )


@_safe
def on_segment_saved(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_indexing_before", None)
    if raw or created or before is None:
        return
    del instance._indexing_before
    if before != (instance.kind, instance.slug):
        services.enqueue(targeted_keys(instance), "segment")


@_safe
def on_segment_deleting(sender, instance, **kwargs):
    # Before the delete: afterwards nothing links to the segment any more.
    services.enqueue(targeted_keys(instance), "segment")


# --- Each type's own changes ----------------------------------------------------------------


def change_receiver(change: Change):
    def receiver(sender=None, **kwargs):
        services.enqueue(list(change.keys(**kwargs)), change.reason)

    receiver.__name__ = f"on_{change.reason}_{getattr(change.keys, '__name__', 'change')}"
    return _safe(receiver)


# --- Wiring -------------------------------------------------------------------------------


def connect() -> None:
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from segments.models import Segment

    page_published.connect(on_page_published, dispatch_uid=f"{UID}.published")
    page_unpublished.connect(on_page_unpublished, dispatch_uid=f"{UID}.unpublished")
    post_page_move.connect(on_page_moved, dispatch_uid=f"{UID}.moved")
    pre_save.connect(remember_url_path, dispatch_uid=f"{UID}.url_path.pre")
    post_save.connect(on_page_saved, dispatch_uid=f"{UID}.url_path.post")
    for signal in (post_save, post_delete):
        signal.connect(
            on_view_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"{UID}.privacy.{signal is post_save}",
        )
    pre_save.connect(remember_segment, sender=Segment, dispatch_uid=f"{UID}.segment.pre")
    post_save.connect(on_segment_saved, sender=Segment, dispatch_uid=f"{UID}.segment.post")
    pre_delete.connect(on_segment_deleting, sender=Segment, dispatch_uid=f"{UID}.segment.del")
    # Types registered now and later (a type may register after start-up).
    registry.on_change(connect_type, disconnect_type)


def _uid(searchable, number: int) -> str:
    return f"{UID}.{searchable.key}.{number}"


def connect_type(searchable) -> None:
    """Connect what makes ``searchable``'s documents stale."""
    for number, change in enumerate(searchable.changes):
        change.signal.connect(
            change_receiver(change),
            sender=change.sender,
            dispatch_uid=_uid(searchable, number),
            weak=False,
        )
    if searchable.pages and searchable.model is not None:
        post_delete.connect(
            on_page_deleted, sender=searchable.model, dispatch_uid=f"{UID}.del.{searchable.key}"
        )


def disconnect_type(searchable) -> None:
    for number, change in enumerate(searchable.changes):
        change.signal.disconnect(sender=change.sender, dispatch_uid=_uid(searchable, number))
    if searchable.pages and searchable.model is not None:
        post_delete.disconnect(sender=searchable.model, dispatch_uid=f"{UID}.del.{searchable.key}")
