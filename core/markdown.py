"""The one Markdown pipeline: markdown-it-py renders, bleach sanitizes.

Used by knowledge-base articles, announcements and forum posts. Raw HTML in the source is
never trusted: markdown-it escapes it (``html=False``) and bleach then strips anything
outside an explicit allow-list, so even a renderer bug cannot let script through.

Heading ids (``##`` and ``###``) come from one ``HeadingIds`` per document: a document made
of several blocks (an article body) shares one, so no id repeats across blocks, and none
takes an id the page around it uses (``PAGE_IDS``). Content written by members (the forum)
is rendered with ``id_prefix=USER_CONTENT_PREFIX``, so its ids can never meet the page's.

Rendering is done once per source, not per request: results are kept by a hash of the
source, the renderer's ``RENDERER_VERSION`` and the heading-id state they depend on, in the
process (a small LRU) and in the shared cache. Change anything that changes the output
(parser options, allow-lists, render rules) and bump ``RENDERER_VERSION``: every source is
then rendered again on first use.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import bleach
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

# Part of every cache key of rendered Markdown: bump it whenever the output of the same
# source changes (parser options, plugins, render rules, the sanitizer's allow-lists).
RENDERER_VERSION = "2"
# How many times the real renderer ran in this process (sources rendered, not served
# from the cache): read by tests and useful when profiling.
RENDER_CALLS = 0

CALLOUT_KINDS = ("note", "tip", "warning")
CALLOUT_LABELS = {"note": _("Note"), "tip": _("Tip"), "warning": _("Warning")}

# Prefix for the heading ids of content members write (forum posts).
USER_CONTENT_PREFIX = "user-content-"
# Ids the site's own templates give elements around rendered Markdown (skip link target,
# titles, table of contents, "Was this helpful?", forum questions and answers...). A
# heading never takes one: it gets the next free id instead.
PAGE_IDS = frozenset(
    {
        "main", "site-menu", "site-search-q", "language-select", "kb-search-q",
        "article-title", "announcement-title", "question-title", "question", "toc-heading",
        "tags-heading", "related-heading", "helpful", "helpful-heading",
        "helpful-tally-heading", "more-announcements", "announcements-follow",
        "kb-featured-heading", "kb-categories-heading", "kb-tags-heading",
        "category-articles-heading", "answers-heading", "answer-form", "your-answer-heading",
        "forum-similar", "forum-you-heading", "forum-tags-heading", "forum-tag-options",
        "forum-products-heading", "watched-heading", "profile-questions", "profile-answers",
        "answer-website", "question-website", "hero-title", "hero-search-q", "hero-topics",
        "home-announcements", "home-categories", "home-featured", "home-more-help",
        "kb-untranslated-heading", "direct-answer-heading", "forum-preview",
        "forum-preview-heading", "notifications-heading", "follows-heading",
    }
)  # fmt: skip
# Ids with a number the templates make per item (``answer-12``, ``comment-3-heading``).
PAGE_ID_PATTERN = re.compile(
    r"(?:answer|comment|revision|dup)-\d+(?:-heading)?"
    r"|(?:days|reason)-[a-z]+-\d+"
    r"|comment-(?:body|help|website)-(?:question|\d+)"
)

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "kbd", "li", "ol",
        "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "class", "rel"],
    "abbr": ["title"],
    "code": ["class"],
    "div": ["class", "role", "aria-label"],
    "h1": ["id"], "h2": ["id"], "h3": ["id"], "h4": ["id"], "h5": ["id"], "h6": ["id"],
    "img": ["src", "alt", "title", "width", "height", "loading"],
    "input": ["type", "checked", "disabled", "class"],
    "li": ["class"],
    "ol": ["start"],
    "p": ["class"],
    "pre": ["class"],
    "span": ["class", "aria-hidden"],
    "td": ["class"], "th": ["class", "scope"],
    "ul": ["class"],
}  # fmt: skip
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _render_callout(self, tokens, idx, options, env):
    token = tokens[idx]
    if token.nesting == 1:
        kind = token.info.strip().split(" ", 1)[0]
        label = html.escape(str(CALLOUT_LABELS.get(kind, kind.title())))
        return (
            f'<div class="callout callout--{kind}" role="note" aria-label="{label}">'
            f'<p class="callout__label">{label}</p>\n'
        )
    return "</div>\n"


def _heading_slug(text: str) -> str:
    return slugify(text) or "section"


class HeadingIds:
    """The heading ids handed out in one document, so that none is used twice.

    Pass the same instance to every ``render_markdown``/``headings`` call of a document
    made of several blocks. Without a prefix, ids the page itself uses are never handed
    out; with one (``USER_CONTENT_PREFIX``), every id carries it.
    """

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.taken: set[str] = set()
        # Ids handed out, in order (what a cached render replays).
        self.claimed: list[str] = []

    def state_key(self) -> str:
        """What the ids handed out next depend on (part of a cached render's key)."""
        return f"{self.prefix}|{','.join(sorted(self.taken))}"

    def replay(self, claimed: list[str]) -> None:
        """Take the ids a cached render handed out, as if it had just run."""
        self.taken.update(claimed)
        self.claimed.extend(claimed)

    def is_free(self, candidate: str) -> bool:
        if candidate in self.taken:
            return False
        return bool(self.prefix) or (
            candidate not in PAGE_IDS and not PAGE_ID_PATTERN.fullmatch(candidate)
        )

    def claim(self, title: str) -> str:
        base = self.prefix + _heading_slug(title)
        candidate, n = base, 0
        while not self.is_free(candidate):
            n += 1
            candidate = f"{base}-{n}"
        self.taken.add(candidate)
        self.claimed.append(candidate)
        return candidate


_ENV_HEADING_IDS = "portico_heading_ids"
HEADING_TAGS = ("h2", "h3")


def _heading_ids_rule(state: StateCore) -> None:
    """Give ``##`` and ``###`` headings their ids (replaces the anchors plugin, whose ids
    were unique only within one call)."""
    ids = state.env.get(_ENV_HEADING_IDS)
    if ids is None:
        ids = state.env[_ENV_HEADING_IDS] = HeadingIds()
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open" or token.tag not in HEADING_TAGS:
            continue
        inline = state.tokens[index + 1]
        title = "".join(
            child.content
            for child in inline.children or []
            if child.type in ("text", "code_inline")
        )
        token.attrSet("id", ids.claim(title))


def _env(id_prefix: str, heading_ids: HeadingIds | None) -> dict:
    if heading_ids is None:
        heading_ids = HeadingIds(id_prefix)
    elif id_prefix and heading_ids.prefix != id_prefix:
        raise ValueError("id_prefix differs from the prefix of the HeadingIds given")
    return {_ENV_HEADING_IDS: heading_ids}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("heading_ids", _heading_ids_rule)
    md.use(tasklists_plugin)
    for kind in CALLOUT_KINDS:
        md.use(container_plugin, name=kind, render=_render_callout)
    md.validateLink = _validate_link
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("th_open", _render_cell_open)
    md.add_render_rule("td_open", _render_cell_open)
    return md


_SAFE_LINK = re.compile(r"^(https?:|mailto:|/|#|\./|\.\./|[^:]*$)", re.IGNORECASE)


def _validate_link(url: str) -> bool:
    # Reject javascript:, data:, vbscript: and any other scheme before rendering.
    return bool(_SAFE_LINK.match(url.strip()))


def _render_link_open(self, tokens, idx, options, env):
    token = tokens[idx]
    if str(token.attrGet("href") or "").startswith(("http://", "https://")):
        token.attrSet("rel", "nofollow noopener")
    return self.renderToken(tokens, idx, options, env)


def is_same_site(url: str) -> bool:
    """True for a URL on this site: a path (``/media/…``, ``images/x.png``) or an
    absolute URL on ``SITE_URL``'s scheme and host. The Content-Security-Policy shows
    images from the site alone."""
    from django.conf import settings

    url = url.strip()
    parsed = urlsplit(url)
    if not parsed.scheme and not parsed.netloc:
        return not url.startswith("//") and not url.startswith("\\")
    site = urlsplit(getattr(settings, "SITE_URL", ""))
    return (parsed.scheme.lower(), parsed.netloc.lower()) == (
        site.scheme.lower(),
        site.netloc.lower(),
    )


def _inside_link(tokens, idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
    return depth > 0


def _render_image(self, tokens, idx, options, env):
    """An image on this site is shown; one elsewhere becomes a link to it, or its text
    inside a link (the site's Content-Security-Policy would block it, and it would tell
    another site who reads)."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    if is_same_site(src):
        token.attrSet("alt", alt)
        return self.renderToken(tokens, idx, options, env)
    text = html.escape(alt or src, quote=False)
    if _inside_link(tokens, idx):
        return text
    return f'<a href="{html.escape(src)}" rel="nofollow noopener">{text}</a>'


_ALIGN = re.compile(r"^text-align:\s*(left|center|right);?$")


def _render_cell_open(self, tokens, idx, options, env):
    """Column alignment as a class (``align-right``): the Content-Security-Policy allows
    no inline ``style``."""
    token = tokens[idx]
    style = token.attrGet("style")
    if style is not None:
        token.attrs.pop("style", None)
        found = _ALIGN.match(str(style).strip())
        if found:
            token.attrSet("class", f"align-{found.group(1)}")
    return self.renderToken(tokens, idx, options, env)


def sanitize_html(value: str) -> str:
    return bleach.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


# Code reads left to right, in a right-to-left page too.
_CODE_BLOCK = re.compile(r"<pre(?=[\s>])")


# --- Render once: results kept by source hash and renderer version ---------------------

_LOCAL_SIZE = 2048
_CACHE_TIMEOUT = 7 * 24 * 3600
_local: OrderedDict[str, Any] = OrderedDict()
_local_lock = threading.Lock()
_MISSING = object()


def _cache_key(kind: str, text: str, state: str) -> str:
    """Everything the output depends on besides the source: the active language (callout
    labels), the site's address (which images are shown) and the heading-id state."""
    from django.conf import settings
    from django.utils.translation import get_language

    context = f"{get_language()}|{getattr(settings, 'SITE_URL', '')}|{state}"
    digest = hashlib.sha256(f"{context}\x00{text}".encode()).hexdigest()
    return f"md:{RENDERER_VERSION}:{kind}:{digest}"


def _cached(key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``'s result kept under ``key``: in this process, then the shared cache."""
    with _local_lock:
        value = _local.get(key, _MISSING)
        if value is not _MISSING:
            _local.move_to_end(key)
            return value
    from django.core.cache import cache

    try:
        value = cache.get(key, _MISSING)
    except Exception:  # the shared cache is not answering: render, keep it in the process
        value = _MISSING
    if value is _MISSING:
        value = compute()
        # The process keeps it even when the shared cache is not answering.
        with suppress(Exception):
            cache.set(key, value, _CACHE_TIMEOUT)
    with _local_lock:
        _local[key] = value
        while len(_local) > _LOCAL_SIZE:
            _local.popitem(last=False)
    return value


def derived(kind: str, text: str, compute: Callable[[], Any]) -> Any:
    """Something else computed from a Markdown source (``kind`` names it), kept like a
    render: by a hash of the source, the language and ``RENDERER_VERSION``. The value is
    shared: make it immutable (tuples, frozen dataclasses)."""
    return _cached(_cache_key(kind, text, ""), compute)


def clear_local_cache() -> None:
    """Forget the renders kept in this process (the shared cache keeps its own)."""
    with _local_lock:
        _local.clear()


def _with_ids(kind: str, text: str, heading_ids: HeadingIds, run: Callable[[], Any]) -> Any:
    """Run ``run`` (which claims heading ids from ``heading_ids``) once per source and id
    state; later calls replay the ids it claimed and return its result."""

    ran = False

    def compute():
        nonlocal ran
        ran = True
        before = len(heading_ids.claimed)
        result = run()
        return result, heading_ids.claimed[before:]

    result, claimed = _cached(_cache_key(kind, text, heading_ids.state_key()), compute)
    if not ran:  # a cached result: take the ids it handed out as well
        heading_ids.replay(claimed)
    return result


def _render_html(text: str, env: dict) -> str:
    """The real renderer: parse, render, sanitize (counted in ``RENDER_CALLS``)."""
    global RENDER_CALLS
    RENDER_CALLS += 1
    return _CODE_BLOCK.sub('<pre dir="ltr"', sanitize_html(_parser().render(text, env)))


def render_markdown(
    text: str | None, *, id_prefix: str = "", heading_ids: HeadingIds | None = None
) -> SafeString:
    """Markdown source → sanitized HTML, safe to put in a template.

    ``id_prefix`` goes before every heading id: ``USER_CONTENT_PREFIX`` for what members
    write. ``heading_ids`` shares ids across the blocks of one document.

    Rendered once per source (and heading-id state, and ``RENDERER_VERSION``), then served
    from the cache.
    """
    if not text:
        return mark_safe("")
    env = _env(id_prefix, heading_ids)
    ids = env[_ENV_HEADING_IDS]
    return mark_safe(_with_ids("html", text, ids, lambda: _render_html(text, env)))


def render_markdown_uncached(text: str | None, *, id_prefix: str = "") -> SafeString:
    """What ``render_markdown`` gives, never kept in a cache: for drafts being typed (the
    admin editor's preview, the forum's live preview), whose every keystroke would push
    real renders out. ``id_prefix`` as for ``render_markdown`` (members' posts)."""
    if not text:
        return mark_safe("")
    return mark_safe(_render_html(text, _env(id_prefix, None)))


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


def headings(
    text: str | None, *, id_prefix: str = "", heading_ids: HeadingIds | None = None
) -> list[Heading]:
    """The ``##``/``###`` headings of a Markdown source, with the ids the renderer gives
    (given the same ``id_prefix`` and, for a document of several blocks, ``heading_ids``)."""
    if not text:
        return []
    env = _env(id_prefix, heading_ids)
    ids = env[_ENV_HEADING_IDS]
    return list(_with_ids("headings", text, ids, lambda: _headings(text, env)))


def _headings(text: str, env: dict) -> list[Heading]:
    tokens = _parser().parse(text, env)
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in HEADING_TAGS:
            inline = tokens[index + 1]
            found.append(
                Heading(level=int(token.tag[1]), id=token.attrs.get("id", ""), text=inline.content)
            )
    return found


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def markdown_to_text(text: str | None) -> str:
    """Plain text of a Markdown source (for search documents, summaries and emails)."""
    if not text:
        return ""
    return _cached(_cache_key("text", text, ""), lambda: _markdown_to_text(text))


def _markdown_to_text(text: str) -> str:
    rendered = _parser().render(text)
    rendered = re.sub(r"</(p|h\d|li|tr|pre|div|blockquote)>", "\n", rendered)
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", rendered))).strip()


_BARE_URL = re.compile(r"(?i)\b(?:https?://|www\.)")
_TEXT_TOKENS = frozenset({"text", "code_inline", "code_block", "fence"})


def count_links(text: str | None, *, bare_urls: bool = False) -> int:
    """How many links and images ``render_markdown`` makes of a Markdown source.

    Counted on the parse the renderer itself uses (same ``MarkdownIt`` configuration):
    every ``link_open`` token — inline, reference and autolinks alike, whatever the URL
    looks like (``//host`` too) — and every ``image`` (but one from another site inside
    a link, which shows as text), including those nested in inline
    children (lists, quotes, tables, callouts). A link the renderer refuses
    (``javascript:``) stays text and does not count.

    With ``bare_urls=True``, web addresses written as plain text outside links
    (``https://…``, ``www.…``, in text or code) count as well: they are not links on the
    site, but they become links in plain-text emails and in most readers' hands, so
    anti-abuse rules count them too. A link whose text is its own URL counts once.
    """
    if not text:
        return 0
    count = 0
    pending = [_parser().parse(text)]
    while pending:
        depth = 0
        for token in pending.pop():
            if token.type == "link_open":
                count += 1
                depth += 1
            elif token.type == "link_close":
                depth = max(0, depth - 1)
            elif token.type == "image":
                # Its children are the alt text, never links. An image from elsewhere
                # inside a link is shown as its text (see _render_image).
                if depth == 0 or is_same_site(str(token.attrGet("src") or "")):
                    count += 1
            elif token.children:
                pending.append(token.children)
            elif bare_urls and depth == 0 and token.type in _TEXT_TOKENS:
                count += len(_BARE_URL.findall(token.content))
    return count
