"""The sitemap: every public page of every language, each with its translations as
``xhtml:link`` alternates (only translations that are in the sitemap themselves), and
every community question an anonymous visitor may open. Every URL is on the host the
request came to (``core.seo``), not on the one the Wagtail site record names."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.contrib.sites.requests import RequestSite
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page

from core import seo
from core.languages import content_language
from forum import visibility


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
            root = self.get_wagtail_site().root_url
            self._listed = [
                (
                    page,
                    {**info, "location": seo.on_request_host(info["location"], self.request, root)},
                )
                for page in self.items().iterator()
                for info in page.get_sitemap_urls(self.request)
            ]
        return self._listed

    def _urls(self, page, protocol, domain):
        root = self.get_wagtail_site().root_url
        urls = [
            {**url, "location": seo.on_request_host(url["location"], self.request, root)}
            for url in super()._urls(page, protocol, domain)
        ]
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


class QuestionSitemap(Sitemap):
    """Community questions that anyone may open: published (neither hidden by a moderator
    nor held for review), in a product forum open to all, and not restricted to a segment
    (``forum.visibility`` as an anonymous visitor sees it). A Wagtail ``Sitemap`` only to be
    handed the request."""

    def items(self):
        anonymous = AnonymousUser()
        return (
            visibility.public_questions_for(anonymous)
            .filter(product__in=visibility.products_for(anonymous))
            .only("pk", "slug", "last_activity_at", "edited_at")
            .order_by("pk")
        )

    def location(self, item) -> str:
        return item.get_absolute_url()

    def lastmod(self, item):
        return item.last_activity_at

    def _urls(self, page, protocol, domain):
        return DjangoSitemap._urls(self, page, protocol, domain)  # plain objects, not pages

    def get_urls(self, page=1, site=None, protocol=None):
        # The host the request came to (not a ``django.contrib.sites`` record).
        if self.request is not None:
            site, protocol = RequestSite(self.request), self.request.scheme
        return super().get_urls(page=page, site=site, protocol=protocol)
