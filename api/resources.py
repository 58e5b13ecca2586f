"""The read resources: articles, categories, announcements, questions with answers.

Every query starts from the same read side as the pages — ``kb.queries``,
``AnnouncementIndexPage``'s ordering, ``forum.visibility`` — and so from
``segments.policy``: a list holds only what the request's person may see, and a detail
the person may not see is a 404, the same answer as for one that does not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from ninja import Path, Query, Router
from wagtail.models import Page

from announcements.models import AnnouncementPage
from core.languages import content_language
from core.markdown import USER_CONTENT_PREFIX, render_markdown
from forum import queries as forum_queries
from forum import visibility
from forum.models import Question
from kb import queries as kb_queries
from kb.models import ArticleTag, CategoryPage
from segments import policy
from segments.models import Segment

from . import pagination
from .auth import READ_AUTH
from .errors import ErrorBody
from .schemas import (
    AnnouncementDetail,
    AnnouncementList,
    ArticleDetail,
    ArticleList,
    CategoryDetail,
    CategoryList,
    QuestionDetail,
    QuestionList,
)

#: Wagtail's page ids are 32-bit.
MAX_PAGE_ID = 2**31 - 1
ERRORS = {400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody}
DETAIL_ERRORS = {**ERRORS, 404: ErrorBody}
SLUG = r"^[\w-]{1,100}$"
LANGUAGE = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})?$"

router = Router(auth=READ_AUTH)


def _limit() -> int:
    return Query(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


def _products(obj) -> list[str]:
    return [s.slug for s in obj.segments.all() if s.kind == Segment.Kind.PRODUCT]


def _body_html(page, request) -> str:
    return render_to_string("api/body.html", {"page": page, "request": request})


# --- Knowledge base --------------------------------------------------------------------


def _articles(user):
    parent = Page.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Page.steplen)
    )
    return (
        kb_queries.visible_articles(user)
        .select_related("locale")
        .prefetch_related("segments", "tagged_items__tag")
        .annotate(
            category_id=Subquery(parent.values("pk")[:1]),
            category_title=Subquery(parent.values("title")[:1]),
        )
    )


def _article(article, request) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "slug": article.slug,
        "url": article.get_full_url(request) or "",
        "summary": article.summary,
        "language": content_language(article),
        "category": (
            {"id": article.category_id, "title": article.category_title}
            if getattr(article, "category_id", None)
            else None
        ),
        "tags": [tag.slug for tag in article.tag_list],
        "products": _products(article),
        "restricted": article.restricted,
        "featured": article.featured,
        "updated": article.last_updated,
    }


@router.get(
    "/articles",
    response={200: ArticleList, **ERRORS},
    tags=["knowledge base"],
    summary="Articles the caller may read, newest first",
)
def list_articles(
    request,
    category: int | None = Query(None, ge=1, le=MAX_PAGE_ID),
    tag: str | None = Query(None, pattern=SLUG),
    language: str | None = Query(None, pattern=LANGUAGE),
    cursor: str | None = Query(None, max_length=100),
    limit: int = _limit(),
):
    """Filter by category (its id), tag (its slug) and language; `next_cursor` leads to
    the next page."""
    articles = _articles(request.user)
    if category is not None:
        found = CategoryPage.objects.filter(pk=category).first()
        articles = articles.descendant_of(found) if found else articles.none()
    if tag:
        tagged = ArticleTag.objects.filter(tag__slug=tag).values("content_object_id")
        articles = articles.filter(pk__in=tagged)
    if language:
        articles = articles.filter(locale__language_code__iexact=language)
    items, next_cursor = pagination.page(articles, cursor, limit)
    return {"results": [_article(a, request) for a in items], "next_cursor": next_cursor}


@router.get(
    "/articles/{article_id}",
    response={200: ArticleDetail, **DETAIL_ERRORS},
    tags=["knowledge base"],
    summary="One article, with its body as HTML",
)
def get_article(request, article_id: int = Path(..., ge=1, le=MAX_PAGE_ID)):
    article = get_object_or_404(_articles(request.user), pk=article_id)
    return {**_article(article, request), "body_html": _body_html(article, request)}


def _categories(user):
    in_category = (
        kb_queries.visible_articles(user)
        .filter(path__startswith=OuterRef("path"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    return (
        policy.visible_to(CategoryPage.objects.live(), user)
        .select_related("locale")
        .annotate(article_count=Subquery(in_category))
    )


def _category(category, request) -> dict:
    return {
        "id": category.pk,
        "title": category.title,
        "slug": category.slug,
        "url": category.get_full_url(request) or "",
        "summary": category.summary,
        "language": content_language(category),
        "article_count": category.article_count or 0,
    }


@router.get(
    "/categories",
    response={200: CategoryList, **ERRORS},
    tags=["knowledge base"],
    summary="Categories of the knowledge base",
)
def list_categories(
    request,
    language: str | None = Query(None, pattern=LANGUAGE),
    cursor: str | None = Query(None, max_length=100),
    limit: int = _limit(),
):
    """Each with the number of articles the caller may read in it."""
    categories = _categories(request.user)
    if language:
        categories = categories.filter(locale__language_code__iexact=language)
    items, next_cursor = pagination.page(categories, cursor, limit)
    return {"results": [_category(c, request) for c in items], "next_cursor": next_cursor}


@router.get(
    "/categories/{category_id}",
    response={200: CategoryDetail, **DETAIL_ERRORS},
    tags=["knowledge base"],
    summary="One category, with its introduction as HTML",
)
def get_category(request, category_id: int = Path(..., ge=1, le=MAX_PAGE_ID)):
    category = get_object_or_404(_categories(request.user), pk=category_id)
    return {**_category(category, request), "intro_html": str(render_markdown(category.intro))}


# --- Announcements ---------------------------------------------------------------------


def _announcements(user):
    return (
        policy.visible_to(AnnouncementPage.objects.live(), user)
        .select_related("locale")
        .prefetch_related("segments")
    )


def _announcement(announcement, request) -> dict:
    return {
        "id": announcement.pk,
        "title": announcement.title,
        "slug": announcement.slug,
        "url": announcement.get_full_url(request) or "",
        "summary": announcement.summary,
        "date": announcement.date,
        "pinned": announcement.pinned,
        "language": content_language(announcement),
        "products": _products(announcement),
        "restricted": announcement.restricted,
        "published": announcement.first_published_at,
    }


@router.get(
    "/announcements",
    response={200: AnnouncementList, **ERRORS},
    tags=["announcements"],
    summary="Announcements the caller may read, newest first",
)
def list_announcements(
    request,
    product: str | None = Query(None, pattern=SLUG),
    language: str | None = Query(None, pattern=LANGUAGE),
    cursor: str | None = Query(None, max_length=100),
    limit: int = _limit(),
):
    announcements = _announcements(request.user)
    if product:
        announcements = announcements.filter(
            segments__kind=Segment.Kind.PRODUCT, segments__slug=product
        )
    if language:
        announcements = announcements.filter(locale__language_code__iexact=language)
    items, next_cursor = pagination.page(announcements, cursor, limit)
    return {"results": [_announcement(a, request) for a in items], "next_cursor": next_cursor}


@router.get(
    "/announcements/{announcement_id}",
    response={200: AnnouncementDetail, **DETAIL_ERRORS},
    tags=["announcements"],
    summary="One announcement, with its body as HTML",
)
def get_announcement(request, announcement_id: int = Path(..., ge=1, le=MAX_PAGE_ID)):
    announcement = get_object_or_404(_announcements(request.user), pk=announcement_id)
    return {
        **_announcement(announcement, request),
        "body_html": _body_html(announcement, request),
    }


# --- Community -------------------------------------------------------------------------


def _questions(user):
    return visibility.questions_for(user).select_related("product", "author")


def _question(question, request) -> dict:
    return {
        "id": question.pk,
        "title": question.title,
        "url": request.build_absolute_uri(question.get_absolute_url()),
        "language": content_language(question),
        "product": question.product.slug,
        "tags": [item.tag.slug for item in question.tagged_items.all()],
        "status": question.status,
        "solved": question.status == Question.Status.SOLVED,
        "score": question.score,
        "answer_count": question.answer_count,
        "author": question.author.public_name if question.author else "",
        "restricted": question.restricted,
        "created_at": question.created_at,
        "last_activity_at": question.last_activity_at,
    }


@router.get(
    "/questions",
    response={200: QuestionList, **ERRORS},
    tags=["community"],
    summary="Community questions the caller may read, newest first",
)
def list_questions(
    request,
    product: str | None = Query(None, pattern=SLUG),
    tag: str | None = Query(None, pattern=SLUG),
    language: str | None = Query(None, pattern=LANGUAGE),
    cursor: str | None = Query(None, max_length=100),
    limit: int = _limit(),
):
    questions = _questions(request.user).prefetch_related("tagged_items__tag")
    if product:
        questions = questions.filter(product__slug=product)
    if tag:
        questions = questions.filter(tagged_items__tag__slug=tag)
    if language:
        questions = questions.filter(language__iexact=language)
    items, next_cursor = pagination.page(questions, cursor, limit)
    return {"results": [_question(q, request) for q in items], "next_cursor": next_cursor}


@router.get(
    "/questions/{question_id}",
    response={200: QuestionDetail, **DETAIL_ERRORS},
    tags=["community"],
    summary="One question with the answers the caller may see",
)
def get_question(request, question_id: int = Path(..., ge=1, le=pagination.MAX_ID)):
    question = get_object_or_404(
        _questions(request.user).prefetch_related("tagged_items__tag"), pk=question_id
    )
    answers, _comments = forum_queries.thread(question, request.user)
    return {
        **_question(question, request),
        "body_html": str(render_markdown(question.body, id_prefix=USER_CONTENT_PREFIX)),
        "answers": [
            {
                "id": answer.pk,
                "author": answer.author.public_name if answer.author else "",
                "body_html": str(render_markdown(answer.body, id_prefix=USER_CONTENT_PREFIX)),
                "score": answer.score,
                "accepted": answer.is_accepted,
                "official": answer.is_official,
                "created_at": answer.created_at,
            }
            for answer in answers
        ],
    }
