"""The one Markdown pipeline: markdown-it-py renders, bleach sanitizes.

Used by knowledge-base articles, announcements and (later) forum posts. Raw HTML in the
source is never trusted: markdown-it escapes it (``html=False``) and bleach then strips
anything outside an explicit allow-list, so even a renderer bug cannot let script through.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

import bleach
from bleach.css_sanitizer import CSSSanitizer
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

CALLOUT_KINDS = ("note", "tip", "warning")
CALLOUT_LABELS = {"note": "Note", "tip": "Tip", "warning": "Warning"}

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
    "td": ["style"], "th": ["style", "scope"],
    "ul": ["class"],
}  # fmt: skip
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
CSS = CSSSanitizer(allowed_css_properties=["text-align"])


def _render_callout(self, tokens, idx, options, env):
    token = tokens[idx]
    if token.nesting == 1:
        kind = token.info.strip().split(" ", 1)[0]
        label = html.escape(CALLOUT_LABELS.get(kind, kind.title()))
        return (
            f'<div class="callout callout--{kind}" role="note" aria-label="{label}">'
            f'<p class="callout__label">{label}</p>\n'
        )
    return "</div>\n"


def _heading_slug(text: str) -> str:
    return slugify(text) or "section"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    md.enable(["table", "strikethrough"])
    md.use(anchors_plugin, min_level=2, max_level=3, slug_func=_heading_slug)
    md.use(tasklists_plugin)
    for kind in CALLOUT_KINDS:
        md.use(container_plugin, name=kind, render=_render_callout)
    md.validateLink = _validate_link
    md.add_render_rule("link_open", _render_link_open)
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


def sanitize_html(value: str) -> str:
    return bleach.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        css_sanitizer=CSS,
        strip=True,
        strip_comments=True,
    )


def render_markdown(text: str | None) -> SafeString:
    """Markdown source → sanitized HTML, safe to put in a template."""
    if not text:
        return mark_safe("")
    return mark_safe(sanitize_html(_parser().render(text)))


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


def headings(text: str | None) -> list[Heading]:
    """The ``##``/``###`` headings of a Markdown source, with the ids the renderer gives."""
    if not text:
        return []
    tokens = _parser().parse(text)
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
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
    rendered = _parser().render(text)
    rendered = re.sub(r"</(p|h\d|li|tr|pre|div|blockquote)>", "\n", rendered)
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", rendered))).strip()


_BARE_URL = re.compile(r"(?i)\b(?:https?://|www\.)")
_TEXT_TOKENS = frozenset({"text", "code_inline", "code_block", "fence"})


def count_links(text: str | None, *, bare_urls: bool = False) -> int:
    """How many links and images ``render_markdown`` makes of a Markdown source.

    Counted on the parse the renderer itself uses (same ``MarkdownIt`` configuration):
    every ``link_open`` token — inline, reference and autolinks alike, whatever the URL
    looks like (``//host`` too) — and every ``image``, including those nested in inline
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
                count += 1  # its children are the alt text, never links
            elif token.children:
                pending.append(token.children)
            elif bare_urls and depth == 0 and token.type in _TEXT_TOKENS:
                count += len(_BARE_URL.findall(token.content))
    return count
