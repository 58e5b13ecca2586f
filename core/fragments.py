"""Shared pieces of pages, cached once for everyone who may see the same thing.

A fragment (related articles, a category's listing, a tag cloud, the home page's blocks)
is kept under a key made of:

- the content *generation*: a counter in the cache, bumped whenever anything that
  decides what a list shows changes (publish, unpublish, move, delete, privacy, segment
  targeting, moderation). Bumping it orphans every fragment at once; they expire;
- the fragment's name and its own arguments (a page id, a page number);
- the *access signature* of the visitor (``segments.policy.access_signature``): the same
  for everyone who may see exactly the same content, so a fragment is never shared by
  two people who may see different things, and never kept per person;
- the *language* the reader uses the site in (the active language): what a fragment
  holds may depend on it (search puts the reader's language first; lazy texts), so a
  Persian reader never gets the list computed for an English one. Fragments that cannot
  depend on it (a site, an article's own tags) pass ``language=""``.

``core`` imports no app: callers pass the signature in; apps connect their own change
signals to ``bump``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

from django.core.cache import cache

T = TypeVar("T")

GENERATION_KEY = "fragments:generation"
TIMEOUT = 3600
_MISSING = object()


def generation(key: str = GENERATION_KEY) -> int:
    """The counter under ``key`` (the fragments' by default; the page cache keeps its own)."""
    value = cache.get(key)
    if value is None:
        # Start from a fresh value, never from 1: an old fragment of a cache that lost
        # its counter must not be read again.
        import time

        value = int(time.time() * 1000)
        if not cache.add(key, value, None):
            value = cache.get(key) or value
    return int(value)


def bump_generation(key: str = GENERATION_KEY) -> None:
    """Move the counter under ``key`` on: everything keyed by it is forgotten."""
    try:
        cache.incr(key)
    except ValueError:
        generation(key)
        with suppress(ValueError):  # a cache that lost the key again: a fresh start anyway
            cache.incr(key)


def bump(*args, **kwargs) -> None:
    """Forget every fragment (a signal receiver: takes and ignores any arguments)."""
    bump_generation()


def cached(
    name: str,
    signature: str,
    parts: tuple,
    compute: Callable[[], T],
    *,
    language: str | None = None,
    timeout: int = TIMEOUT,
) -> T:
    """``compute()``, kept for everyone with the same access ``signature`` and language
    (default: the active language) until the next change of content (and ``timeout``
    seconds at most). With the cache down, pages are computed as without one."""
    if language is None:
        from django.utils import translation

        language = translation.get_language() or ""
    try:
        # Parts may carry a visitor's query string: hashed, so a key stays short.
        what = "\x1f".join([signature, language, *(str(p) for p in parts)])
        key = f"fragment:{generation()}:{name}:{hashlib.sha256(what.encode()).hexdigest()}"
        value: Any = cache.get(key, _MISSING)
    except Exception:  # the cache is not answering: compute, as without a cache
        return compute()
    if value is _MISSING:
        value = compute()
        with suppress(Exception):
            cache.set(key, value, timeout)
    return value


def connect_page_signals() -> None:
    """Bump on every change of Wagtail pages, privacy and sites."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.models import PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(bump, dispatch_uid="fragments-published")
    page_unpublished.connect(bump, dispatch_uid="fragments-unpublished")
    post_page_move.connect(bump, dispatch_uid="fragments-moved")
    # Any save of a page too: a live page changed in place (a script, a migration, a
    # revision being published) counts like a publish.
    post_save.connect(_page_changed, dispatch_uid="fragments-page-saved")
    post_delete.connect(_page_changed, dispatch_uid="fragments-page-deleted")
    for model in (PageViewRestriction, Site):
        post_save.connect(bump, sender=model, dispatch_uid=f"fragments-{model.__name__}-saved")
        post_delete.connect(bump, sender=model, dispatch_uid=f"fragments-{model.__name__}-deleted")
    m2m_changed.connect(
        bump,
        sender=PageViewRestriction.groups.through,
        dispatch_uid="fragments-restriction-groups",
    )


def _page_changed(sender, instance=None, **kwargs) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        bump()


class CachedSiteMiddleware:
    """Find the request's Wagtail site (with its root page in its specific form) in the
    cache instead of two queries per request. Sites are the same for every visitor; the
    generation changes with every page publish and every change of a site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not hasattr(request, "_wagtail_site"):
            request._wagtail_site = self._site(request)
        return self.get_response(request)

    @staticmethod
    def _site(request):
        from django.http.request import split_domain_port
        from wagtail.models import Site

        try:
            hostname = split_domain_port(request._get_raw_host())[0]
            port = request.get_port()
        except Exception:  # a malformed Host header: let Django answer as usual
            return Site._find_for_request(request)

        def find():
            site = Site._find_for_request(request)
            if site is not None and site.root_page_id:
                site.root_page = site.root_page.specific
            return site

        return cached("site", "any", (hostname, port), find, language="")
