"""``{% seo_head page_languages %}``: the canonical link, OpenGraph and Twitter card tags
and the page's JSON-LD, in the head of every page (``core.seo``).

What a view or page may put in its context (all optional):

- ``canonical_url``: the page's own URL (default: this path on the request's host, with
  ``?page=N`` on later pages of a listing, and no other query);
- ``og_title``, ``og_type`` (``website`` by default; ``article`` for articles),
  ``meta_description`` and ``content_language`` (default: the page's own language, or
  the reader's);
- ``structured_data``: a list of JSON-LD objects (``core.seo``'s builders).
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import translation

from core import seo
from core.languages import content_language
from core.params import parse_id

register = template.Library()


def _canonical(request) -> str:
    url = seo.absolute_url(request.path, request)
    number = parse_id(request.GET.get("page"))
    return f"{url}?page={number}" if number and number > 1 else url


@register.inclusion_tag("components/seo_head.html", takes_context=True)
def seo_head(context, page_languages=None) -> dict:
    request = context.get("request")
    if request is None:
        return {}
    page = context.get("page")
    title = (
        context.get("og_title")
        or getattr(page, "seo_title", "")
        or getattr(page, "title", "")
        or settings.SITE_NAME
    )
    description = (
        context.get("meta_description")
        or getattr(page, "search_description", "")
        or getattr(page, "summary", "")
        or ""
    )
    language = (
        context.get("content_language")
        or (content_language(page) if page is not None else "")
        or (translation.get_language() or settings.LANGUAGE_CODE)
    )
    locale = seo.og_locale(language)
    alternates = []
    for code, _url in (page_languages or {}).get("alternates", []):
        other = seo.og_locale(code)
        if other != locale and other not in alternates:
            alternates.append(other)
    canonical = context.get("canonical_url") or _canonical(request)
    return {
        "canonical": canonical,
        "title": str(title),
        "description": str(description),
        "site_name": settings.SITE_NAME,
        "og_type": context.get("og_type") or "website",
        "locale": locale,
        "alternate_locales": alternates,
        "structured_data": [seo.json_ld(item) for item in context.get("structured_data") or []],
    }
