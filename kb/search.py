"""Knowledge-base articles and the files attached to them, as searchable types.

An article yields its own document plus one per attached file (``document:<article>-<file>``);
files inherit the article's audience and are checked through it.
"""

from __future__ import annotations

import math

from django.db.models import Count, Prefetch, Q
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model

from search.documents import page_changed_since, page_fields, tag_fields
from search.extract import extract_text
from search.registry import Change, Ranking, SearchableType, register, registry
from search.schema import SearchDocument, split_id
from segments import policy

from .models import ArticlePage, ArticleTag, HelpfulVote

ARTICLE = "article"
DOCUMENT = "document"


# --- Documents -----------------------------------------------------------------------------


def build_article(page) -> SearchDocument | None:
    if not page.live or page.expired:
        return None
    helpful = getattr(page, "helpful_yes", None)
    if helpful is None:
        helpful = page.helpful_votes.filter(helpful=True).count()
    return SearchDocument(
        id=f"{ARTICLE}:{page.pk}",
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
    return f"{DOCUMENT}:{article_pk}-{document_pk}"


def build_attachment(
    document, article: SearchDocument, *, title: str = "", description: str = ""
) -> SearchDocument:
    """A file attached to an article: its text, the article's audience and tags."""
    from search.documents import later

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
        updated=later(article.updated, document.created_at),
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


def articles() -> object:
    return (
        ArticlePage.objects.select_related("locale")
        .prefetch_related(
            "segments", Prefetch("tagged_items", ArticleTag.objects.select_related("tag"))
        )
        .annotate(helpful_yes=Count("helpful_votes", filter=Q(helpful_votes__helpful=True)))
    )


# --- What makes a document stale -------------------------------------------------------------


def _helpful_vote_keys(instance, **kwargs):
    return [f"{ARTICLE}:{instance.article_id}"]


def articles_using_document(instance, raw=False, **kwargs) -> list[str]:
    """Articles whose body attaches ``instance`` (a Wagtail document)."""
    if raw:
        return []
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    references = ReferenceIndex.objects.filter(
        to_content_type=ContentType.objects.get_for_model(type(instance)),
        to_object_id=str(instance.pk),
        content_type=ContentType.objects.get_for_model(ArticlePage),
    ).values_list("object_id", flat=True)
    return [f"{ARTICLE}:{pk}" for pk in references]


def _changes() -> tuple[Change, ...]:
    document_model = get_document_model()
    return (
        Change(post_save, _helpful_vote_keys, sender=HelpfulVote, reason="helpful-vote"),
        Change(post_delete, _helpful_vote_keys, sender=HelpfulVote, reason="helpful-vote"),
        Change(post_save, articles_using_document, sender=document_model, reason="attachment"),
        Change(post_delete, articles_using_document, sender=document_model, reason="attachment"),
    )


# --- Ranking ----------------------------------------------------------------------------------

#: Helpful votes: up to ×1.3, logarithmic.
VOTES = 0.06
VOTES_CAP = 1.3


def article_factors(document, profile, now):
    if document.helpful_votes > 0:
        return [(_("votes"), min(VOTES_CAP, 1 + VOTES * math.log1p(document.helpful_votes)))]
    return []


# --- What to offer when a search finds nothing ------------------------------------------------


def zero_results(user) -> dict:
    from .queries import categories_with_counts, popular_articles

    return {
        "popular": popular_articles(user),
        "categories": [c for c in categories_with_counts(user) if c.article_count],
    }


register(
    SearchableType(
        key=ARTICLE,
        label=_("Article"),
        plural=_("Articles"),
        aliases=("articles", "kb", "doc", "docs"),
        model=ArticlePage,
        queryset=articles,
        build=build_article_documents,
        indexable=lambda queryset: queryset.live(),
        changed_since=page_changed_since,
        changes=_changes(),
        targeting=lambda segment: ArticlePage.objects.filter(segments=segment).values_list(
            "pk", flat=True
        ),
        pages=True,
        visible=lambda user: policy.visible_to(ArticlePage.objects.live(), user),
        fallback=lambda user: policy.visible_to(ArticlePage.objects.live(), user),
        ranking=Ranking(factors=article_factors),
        suggest_rank=0,
        answers_questions=True,
    )
)
register(
    SearchableType(
        key=DOCUMENT,
        label=_("Attached file"),
        plural=_("Attached files"),
        aliases=("documents", "file", "files", "attachment", "attachments"),
        parent=ARTICLE,
        ranking=Ranking(weights={"search": 0.85, "similar": 0.8}),
        suggest_rank=3,
    )
)
registry.register_zero_results(zero_results)
