"""A page's translations, as a given reader may see them.

Pages in several languages share a Wagtail ``translation_key`` (one page tree per locale).
Everything that links a translation — ``hreflang`` alternates in the head, the sitemap's
``xhtml:link``, the language switcher's redirect, the "also in your language" notice —
goes through here, and here through ``segments.policy``: a translation that the reader may
not see is never linked (its URL and title would tell what it is about).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation
from wagtail.models import Page

from core import fragments
from core.languages import content_language
from segments import policy


@dataclass(frozen=True)
class Alternate:
    language: str  # the content language's code ("fa")
    url: str  # the page's URL, relative to the site
    title: str

    @property
    def name(self) -> str:
        """The language's own name ("فارسی")."""
        return translation.get_language_info(self.language)["name_local"]


def visible_translations(page: Page, user) -> list[Alternate]:
    """``page`` and its live translations that ``user`` may see, default language first.

    Kept for everyone with the same access signature until content changes.
    """

    def compute() -> list[Alternate]:
        model = page.specific_class or type(page)
        pages = model.objects.live().filter(translation_key=page.translation_key)
        found = [
            Alternate(content_language(p), p.get_url(), p.title)
            for p in policy.visible_to(pages.select_related("locale"), user)
        ]
        return sorted(
            (a for a in found if a.url),
            key=lambda a: (a.language != settings.LANGUAGE_CODE, a.language),
        )

    return fragments.cached(
        "translations", policy.access_signature(user), (page.translation_key,), compute
    )


def translation_in(page: Page, language: str, user) -> Alternate | None:
    """The translation of ``page`` in ``language`` that ``user`` may see, if any."""
    return next((a for a in visible_translations(page, user) if a.language == language), None)


def page_of_path(request, path: str) -> Page | None:
    """The page whose own URL is ``path`` (not one of its sub-routes), or ``None``."""
    from core.content_urls import route

    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name != "wagtail_serve":
        return None
    result = route(request, match.kwargs["path"], match.kwargs["content_language"])
    if result is None:
        return None
    page, args, kwargs = result
    if args or kwargs:
        return None
    return page


def translated_next(request, next_url: str, language: str) -> str | None:
    """Where the language switcher should send the reader who was on ``next_url``: the
    translation of that page in ``language`` when there is one they may see."""
    parts = urlsplit(next_url)
    if (parts.netloc and parts.netloc != request.get_host()) or not parts.path.startswith("/"):
        return None
    page = page_of_path(request, parts.path)
    if page is None or not policy.can_view(page, request.user):
        return None
    found = translation_in(page, language, request.user)
    return found.url if found is not None else None
