"""Page URLs per content language: the English page tree at the site's root URL, the
other locales' trees under their language code (``/fa/kb/…``, ``/ro/kb/…``).

The interface language is the reader's (cookie, account, ``Accept-Language``) and is
independent of the URL, so Django's ``i18n_patterns`` (which take the language from the
path) do not fit: a Persian reader opening ``/kb/`` gets the English knowledge base in a
Persian interface, and the English ``/kb/`` never changes its meaning with the reader.
The prefix here only chooses the page tree; reversing ``wagtail_serve`` under a content
language (which Wagtail does for every page URL when localisation is on) adds it.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404
from django.urls import URLResolver, path, re_path
from django.utils import translation
from wagtail import views as wagtail_views
from wagtail.coreutils import get_content_languages


def default_language() -> str:
    return settings.LANGUAGE_CODE


def prefixed_languages() -> list[str]:
    """Content languages whose pages live under ``/<code>/``."""
    return [code for code in get_content_languages() if code != default_language()]


class ContentLanguagePrefix:
    """A URL prefix that names the content language: none for the default language,
    ``<code>/`` for the others. Matching reads the path only (never the active language);
    reversing follows the active language, as Django's ``LocalePrefixPattern`` does."""

    converters: dict = {}

    @property
    def regex(self):
        return re.compile(re.escape(self.language_prefix))

    @property
    def language_prefix(self) -> str:
        code = (translation.get_language() or default_language()).split("-")[0]
        return f"{code}/" if code in prefixed_languages() else ""

    def match(self, path):
        for code in prefixed_languages():
            if path.startswith(f"{code}/"):
                return path.removeprefix(f"{code}/"), (), {"content_language": code}
        return path, (), {"content_language": default_language()}

    def check(self):
        return []

    def describe(self):
        return f"'{self}'"

    def __str__(self):
        return self.language_prefix


def serve(request, path, content_language):
    """Wagtail's page view, routed in the page tree of the URL's content language."""
    if not hasattr(request, "_wagtail_route_for_request"):
        request._wagtail_route_for_request = route(request, path, content_language)
    return wagtail_views.serve(request, path)


def route(request, path: str, content_language: str):
    from wagtail.models import Site

    from .languages import content_language as language_of

    site = Site.find_for_request(request)
    if site is None:
        return None
    root = site.root_page
    if content_language != (language_of(root) or default_language()):
        root = (
            root.get_translations()
            .filter(locale__language_code=content_language)
            .select_related("locale")
            .first()
        )
        if root is None:
            return None
    try:
        return root.specific.route(request, [part for part in path.split("/") if part])
    except Http404:
        return None


# Wagtail's own URLs (``wagtail.urls``) with the page view behind the content prefix.
urlpatterns = [
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        wagtail_views.authenticate_with_password,
        name="wagtailcore_authenticate_with_password",
    ),
    URLResolver(
        ContentLanguagePrefix(),
        [re_path(r"^(?P<path>(?:[\w\-]+/)*)$", serve, name="wagtail_serve")],
    ),
]
