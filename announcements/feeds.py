"""RSS and Atom feeds of announcements.

Feed readers fetch anonymously and the responses are cached, so a feed lists **public**
announcements only, whoever asks: the policy is applied for an anonymous visitor, never
for the requesting session.

A feed is in one language: ``?lang=fa`` (a content language; default: the site's
default), never a mix. The language is in the address, not taken from the reader's
browser, so a cached feed is the same for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from segments import policy
from segments.models import Segment

from .models import AnnouncementIndexPage, AnnouncementPage

FEED_LENGTH = 20


@dataclass
class FeedScope:
    request: HttpRequest
    product: Segment | None
    index: AnnouncementIndexPage | None
    language: str = ""


def feed_language(request) -> str:
    """The content language a feed is asked for (``?lang=``); 404 for an unknown one."""
    from wagtail.coreutils import get_content_languages

    code = request.GET.get("lang", "").strip() or settings.LANGUAGE_CODE
    if code not in get_content_languages():
        raise Http404("Unknown language")
    return code


def public_announcements():
    """Live announcements anyone may read: not restricted, no Wagtail view restriction."""
    return policy.visible_to(AnnouncementPage.objects.live().public(), AnonymousUser())


class AnnouncementsRssFeed(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request, *args, **kwargs):
        product = None
        slug = request.GET.get("product", "").strip()
        if slug:
            product = Segment.objects.filter(kind=Segment.Kind.PRODUCT, slug=slug).first()
            if product is None:
                raise Http404("Unknown product")
        language = feed_language(request)
        index = (
            AnnouncementIndexPage.objects.live()
            .public()
            .filter(locale__language_code=language)
            .first()
        )
        return FeedScope(request=request, product=product, index=index, language=language)

    def title(self, scope: FeedScope):
        if scope.product:
            return _("%(site)s announcements: %(product)s") % {
                "site": settings.SITE_NAME,
                "product": scope.product.name,
            }
        return _("%(site)s announcements") % {"site": settings.SITE_NAME}

    def description(self, scope: FeedScope):
        if scope.index and scope.index.intro:
            return scope.index.intro
        return _("What's new in %(site)s.") % {"site": settings.SITE_NAME}

    def link(self, scope: FeedScope):
        request = scope.request
        if scope.index is None:
            return request.build_absolute_uri("/")
        url = request.build_absolute_uri(scope.index.get_url(request))
        if scope.product:
            url += f"?product={scope.product.slug}"
        return url

    def feed_url(self, scope: FeedScope):
        return scope.request.build_absolute_uri()

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj.language
        return feed

    def items(self, scope: FeedScope):
        items = public_announcements().filter(locale__language_code=scope.language)
        if scope.product:
            items = items.filter(segments=scope.product)
        items = list(
            items.order_by("-date", "-first_published_at", "-pk").prefetch_related("segments")[
                :FEED_LENGTH
            ]
        )
        for item in items:
            item.absolute_url = scope.request.build_absolute_uri(item.get_url(scope.request))
        return items

    def item_title(self, item: AnnouncementPage):
        return item.title

    def item_description(self, item: AnnouncementPage):
        return item.summary

    def item_link(self, item: AnnouncementPage):
        return item.absolute_url

    def item_guid(self, item: AnnouncementPage):
        return item.absolute_url

    def item_pubdate(self, item: AnnouncementPage):
        published = item.first_published_at
        if published and timezone.localdate(published) == item.date:
            return published
        return timezone.make_aware(datetime.combine(item.date, time.min))

    def item_updateddate(self, item: AnnouncementPage):
        return item.last_published_at or self.item_pubdate(item)

    def item_categories(self, item: AnnouncementPage):
        return [segment.name for segment in item.product_segments]


class AnnouncementsAtomFeed(AnnouncementsRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, scope: FeedScope):
        return self.description(scope)
