"""Change capture: every change to indexed content queues its item, in its transaction.

Captured here (receivers run inside the transaction that makes the change):
- pages: published, unpublished, deleted; moved or renamed (a changed ``url_path``
  re-queues the page and every article/announcement under it); Wagtail privacy added or
  removed (the page and everything under it);
- knowledge-base "Was this helpful?" votes (the article's helpful count);
- attached files: a Wagtail document edited or deleted re-queues the articles using it;
- segments: a segment renamed, re-slugged or deleted re-queues the content it targets;
- forum: questions and answers created, edited, hidden, restored, approved, accepted or
  deleted, and votes on them — all through the forum models' own save/delete signals, so
  the forum's services need no indexing code.

Not captured: ``QuerySet.update()`` and raw SQL (bulk imports). Follow those with
``manage.py search_sync --since DATE`` (see docs/indexing.md). Forum view counts are
refreshed whenever the question is indexed again, not on every view.
"""

from __future__ import annotations

import logging

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from search.schema import ANNOUNCEMENT, ARTICLE, QUESTION, doc_id

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


def _indexed_page_types():
    from announcements.models import AnnouncementPage
    from kb.models import ArticlePage

    return {ArticlePage: ARTICLE, AnnouncementPage: ANNOUNCEMENT}


def page_key(page) -> str | None:
    for model, kind in _indexed_page_types().items():
        if isinstance(page, model) or getattr(page, "specific_class", None) is model:
            return doc_id(kind, page.pk)
    return None


def subtree_keys(page) -> list[str]:
    """Keys of the indexed pages at or under ``page``."""
    keys = []
    for model, kind in _indexed_page_types().items():
        pks = model.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True)
        keys += [doc_id(kind, pk) for pk in pks]
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


# --- Knowledge base votes and attached files ---------------------------------------------


@_safe
def on_helpful_vote(sender, instance, **kwargs):
    services.enqueue([doc_id(ARTICLE, instance.article_id)], "helpful-vote")


def articles_using_document(document) -> list[str]:
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    from kb.models import ArticlePage

    references = ReferenceIndex.objects.filter(
        to_content_type=ContentType.objects.get_for_model(type(document)),
        to_object_id=str(document.pk),
        content_type=ContentType.objects.get_for_model(ArticlePage),
    ).values_list("object_id", flat=True)
    return [doc_id(ARTICLE, pk) for pk in references]


@_safe
def on_document_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    services.enqueue(articles_using_document(instance), "attachment")


# --- Segments -----------------------------------------------------------------------------


def targeted_keys(segment) -> list[str]:
    """Everything that targets ``segment`` (its slug is in their documents)."""
    from forum.models import Question

    keys = []
    for model, kind in _indexed_page_types().items():
        pks = model.objects.filter(segments=segment).values_list("pk", flat=True)
        keys += [doc_id(kind, pk) for pk in pks]
    pks = Question.objects.filter(segments=segment).values_list("pk", flat=True)
    keys += [doc_id(QUESTION, pk) for pk in pks]
    pks = Question.objects.filter(product=segment).values_list("pk", flat=True)
    keys += [doc_id(QUESTION, pk) for pk in pks]
    return keys


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


# --- Forum --------------------------------------------------------------------------------


def _question_key(question_id) -> str | None:
    return doc_id(QUESTION, question_id) if question_id else None


@_safe
def on_question_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        services.enqueue([_question_key(instance.pk)], "forum")


@_safe
def on_answer_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        services.enqueue([_question_key(instance.question_id)], "forum")


@_safe
def on_question_segments_changed(sender, instance, action, reverse=False, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and not reverse:
        services.enqueue([_question_key(instance.pk)], "forum")


@_safe
def on_question_vote(sender, instance, raw=False, **kwargs):
    if not raw:
        services.enqueue([_question_key(instance.question_id)], "vote")


@_safe
def on_answer_vote(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from forum.models import Answer

    question_id = (
        Answer.objects.filter(pk=instance.answer_id).values_list("question_id", flat=True).first()
    )
    services.enqueue([_question_key(question_id)], "vote")


@_safe
def on_forum_post_changed(sender, instance, **kwargs):
    """After-commit notice from ``forum.services``: catches writes made without ``save()``
    (e.g. an audience synced after an admin edit). A second look costs one queue row."""
    question_id = getattr(instance, "question_id", None) or instance.pk
    services.enqueue([_question_key(question_id)], "forum")


# --- Wiring -------------------------------------------------------------------------------


def connect() -> None:
    from wagtail.documents import get_document_model
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from announcements.models import AnnouncementPage
    from forum.models import Answer, AnswerVote, Question, QuestionVote
    from forum.signals import post_changed
    from kb.models import ArticlePage, HelpfulVote
    from segments.models import Segment

    page_published.connect(on_page_published, dispatch_uid=f"{UID}.published")
    page_unpublished.connect(on_page_unpublished, dispatch_uid=f"{UID}.unpublished")
    post_page_move.connect(on_page_moved, dispatch_uid=f"{UID}.moved")
    for model in (ArticlePage, AnnouncementPage):
        post_delete.connect(
            on_page_deleted, sender=model, dispatch_uid=f"{UID}.del.{model.__name__}"
        )
    pre_save.connect(remember_url_path, dispatch_uid=f"{UID}.url_path.pre")
    post_save.connect(on_page_saved, dispatch_uid=f"{UID}.url_path.post")
    for signal in (post_save, post_delete):
        signal.connect(
            on_view_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"{UID}.privacy.{signal is post_save}",
        )
        signal.connect(
            on_helpful_vote, sender=HelpfulVote, dispatch_uid=f"{UID}.helpful.{signal is post_save}"
        )
        signal.connect(
            on_document_changed,
            sender=get_document_model(),
            dispatch_uid=f"{UID}.document.{signal is post_save}",
        )
        signal.connect(
            on_question_changed, sender=Question, dispatch_uid=f"{UID}.q.{signal is post_save}"
        )
        signal.connect(
            on_answer_changed, sender=Answer, dispatch_uid=f"{UID}.a.{signal is post_save}"
        )
        signal.connect(
            on_question_vote, sender=QuestionVote, dispatch_uid=f"{UID}.qv.{signal is post_save}"
        )
        signal.connect(
            on_answer_vote, sender=AnswerVote, dispatch_uid=f"{UID}.av.{signal is post_save}"
        )
    m2m_changed.connect(
        on_question_segments_changed,
        sender=Question.segments.through,
        dispatch_uid=f"{UID}.q.segments",
    )
    post_changed.connect(on_forum_post_changed, dispatch_uid=f"{UID}.forum.changed")
    pre_save.connect(remember_segment, sender=Segment, dispatch_uid=f"{UID}.segment.pre")
    post_save.connect(on_segment_saved, sender=Segment, dispatch_uid=f"{UID}.segment.post")
    pre_delete.connect(on_segment_deleting, sender=Segment, dispatch_uid=f"{UID}.segment.del")
