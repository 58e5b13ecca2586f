"""The sitemap: every public page of every language, each with its translations as
``xhtml:link`` alternates (only translations that are in the sitemap themselves)."""

from __future__ import annotations

from django.conf import settings
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page

from core.languages import content_language


class PortalSitemap(Sitemap):
    def items(self):
        site = self.get_wagtail_site()
        roots = site.root_page.get_translations(inclusive=True)
        pages = Page.objects.none()
        for root in roots:
            pages |= Page.objects.descendant_of(root, inclusive=True)
        return pages.live().public().order_by("path").defer_streamfields().specific()

    def _entries(self) -> list[tuple[Page, dict]]:
        """``(page, url info)`` of every page listed (restricted pages list nothing)."""
        if not hasattr(self, "_listed"):
            self._listed = [
                (page, info)
                for page in self.items().iterator()
                for info in page.get_sitemap_urls(self.request)
            ]
        return self._listed

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        by_key: dict = {}
        for item, info in self._entries():
            by_key.setdefault(item.translation_key, []).append(
                {"lang_code": content_language(item), "location": info["location"]}
            )
        located = {info["location"]: item for item, info in self._entries()}
        for url in urls:
            item = located.get(url["location"])
            alternates = by_key.get(item.translation_key, []) if item is not None else []
            if len(alternates) > 1:
                alternates = sorted(alternates, key=lambda a: a["lang_code"])
                default = next(
                    (a for a in alternates if a["lang_code"] == settings.LANGUAGE_CODE), None
                )
                if default is not None:
                    alternates.append({"lang_code": "x-default", "location": default["location"]})
                url["alternates"] = alternates
        return urls
