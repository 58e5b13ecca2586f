"""What search engines and link previews read: absolute URLs, OpenGraph locales and
schema.org structured data (JSON-LD).

- **Absolute URLs** are built on the host the request came to (``request.scheme`` and
  ``request.get_host()``, checked against ``ALLOWED_HOSTS``), so a site served on another
  host or port links to itself. Without a request (emails, tasks) ``SITE_URL`` is used.
  Nothing built here is kept in ``core.fragments``: fragments hold paths only, and the
  anonymous page cache keys by host, so one host's URLs are never served on another.
- **Structured data** is built by each app from what its page already shows the reader
  (``kb``: ``Article`` or ``FAQPage``; ``announcements``: ``Article``; ``forum``:
  ``QAPage``; each with a ``BreadcrumbList``). A page shows only what the reader may see
  (``segments.policy``), so its structured data tells nothing more.
- **FAQ articles.** An article is marked up as a ``FAQPage`` when its body is a list of
  questions: at least two ``##`` headings, *every* ``##`` heading ends with a question
  mark (``?`` or ``؟``), and each is followed by an answer. Text before the first question
  (an introduction) is allowed and belongs to no answer; ``###`` headings inside an answer
  are part of it. Any other article is an ``Article`` (see ``docs/seo.md``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

SCHEMA = "https://schema.org"

#: Language code → OpenGraph locale (``og:locale`` takes ``language_TERRITORY``).
OG_LOCALES = {"en": "en_US", "fa": "fa_IR", "ro": "ro_RO"}

_QUESTION_MARKS = ("?", "؟")
_SPACE_BEFORE_MARK = re.compile(r"\s+([.,;:!?؟،])")
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


# --- Absolute URLs --------------------------------------------------------------------


def site_url(request=None) -> str:
    """``https://help.example.com``: the host ``request`` came to, else ``SITE_URL``."""
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return str(getattr(settings, "SITE_URL", "")).rstrip("/")


def absolute_url(url: str, request=None) -> str:
    """``url`` (a path, or a full URL on another site) as a full URL."""
    if not url:
        return ""
    if urlsplit(url).netloc:
        return url
    return site_url(request) + (url if url.startswith("/") else f"/{url}")


def on_request_host(url: str, request, served_root: str) -> str:
    """A full URL that Wagtail built on the site record's ``served_root``
    (``http://localhost:8000``) moved to the host ``request`` came to; URLs on any other
    site stay as they are."""
    parts = urlsplit(url)
    if not parts.netloc or parts.netloc == urlsplit(served_root).netloc:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return absolute_url(path or "/", request)
    return url


def og_locale(language: str) -> str:
    """``fa`` → ``fa_IR`` (unknown codes: the default language's locale)."""
    code = (language or "").split("-")[0].lower()
    return OG_LOCALES.get(code) or OG_LOCALES.get(settings.LANGUAGE_CODE, "en_US")


# --- JSON-LD --------------------------------------------------------------------------


def json_ld(data: dict) -> SafeString:
    """``data`` as the text of a ``<script type="application/ld+json">``: ``<``, ``>`` and
    ``&`` escaped, so no text in it can close the script element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, default=str)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _clean(data: dict) -> dict:
    """``data`` without the properties that have no value."""
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def organization(request=None) -> dict:
    """The site itself, as author and publisher of its editorial content."""
    return {"@type": "Organization", "name": settings.SITE_NAME, "url": site_url(request) + "/"}


def person(name: str, url: str = "", request=None) -> dict:
    return _clean({"@type": "Person", "name": name, "url": absolute_url(url, request)})


def breadcrumb_list(crumbs: list[tuple[str, str]], request=None) -> dict:
    """A ``BreadcrumbList`` of ``(name, url)`` from the top down (the page last)."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            _clean(
                {
                    "@type": "ListItem",
                    "position": position,
                    "name": str(name),
                    "item": absolute_url(url, request),
                }
            )
            for position, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def article(
    *,
    headline: str,
    url: str,
    language: str,
    published,
    modified=None,
    description: str = "",
    section: str = "",
    request=None,
) -> dict:
    """An ``Article`` written and published by the site."""
    return _clean(
        {
            "@context": SCHEMA,
            "@type": "Article",
            "headline": str(headline)[:110],
            "name": str(headline),
            "description": description,
            "url": absolute_url(url, request),
            "mainEntityOfPage": absolute_url(url, request),
            "inLanguage": language,
            "datePublished": _iso(published),
            "dateModified": _iso(modified or published),
            "articleSection": section,
            "author": organization(request),
            "publisher": organization(request),
        }
    )


def faq_page(
    *,
    name: str,
    url: str,
    language: str,
    entries: list[FaqEntry],
    published=None,
    modified=None,
    request=None,
) -> dict:
    """A ``FAQPage`` of ``entries`` (see ``faq_entries``)."""
    return _clean(
        {
            "@context": SCHEMA,
            "@type": "FAQPage",
            "name": str(name),
            "url": absolute_url(url, request),
            "inLanguage": language,
            "datePublished": _iso(published),
            "dateModified": _iso(modified or published),
            "mainEntity": [
                {
                    "@type": "Question",
                    "name": entry.question,
                    "acceptedAnswer": {"@type": "Answer", "text": entry.answer},
                }
                for entry in entries
            ],
        }
    )


def answer(
    *, text: str, url: str, created, upvotes: int, author: dict | None, request=None
) -> dict:
    return _clean(
        {
            "@type": "Answer",
            "text": text,
            "url": absolute_url(url, request),
            "dateCreated": _iso(created),
            "datePublished": _iso(created),
            "upvoteCount": upvotes,
            "author": author,
        }
    )


def qa_page(
    *,
    name: str,
    text: str,
    url: str,
    language: str,
    created,
    modified=None,
    upvotes: int,
    author: dict | None,
    accepted: dict | None,
    suggested: list[dict],
    request=None,
) -> dict:
    """A ``QAPage`` whose ``mainEntity`` is the question, with its ``acceptedAnswer``
    (when one is accepted) and other answers as ``suggestedAnswer``."""
    question = _clean(
        {
            "@type": "Question",
            "name": str(name),
            "text": text or str(name),
            "url": absolute_url(url, request),
            "inLanguage": language,
            "dateCreated": _iso(created),
            "datePublished": _iso(created),
            "dateModified": _iso(modified),
            "upvoteCount": upvotes,
            "answerCount": len(suggested) + (1 if accepted else 0),
            "author": author,
            "acceptedAnswer": accepted,
            "suggestedAnswer": suggested,
        }
    )
    return {
        "@context": SCHEMA,
        "@type": "QAPage",
        "url": absolute_url(url, request),
        "inLanguage": language,
        "mainEntity": question,
    }


def plain_text(markdown: str) -> str:
    """The text of a Markdown source for structured data (no space left where inline
    markup stood before a punctuation mark)."""
    from .markdown import markdown_to_text

    return _SPACE_BEFORE_MARK.sub(r"\1", markdown_to_text(markdown))


# --- FAQ articles ---------------------------------------------------------------------


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str  # plain text


def faq_entries(markdown: str) -> list[FaqEntry]:
    """The questions and answers of a FAQ-style Markdown body (the rule is in the module's
    docstring), or ``[]`` when the body is not one. Worked out once per source, like its
    render (``core.markdown.derived``)."""
    from .markdown import derived

    if not markdown:
        return []
    return list(derived("faq", markdown, lambda: tuple(_faq_entries(markdown))))


def _faq_entries(markdown: str) -> list[FaqEntry]:
    from .markdown import _env, _parser

    lines = markdown.splitlines()
    tokens = _parser().parse(markdown, _env("", None))
    questions: list[tuple[str, int, int]] = []  # (heading text, first line, last line + 1)
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2" and token.level == 0:
            text = tokens[index + 1].content.strip()
            if not text.endswith(_QUESTION_MARKS):
                return []
            start, end = token.map or (0, 0)
            questions.append((text, start, end))
    if len(questions) < 2:
        return []
    entries = []
    for position, (text, _start, end) in enumerate(questions):
        stop = questions[position + 1][1] if position + 1 < len(questions) else len(lines)
        reply = plain_text("\n".join(lines[end:stop]))
        if not reply:
            return []
        entries.append(FaqEntry(plain_text(text), reply))
    return entries
