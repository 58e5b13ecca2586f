"""Build a real page tree (home → KB → category → article; home → announcements)."""

import itertools

from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from announcements.models import AnnouncementIndexPage, AnnouncementPage
from kb.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage
from portal.models import HomePage

_counter = itertools.count(1)


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _root():
    """Wagtail's root page and default locale, recreated when a flush (live-server and other
    transactional tests) has removed the rows Wagtail's migrations made."""
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant("en"))
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root"))
    return root


def make_home(title="Help centre"):
    root = _root()
    existing = HomePage.objects.first()
    if existing:
        return existing
    # Wagtail's first migration leaves a "Welcome" page at /home/: the portal replaces it.
    for page in root.get_children().not_type(HomePage):
        page.delete()
    root.refresh_from_db()
    home = root.add_child(
        instance=HomePage(title=title, slug="home", hero_title="How can we help?")
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Portico"},
    )
    # Requests from the test client and live server must resolve to this site.
    Site.objects.exclude(root_page=home).delete()
    return home


def make_kb_index(home=None):
    existing = KnowledgeBaseIndexPage.objects.first()
    if existing:
        return existing
    home = home or make_home()
    return home.add_child(instance=KnowledgeBaseIndexPage(title="Knowledge base", slug="kb"))


def make_category(kb=None, title=None, **fields):
    kb = kb or make_kb_index()
    n = next(_counter)
    title = title or f"Category {n}"
    fields.setdefault("slug", f"category-{n}")
    fields.setdefault("summary", f"Everything about {title.lower()}.")
    return kb.add_child(instance=CategoryPage(title=title, **fields))


def make_article(
    category=None,
    title=None,
    body="## Overview\n\nSome text.",
    *,
    segments=(),
    tags=(),
    live=True,
    **fields,
):
    category = category or make_category()
    n = next(_counter)
    title = title or f"Article {n}"
    fields.setdefault("slug", f"article-{n}")
    fields.setdefault("summary", f"Summary of {title}.")
    article = ArticlePage(title=title, body=[("text", body)], live=live, **fields)
    category.add_child(instance=article)
    if segments:
        article.segments.set(segments)
    if tags:
        article.tags.add(*tags)
    article.save()
    if live:
        publish(article)
    return article


def make_announcement_index(home=None):
    existing = AnnouncementIndexPage.objects.first()
    if existing:
        return existing
    home = home or make_home()
    return home.add_child(
        instance=AnnouncementIndexPage(title="Announcements", slug="announcements")
    )


def make_announcement(
    index=None, title=None, body="New things shipped.", *, segments=(), live=True, **fields
):
    index = index or make_announcement_index()
    n = next(_counter)
    title = title or f"Announcement {n}"
    fields.setdefault("slug", f"announcement-{n}")
    fields.setdefault("summary", f"Summary of {title}.")
    fields.setdefault("date", timezone.localdate())
    announcement = AnnouncementPage(title=title, body=[("text", body)], live=live, **fields)
    index.add_child(instance=announcement)
    if segments:
        announcement.segments.set(segments)
    announcement.save()
    if live:
        publish(announcement)
    return announcement
