"""Pieces every document builder shares: audience, tags, page fields, dates.

Each searchable type builds its own documents (``kb/search.py``, ``forum/search.py``…);
these helpers turn the common parts of an item — its target segments, its tags, a page's
title, URL, text and privacy — into ``SearchDocument`` fields the same way for all.
They read only the instance and its relations and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q

from core.blocks import body_markdown
from core.markdown import markdown_to_text
from segments import policy
from segments.models import Segment

_KIND_FIELDS = {
    Segment.Kind.PRODUCT: "products",
    Segment.Kind.ROLE: "roles",
    Segment.Kind.STAGE: "stages",
}


def segment_fields(obj) -> dict[str, list[str]]:
    """Target segment slugs by kind: ``products``, ``roles``, ``stages``."""
    fields: dict[str, list[str]] = {"products": [], "roles": [], "stages": []}
    for segment in obj.segments.all():
        fields[_KIND_FIELDS[segment.kind]].append(segment.slug)
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


def mark_view_restrictions(pages: list) -> list:
    """Set ``_indexing_view_restricted`` on each page with one query for the batch."""
    from wagtail.models import PageViewRestriction

    paths = list(PageViewRestriction.objects.values_list("page__path", flat=True))
    for page in pages:
        page._indexing_view_restricted = any(page.path.startswith(p) for p in paths)
    return pages


def page_access(page) -> list[str]:
    """The access policy's terms; Wagtail-private pages are for editors and staff only."""
    if is_view_restricted(page):
        return []
    return policy.document_access_terms(page)


def page_locale(page) -> str:
    """The page's language, as the index knows languages (``en``, ``fa``, ``ro``)."""
    from .analysis import language_of

    locale = getattr(page, "locale", None)
    return language_of(getattr(locale, "language_code", None) or settings.LANGUAGE_CODE)


def page_url(page) -> str:
    return page.get_url() or page.url_path or ""


def later(*moments):
    """The latest of the moments given (``None`` ignored)."""
    present = [m for m in moments if m is not None]
    return max(present) if present else None


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
        "updated": later(page.last_published_at, page.first_published_at),
        "published": page.first_published_at,
    }


def page_changed_since(since) -> Q:
    """Pages published or edited since ``since`` (``search_sync --since``)."""
    return (
        Q(last_published_at__gte=since)
        | Q(first_published_at__gte=since)
        | Q(latest_revision_created_at__gte=since)
    )


def single(builder):
    """A builder of one document (or ``None``) as a builder of a list."""

    def build(obj):
        document = builder(obj)
        return [document] if document is not None else []

    build.__name__ = getattr(builder, "__name__", "build")
    return build


def document_language(code: str | None) -> str:
    """The search language for a feature's language or locale code (``fa-IR`` → ``fa``;
    anything unknown → ``en``)."""
    from .analysis import language_of

    return language_of(code)
