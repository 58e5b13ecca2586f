"""One search document per item: builders, and the sources they are built from.

Each ``build_*`` function takes a model instance and returns its ``SearchDocument``, or
``None`` when the item must not be in the index (not live, hidden, held for review). They
read only the instance and its relations and change nothing, so they are easy to test.

``SOURCES`` tells the pipeline, per content type, how to load instances in bulk (with the
relations the builders read) and which documents an instance yields: an article yields
itself plus one document per attached file (``document:<article>-<file>``), which inherit
the article's audience.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from core.blocks import body_markdown
from core.markdown import markdown_to_text
from search.schema import (
    ANNOUNCEMENT,
    ARTICLE,
    DOCUMENT,
    QUESTION,
    SearchDocument,
    doc_id,
    split_id,
)
from segments import policy
from segments.models import Segment

from .extract import extract_text

logger = logging.getLogger(__name__)


# --- Shared pieces ------------------------------------------------------------------------


def segment_fields(obj) -> dict[str, list[str]]:
    """Target segment slugs by kind: ``products``, ``roles``, ``stages``."""
    fields: dict[str, list[str]] = {"products": [], "roles": [], "stages": []}
    names = {
        Segment.Kind.PRODUCT: "products",
        Segment.Kind.ROLE: "roles",
        Segment.Kind.STAGE: "stages",
    }
    for segment in obj.segments.all():
        fields[names[segment.kind]].append(segment.slug)
    return {name: sorted(set(values)) for name, values in fields.items()}


def tag_fields(tags: Iterable) -> dict[str, list[str]]:
    tags = sorted(tags, key=lambda t: t.name.lower())
    return {"tags": [t.slug for t in tags], "tag_names": [t.name for t in tags]}


def is_view_restricted(page) -> bool:
    """Wagtail privacy (password, login, groups) on the page or an ancestor."""
    known = getattr(page, "_indexing_view_restricted", None)
    if known is not None:
        return known
    return page.get_view_restrictions().exists()


def page_access(page) -> list[str]:
    """The access policy's terms; Wagtail-private pages are for editors and staff only."""
    if is_view_restricted(page):
        return []
    return policy.document_access_terms(page)


def page_locale(page) -> str:
    locale = getattr(page, "locale", None)
    return getattr(locale, "language_code", None) or settings.LANGUAGE_CODE


def page_url(page) -> str:
    return page.get_url() or page.url_path or ""


def _later(*moments):
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _article_id(pk) -> str:
    return doc_id(ARTICLE, pk)


# --- Builders -----------------------------------------------------------------------------


def page_fields(page) -> dict:
    """What every page document holds: title, URL, text, summary, audience, dates."""
    return {
        "title": page.title,
        "url": page_url(page),
        "text": markdown_to_text(body_markdown(page.body)),
        "summary": page.summary,
        **segment_fields(page),
        "access": page_access(page),
        "locale": page_locale(page),
        "created": page.first_published_at,
        "updated": _later(page.last_published_at, page.first_published_at),
        "published": page.first_published_at,
    }


def build_article(page) -> SearchDocument | None:
    if not page.live or page.expired:
        return None
    helpful = getattr(page, "helpful_yes", None)
    if helpful is None:
        helpful = page.helpful_votes.filter(helpful=True).count()
    return SearchDocument(
        id=_article_id(page.pk),
        type=ARTICLE,
        **page_fields(page),
        **tag_fields(item.tag for item in page.tagged_items.all()),
        helpful_votes=helpful,
        promoted=page.featured,
    )


def attached_documents(page) -> list[tuple]:
    """``(document, title, description)`` for each file attached in the body, once each."""
    seen, found = set(), []
    for child in page.body or []:
        if child.block_type != "document":
            continue
        document = child.value.get("document")
        if document is None or document.pk in seen:
            continue
        seen.add(document.pk)
        found.append(
            (document, child.value.get("title") or "", child.value.get("description") or "")
        )
    return found


def attachment_id(article_pk, document_pk) -> str:
    return doc_id(DOCUMENT, f"{article_pk}-{document_pk}")


def parent_of(document_id: str) -> str:
    """``document:42-7`` → ``article:42``."""
    _kind, pk = split_id(document_id)
    return _article_id(pk.split("-", 1)[0])


def build_attachment(
    document, article: SearchDocument, *, title: str = "", description: str = ""
) -> SearchDocument:
    """A file attached to an article: its text, the article's audience and tags."""
    article_pk = split_id(article.id)[1]
    return SearchDocument(
        id=attachment_id(article_pk, document.pk),
        type=DOCUMENT,
        title=title or document.title,
        url=document.url,
        text=extract_text(document),
        summary=description,
        tags=article.tags,
        tag_names=article.tag_names,
        products=article.products,
        roles=article.roles,
        stages=article.stages,
        access=article.access,
        locale=article.locale,
        parent=article.id,
        parent_title=article.title,
        created=document.created_at,
        updated=_later(article.updated, document.created_at),
        published=article.published,
    )


def build_article_documents(page) -> list[SearchDocument]:
    """The article and each file attached to it (nothing when it is not live)."""
    article = build_article(page)
    if article is None:
        return []
    documents = [article]
    for document, title, description in attached_documents(page):
        documents.append(build_attachment(document, article, title=title, description=description))
    return documents


def build_announcement(page) -> SearchDocument | None:
    if not page.live or page.expired:
        return None
    fields = page_fields(page)
    if page.date:  # an announcement's editorial date
        fields["published"] = datetime.combine(page.date, time.min, tzinfo=UTC)
    return SearchDocument(
        id=doc_id(ANNOUNCEMENT, page.pk), type=ANNOUNCEMENT, **fields, promoted=page.pinned
    )


def build_question(question) -> SearchDocument | None:
    """A forum question with its published answers folded in; the accepted one apart."""
    if question.is_hidden or question.awaiting_review:
        return None
    answers = [a for a in question.answers.all() if not a.is_hidden and not a.awaiting_review]
    accepted = next((a for a in answers if a.is_accepted), None)
    others = sorted((a for a in answers if a is not accepted), key=lambda a: (-a.score, a.pk))
    text = "\n\n".join(
        [markdown_to_text(question.body), *(markdown_to_text(a.body) for a in others)]
    )
    segments = segment_fields(question)
    if question.product_id and question.product.slug not in segments["products"]:
        segments["products"] = sorted({*segments["products"], question.product.slug})
    return SearchDocument(
        id=doc_id(QUESTION, question.pk),
        type=QUESTION,
        title=question.title,
        url=question.get_absolute_url(),
        text=text,
        accepted_answer=markdown_to_text(accepted.body) if accepted else "",
        **tag_fields(item.tag for item in question.tagged_items.all()),
        **segments,
        access=policy.document_access_terms(question),
        locale=settings.LANGUAGE_CODE,
        created=question.created_at,
        updated=_later(question.last_activity_at, question.edited_at, question.created_at),
        published=question.created_at,
        helpful_votes=question.score,
        answer_count=len(answers),
        solved=accepted is not None,
        views=question.view_count,
    )


# --- Sources ------------------------------------------------------------------------------


def _mark_view_restrictions(pages: list) -> list:
    """Set ``_indexing_view_restricted`` on each page with one query for the batch."""
    from wagtail.models import PageViewRestriction

    paths = list(PageViewRestriction.objects.values_list("page__path", flat=True))
    for page in pages:
        page._indexing_view_restricted = any(page.path.startswith(p) for p in paths)
    return pages


def _articles() -> QuerySet:
    from kb.models import ArticlePage, ArticleTag

    return (
        ArticlePage.objects.select_related("locale")
        .prefetch_related(
            "segments", Prefetch("tagged_items", ArticleTag.objects.select_related("tag"))
        )
        .annotate(helpful_yes=Count("helpful_votes", filter=Q(helpful_votes__helpful=True)))
    )


def _announcements() -> QuerySet:
    from announcements.models import AnnouncementPage

    return AnnouncementPage.objects.select_related("locale").prefetch_related("segments")


def _questions() -> QuerySet:
    from forum.models import Answer, Question, QuestionTag

    return Question.objects.select_related("product").prefetch_related(
        "segments",
        Prefetch("tagged_items", QuestionTag.objects.select_related("tag")),
        Prefetch("answers", Answer.objects.order_by("pk")),
    )


def _page_changes(since) -> Q:
    return (
        Q(last_published_at__gte=since)
        | Q(first_published_at__gte=since)
        | Q(latest_revision_created_at__gte=since)
    )


def _question_changes(since) -> Q:
    return (
        Q(created_at__gte=since)
        | Q(edited_at__gte=since)
        | Q(last_activity_at__gte=since)
        | Q(answers__created_at__gte=since)
        | Q(answers__edited_at__gte=since)
    )


@dataclass(frozen=True)
class Source:
    """One content type in the index."""

    type: str
    queryset: Callable[[], QuerySet]
    build: Callable[[object], list[SearchDocument]]
    #: Items to index in a rebuild (a superset is fine: builders return nothing for others).
    indexable: Callable[[QuerySet], QuerySet]
    #: Items whose timestamps say they changed since a moment (``search_sync --since``).
    changed: Callable[[object], Q]
    #: Whether documents of this source have children (attached files).
    has_children: bool = False
    #: Whether each batch needs Wagtail privacy flags set in bulk.
    pages: bool = False

    def load(self, pks: Iterable) -> dict[str, object]:
        objects = list(self.queryset().filter(pk__in=list(pks)))
        if self.pages:
            _mark_view_restrictions(objects)
        return {str(obj.pk): obj for obj in objects}

    def documents(self, obj) -> list[SearchDocument]:
        return self.build(obj) if obj is not None else []

    def iter_indexable(self, chunk_size: int = 200) -> Iterator[list]:
        """Everything to put in a fresh index, in chunks of loaded instances."""
        pks = list(self.indexable(self.queryset()).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), chunk_size):
            yield list(self.load(pks[start : start + chunk_size]).values())

    def count_indexable(self) -> int:
        return self.indexable(self.queryset()).count()

    def keys(self, since=None) -> list[str]:
        queryset = self.queryset()
        if since is not None:
            queryset = queryset.filter(self.changed(since))
        pks = queryset.order_by("pk").values_list("pk", flat=True).distinct()
        return [doc_id(self.type, pk) for pk in pks]

    def existing(self, pks: Iterable) -> set[str]:
        return {
            str(pk) for pk in self.queryset().filter(pk__in=list(pks)).values_list("pk", flat=True)
        }


def _single(builder):
    def build(obj):
        document = builder(obj)
        return [document] if document is not None else []

    return build


SOURCES: dict[str, Source] = {
    ARTICLE: Source(
        type=ARTICLE,
        queryset=_articles,
        build=build_article_documents,
        indexable=lambda qs: qs.live(),
        changed=_page_changes,
        has_children=True,
        pages=True,
    ),
    ANNOUNCEMENT: Source(
        type=ANNOUNCEMENT,
        queryset=_announcements,
        build=_single(build_announcement),
        indexable=lambda qs: qs.live(),
        changed=_page_changes,
        pages=True,
    ),
    QUESTION: Source(
        type=QUESTION,
        queryset=_questions,
        build=_single(build_question),
        indexable=lambda qs: qs.filter(is_hidden=False, awaiting_review=False),
        changed=_question_changes,
    ),
}


def source_key(document_id: str) -> str:
    """The queue key that rebuilds ``document_id`` (attachments: their article)."""
    kind, _pk = split_id(document_id)
    return parent_of(document_id) if kind == DOCUMENT else document_id
