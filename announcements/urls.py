"""Feeds, mounted at ``/feeds/``: ``/feeds/announcements/rss/`` and ``…/atom/``."""

from django.urls import path
from django.views.decorators.cache import cache_control

from .feeds import AnnouncementsAtomFeed, AnnouncementsRssFeed

# The feeds are public and identical for everyone, so shared caches may keep them.
public_cache = cache_control(public=True, max_age=15 * 60)

app_name = "announcements"
urlpatterns = [
    path("announcements/rss/", public_cache(AnnouncementsRssFeed()), name="rss"),
    path("announcements/atom/", public_cache(AnnouncementsAtomFeed()), name="atom"),
]
