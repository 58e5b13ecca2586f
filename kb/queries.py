"""Read side of the knowledge base: what a page shows, for whom, in few queries.

Every list goes through ``segments.policy.visible_to``; nothing here decides access.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import models
from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail.models import Page

from core import fragments, seo
from core.languages import content_language
from core.markdown import Heading, markdown_to_text, render_markdown
from segments import policy

from .forms import HelpfulVoteForm
from .models import ArticlePage, ArticleTag, CategoryPage, HelpfulVote
from .services import previous_answer

FEATURED_LIMIT = 6
POPULAR_TAGS_LIMIT = 12
RELATED_LIMIT = 5


def _count(expression="pk"):
    """``COUNT(...)`` for a correlated subquery (no GROUP BY)."""
    return Func(F(expression), function="COUNT", output_field=IntegerField())


# --- Querysets -------------------------------------------------------------------------


def visible_articles(user, *, within: Page | None = None) -> QuerySet:
    """Live articles ``user`` may see, optionally only those below ``within``."""
    articles = ArticlePage.objects.live()
    if within is not None:
        articles = articles.descendant_of(within)
    return policy.visible_to(articles, user)


def listing(articles: QuerySet, *, with_category: bool = True) -> QuerySet:
    """Add what an article list item shows: products, and the category's title."""
    articles = articles.prefetch_related("segments")
    if with_category:
        parent = Page.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Page.steplen)
        )
        articles = articles.annotate(category_title=Subquery(parent.values("title")[:1]))
    return articles


def tagged_articles(kb, tag, user) -> QuerySet:
    tagged = ArticleTag.objects.filter(tag=tag).values("content_object_id")
    return visible_articles(user, within=kb).filter(pk__in=tagged)


def paginate(request, queryset, per_page: int | None = None) -> PaginatorPage:
    per_page = per_page or settings.PORTICO_CATEGORY_ARTICLES_PER_PAGE
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def category_cards(kb, user) -> QuerySet:
    """Live categories of ``kb``, each with ``article_count``: the articles ``user`` may see."""
    in_category = (
        visible_articles(user)
        .filter(path__startswith=OuterRef("path"))
        .order_by()
        .annotate(n=_count())
        .values("n")
    )
    return (
        CategoryPage.objects.live()
        .child_of(kb)
        .annotate(article_count=Subquery(in_category, output_field=IntegerField()))
        .order_by("path")
    )


def featured_articles(kb, user, limit: int = FEATURED_LIMIT) -> list[ArticlePage]:
    articles = visible_articles(user, within=kb).filter(featured=True)
    return list(listing(articles).order_by("-last_published_at")[:limit])


def popular_articles(user, limit: int = FEATURED_LIMIT) -> list[ArticlePage]:
    """Featured articles ``user`` may read, newest first (anywhere in the knowledge base):
    what to offer when a search finds nothing."""
    return list(
        visible_articles(user).filter(featured=True).order_by("-last_published_at", "-pk")[:limit]
    )


def categories_with_counts(user, locale_id: int | None = None) -> list:
    """Live categories in tree order (of one locale, when given), each with the number of
    articles ``user`` may read.

    One query: the count is a correlated subquery over the visible articles.
    """
    from django.db.models.functions import Coalesce

    count = (
        visible_articles(user)
        .filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
        .order_by()
        .values("depth")
        .annotate(n=Count("pk"))
        .values("n")
    )
    categories = CategoryPage.objects.live()
    if locale_id is not None:
        categories = categories.filter(locale_id=locale_id)
    return list(
        categories.annotate(
            article_count=Coalesce(Subquery(count, output_field=IntegerField()), 0)
        ).order_by("path")
    )


def original_of(page: Page):
    """The page of the default locale that ``page`` translates (``None`` for a page of the
    default locale, or one written only in its own language)."""
    from wagtail.models import Locale

    default = Locale.get_default()
    if page.locale_id == default.pk:
        return None
    return type(page).objects.filter(translation_key=page.translation_key, locale=default).first()


def untranslated_category_cards(kb, user) -> list:
    """For a knowledge base in another language than the default: the default language's
    categories that have no translation here, with articles ``user`` may read — shown
    apart, marked as not yet available in this language."""
    original = original_of(kb)
    if original is None:
        return []
    translated = CategoryPage.objects.filter(locale_id=kb.locale_id).values("translation_key")
    return [
        category
        for category in category_cards(original, user).exclude(translation_key__in=translated)
        if category.article_count
    ]


def popular_tags(kb, user, limit: int = POPULAR_TAGS_LIMIT) -> QuerySet:
    """The most used tags among articles ``user`` may see."""
    return tags_with_counts(kb, user).order_by("-article_count", "name")[:limit]


def tags_with_counts(kb, user) -> QuerySet:
    """Tags of articles ``user`` may see: dicts of ``name``, ``slug``, ``article_count``."""
    visible = visible_articles(user, within=kb).values("pk")
    return (
        ArticleTag.objects.filter(content_object__in=visible)
        .values(name=F("tag__name"), slug=F("tag__slug"))
        .annotate(article_count=Count("content_object", distinct=True))
        .order_by("name")
    )


def related_articles(article: ArticlePage, user, limit: int = RELATED_LIMIT):
    """Articles about the same thing, from the search service (its title, tags and
    summary as the query); the database's tag and category match when search is down.

    Only live articles ``user`` may see, never ``article`` itself. An article's
    neighbours are the same for every reader: no personal ranking (and no extra query).
    Kept for everyone with the same access signature until content changes.
    """
    return fragments.cached(
        "kb-related",
        policy.access_signature(user),
        (article.pk, limit),
        lambda: _related_articles(article, user, limit),
    )


def _related_articles(article: ArticlePage, user, limit: int):
    from search import service

    from .search import ARTICLE

    tags = " ".join(tag.name for tag in article.tag_list)
    language = content_language(article) or None
    try:
        results = service.similar(
            " ".join([tags, article.summary or ""]),
            user,
            title=article.title,
            person=service.anonymous_person(user),
            types=(ARTICLE,),
            exclude_ids=[f"{ARTICLE}:{article.pk}"],
            limit=limit,
            window=limit * 3 + 1,
            profile=service.SEARCH_PROFILE,
            use="related",
            language=language,
        )
    except service.SearchUnavailable:
        return database_related_articles(article, user, limit)
    # In the article's language only: another language's articles are never slipped in.
    related = [r.obj for r in results if r.obj is not None and r.obj.locale_id == article.locale_id]
    return related or database_related_articles(article, user, limit)


def database_related_articles(article: ArticlePage, user, limit: int = RELATED_LIMIT):
    """Articles in the same language sharing the most tags first, then others of the same
    category."""
    tag_ids = [tag.pk for tag in article.tag_list]
    category_path = article.path[: -article.steplen]
    same_category = Q(path__startswith=category_path)
    candidates = visible_articles(user).filter(locale_id=article.locale_id).exclude(pk=article.pk)
    if tag_ids:
        shared = (
            ArticleTag.objects.filter(content_object_id=OuterRef("pk"), tag_id__in=tag_ids)
            .order_by()
            .annotate(n=_count("id"))
            .values("n")
        )
        tagged = ArticleTag.objects.filter(tag_id__in=tag_ids).values("content_object_id")
        candidates = candidates.filter(same_category | Q(pk__in=tagged)).annotate(
            shared_tags=Subquery(shared, output_field=IntegerField())
        )
    else:
        candidates = candidates.filter(same_category).annotate(shared_tags=Value(0))
    candidates = candidates.annotate(
        in_category=Case(When(same_category, then=Value(1)), default=Value(0))
    ).order_by("-shared_tags", "-in_category", "-last_published_at", "title")
    return list(candidates[:limit])


# --- Table of contents -----------------------------------------------------------------


@dataclass
class TocEntry:
    id: str
    text: str
    children: list[TocEntry] = field(default_factory=list)


def toc_tree(headings: list[Heading]) -> list[TocEntry]:
    """Nest ``###`` headings under the ``##`` before them, as plain text."""
    tree: list[TocEntry] = []
    for heading in headings:
        if not heading.id:
            continue
        entry = TocEntry(heading.id, markdown_to_text(heading.text) or heading.text)
        if heading.level > 2 and tree:
            tree[-1].children.append(entry)
        else:
            tree.append(entry)
    return tree


# --- Page contexts ---------------------------------------------------------------------


def _with_urls(kb, request, tags) -> list[dict]:
    base = kb.get_url(request)
    return [{**tag, "url": base + kb.reverse_subpage("tag", args=[tag["slug"]])} for tag in tags]


def home_context(kb, request) -> dict:
    user = request.user

    def blocks():
        return (
            list(category_cards(kb, user)),
            featured_articles(kb, user),
            list(popular_tags(kb, user)),
            untranslated_category_cards(kb, user),
        )

    categories, featured, tags, untranslated = fragments.cached(
        "kb-home", policy.access_signature(user), (kb.pk,), blocks
    )
    return {
        # The page's HTML is kept per signature (``{% shared %}``): it shows only these.
        "home_key": shared_key(request, kb),
        "categories": categories,
        "untranslated_categories": untranslated,
        "page_language": _language_name(content_language(kb)),
        "featured_articles": featured,
        "popular_tags": _with_urls(kb, request, tags),
        "tag_index_url": kb.tag_index_url(request),
    }


def tag_index_context(kb, request) -> dict:
    user = request.user
    tags = fragments.cached(
        "kb-tags",
        policy.access_signature(user),
        (kb.pk,),
        lambda: list(tags_with_counts(kb, user)),
    )
    return {
        "breadcrumbs": [(kb.title, kb.get_url(request))],
        "tags": _with_urls(kb, request, tags),
    }


def tag_context(kb, request, tag_slug: str) -> dict:
    user = request.user

    def tagged():
        tag = Tag.objects.filter(slug=tag_slug).first()
        if tag is None:
            return None, []
        return tag, list(listing(tagged_articles(kb, tag, user)).order_by("title"))

    tag, articles = fragments.cached(
        "kb-tag", policy.access_signature(user), (kb.pk, tag_slug), tagged
    )
    if tag is None:
        raise Http404
    page_obj = paginate(request, articles)
    if not page_obj.paginator.count:
        # A tag used only on articles this person may not see does not exist for them.
        raise Http404
    return {
        "tag": tag,
        "articles": page_obj,
        "breadcrumbs": [
            (kb.title, kb.get_url(request)),
            (_("Tags"), kb.tag_index_url(request)),
        ],
    }


def article_structured_data(article, request, breadcrumbs, category) -> list[dict]:
    """An ``Article`` (a ``FAQPage`` when its body is a list of questions: see
    ``core.seo``) and its ``BreadcrumbList``, on the host ``request`` came to."""
    url = article.get_url(request)
    language = content_language(article)
    entries = seo.faq_entries(article.markdown_source)
    if entries:
        main = seo.faq_page(
            name=article.title,
            url=url,
            language=language,
            entries=entries,
            published=article.first_published_at,
            modified=article.last_updated,
            request=request,
        )
    else:
        main = seo.article(
            headline=article.title,
            url=url,
            language=language,
            published=article.first_published_at,
            modified=article.last_updated,
            description=article.search_description or article.summary,
            section=category.title,
            request=request,
        )
    return [main, seo.breadcrumb_list([*breadcrumbs, (article.title, url)], request)]


def category_context(category, request) -> dict:
    kb = category.get_parent().specific
    user = request.user

    def articles():
        visible = visible_articles(user).child_of(category)
        listed = list(listing(visible, with_category=False).order_by("path"))
        if listed:
            return listed, ""
        # Nothing in this language yet: the default language's articles, said so.
        original = original_of(category)
        if original is None:
            return [], ""
        visible = visible_articles(user).child_of(original)
        return (
            list(listing(visible, with_category=False).order_by("path")),
            content_language(original),
        )

    listed, fallback = fragments.cached(
        "kb-category", policy.access_signature(user), (category.pk,), articles
    )
    breadcrumbs = [(kb.title, kb.get_url(request))]
    return {
        "breadcrumbs": breadcrumbs,
        "structured_data": [
            seo.breadcrumb_list(
                [*breadcrumbs, (category.title, category.get_url(request))], request
            )
        ],
        "intro_html": render_markdown(category.intro),
        "articles": paginate(request, listed),
        # The list's HTML is kept per signature and page (``{% shared %}``).
        "listing_key": (policy.access_signature(user), category.pk, request.GET.urlencode()),
        "fallback_language": fallback,
        "page_language": _language_name(content_language(category)),
    }


def _language_name(code: str) -> str:
    """The name of a content language in the reader's language ("Persian", "فارسی")."""
    from django.utils import translation

    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


def article_meta(article: ArticlePage) -> tuple[list, list]:
    """An article's product segments and tags (the same for every reader who may see
    it), kept until content changes."""

    def load():
        fresh = ArticlePage.objects.prefetch_related(
            "segments", models.Prefetch("tagged_items", ArticleTag.objects.select_related("tag"))
        ).get(pk=article.pk)
        return list(fresh.product_segments), list(fresh.tag_list)

    return fragments.cached("kb-article-meta", "any", (article.pk,), load, language="")


def shared_key(request, page) -> tuple:
    """The key of a page's HTML kept for everyone with the reader's access signature and
    language (``{% shared %}``, which keeps nothing of a preview)."""
    return (policy.access_signature(request.user), page.pk)


def article_context(article, request) -> dict:
    user = request.user
    category = article.get_parent()
    kb = category.get_parent().specific
    privileged = policy.is_privileged(user)
    products, tags = article_meta(article)
    breadcrumbs = [
        (kb.title, kb.get_url(request)),
        (category.title, category.get_url(request)),
    ]
    return {
        # The article's header, contents and body are kept per signature (``{% shared %}``).
        "article_key": shared_key(request, article),
        "breadcrumbs": breadcrumbs,
        "og_type": "article",
        "structured_data": article_structured_data(article, request, breadcrumbs, category),
        "products": products,
        "toc": toc_tree(article.table_of_contents),
        "tags": [(tag, kb.tag_url(tag.slug, request)) for tag in tags],
        "related_articles": related_articles(article, user),
        "helpful_form": HelpfulVoteForm(),
        "helpful_answer": previous_answer(request, article),
        "is_privileged": privileged,
        "helpful_tally": HelpfulVote.objects.filter(article=article).tally()
        if privileged
        else None,
    }
