"""Whole pages for anonymous visitors, from the cache.

A visitor who is not signed in and carries no session sees exactly what every other such
visitor sees: the public content, in their language. Their pages are kept whole in the
cache, so the most common request costs a cache read instead of a page render.

What keeps it correct:

- **Who.** Only ``GET``/``HEAD`` requests without a session cookie, without a messages
  cookie and without a signed-in user are served from or stored in the cache. A signed-in
  member (or a visitor in the middle of a support flow, who has a session) never gets a
  cached page and never fills one, so nothing a person may see alone is ever shared.
- **What.** Only ``200`` HTML answers that set no cookie (but the CSRF one) and that the
  view did not mark ``private``/``no-store``/``no-cache``. Paths where a read has an
  effect (search logging, view counts) or is personal are never cached
  (``PORTICO_PAGE_CACHE_SKIP_PATHS``).
- **Key.** The scheme, host, path and query, the active language, and two generations:
  the content generation of ``core.fragments`` (publish, unpublish, move, privacy,
  segments) and the page cache's own (bumped by the apps for their own changes: forum
  posts, votes, moderation). A change makes every page's key new at once; what is left
  expires after ``PORTICO_PAGE_CACHE_SECONDS`` (short, so counts such as views stay
  close to the truth).
- **CSRF.** Forms on the page (the language menu) carry the visitor's own token: the
  stored copy holds a placeholder where the token was, and each visitor served from the
  cache gets a fresh token of their own (and the CSRF cookie when they lack it).

Answers carry ``Vary: Cookie, Accept-Language`` and ``Cache-Control: private``: the
HTML holds a per-visitor token, so no shared cache downstream may keep it. With the cache
down, pages are rendered as without it. ``X-Page-Cache: hit|miss`` tells what happened.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils.cache import patch_cache_control, patch_vary_headers

from . import fragments

GENERATION_KEY = "pagecache:generation"
CSRF_PLACEHOLDER = "\x00csrf-token\x00"  # no page holds a null character
_TOKEN = re.compile(r'"([A-Za-z0-9]{64})"')
_UNCACHEABLE = {"private", "no-store", "no-cache"}


def bump(*args, **kwargs) -> None:
    """Forget every cached page (a signal receiver: takes and ignores any arguments)."""
    with suppress(Exception):  # the cache is not answering: nothing is served from it either
        fragments.bump_generation(GENERATION_KEY)


def _enabled() -> bool:
    return bool(getattr(settings, "PORTICO_PAGE_CACHE", True))


def _eligible(request) -> bool:
    if request.method not in ("GET", "HEAD") or not _enabled():
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    path = request.path_info
    if any(path.startswith(prefix) for prefix in settings.PORTICO_PAGE_CACHE_SKIP_PATHS):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _key(request) -> str:
    query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&")))
    language = getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE
    raw = "|".join(
        [
            request.scheme,
            request.get_host(),
            request.path,
            query,
            language,
            str(fragments.generation()),
            str(fragments.generation(GENERATION_KEY)),
        ]
    )
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
        return False
    control = {
        part.strip().split("=")[0].lower()
        for part in response.get("Cache-Control", "").split(",")
        if part.strip()
    }
    return not (control & _UNCACHEABLE)


def _with_placeholder(request, content: str) -> str | None:
    """``content`` with this visitor's CSRF tokens replaced by the placeholder, or
    ``None`` when a token-like value cannot be told apart (then nothing is stored)."""
    secret = request.META.get("CSRF_COOKIE")
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return content  # the page used no token
    if not secret:
        return None

    def replace(match):
        token = match.group(1)
        return f'"{CSRF_PLACEHOLDER}"' if _unmask_cipher_token(token) == secret else match[0]

    return _TOKEN.sub(replace, content)


def _mark(response, state: str):
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    patch_cache_control(response, private=True)
    response["X-Page-Cache"] = state
    return response


class AnonymousPageCacheMiddleware:
    """Serve and store anonymous visitors' pages (see the module's docstring). Listed
    after the session, locale, CSRF, authentication and messages middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _eligible(request):
            return self.get_response(request)
        try:
            key = _key(request)
            entry = cache.get(key)
        except Exception:  # the cache is not answering: render as without one
            return self.get_response(request)
        if entry is not None:
            return _mark(self._from_entry(request, entry), "hit")
        response = self.get_response(request)
        if _storable(request, response):
            content = _with_placeholder(request, response.content.decode(response.charset))
            if content is not None:
                headers = {
                    name: value
                    for name, value in response.items()
                    if name.lower() not in {"x-page-cache", "content-length"}
                }
                with suppress(Exception):
                    cache.set(key, (headers, content), settings.PORTICO_PAGE_CACHE_SECONDS)
            _mark(response, "miss")
        return response

    @staticmethod
    def _from_entry(request, entry) -> HttpResponse:
        headers, content = entry
        if CSRF_PLACEHOLDER in content:
            content = content.replace(CSRF_PLACEHOLDER, get_token(request))
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return response
