"""The fallback search: a plain database search over live articles and announcements, used
by ``search.service`` while the search engine is unavailable.

Every word of the query must appear in the title, the summary or the body of an item.
Candidates come from the database (``icontains``, already narrowed by
``segments.policy.visible_to`` so restricted items never leave the database for outsiders),
then each candidate is checked against its Markdown source — not the stored JSON, whose keys
would otherwise match words such as "text" or "value" — and scored: title hits count most.

Any input is accepted: it is cleaned, cut to ``MAX_QUERY_LENGTH`` characters and to
``MAX_TERMS`` words, so no query can turn into an error or an expensive scan.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import reduce
from operator import and_

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from announcements.models import AnnouncementPage
from core.blocks import body_markdown
from kb.models import ArticlePage
from segments import policy
from segments.models import Segment

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MIN_TERM_LENGTH = 2
CANDIDATES_PER_KIND = 200

# key: (model, label of one result, label of the filter tab)
KINDS = {
    "article": (ArticlePage, _("Article"), _("Articles")),
    "announcement": (AnnouncementPage, _("Announcement"), _("Announcements")),
}

_TERM = re.compile(r'"([^"]+)"|(\S+)')
_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{}<>.,;:!?¿¡*`~|\\/"


@dataclass
class SearchHit:
    page: Page
    kind: str
    kind_label: str
    score: int
    trail: list[Page] = field(default_factory=list)
    products: list[Segment] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.page.title

    @property
    def summary(self) -> str:
        return self.page.summary


def clean_query(raw: str | None) -> tuple[str, bool]:
    """Normalize a raw query: drop control characters, squeeze spaces, cap the length.

    Returns the cleaned query and whether it had to be shortened.
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rstrip(), True
    return text, False


def terms(query: str) -> list[str]:
    """The words (and "quoted phrases") of a query, lower-cased, at most ``MAX_TERMS``."""
    found: list[str] = []
    for phrase, word in _TERM.findall(query):
        term = " ".join((phrase or word).strip(_EDGE_PUNCTUATION).lower().split())
        if term and term not in found:
            found.append(term)
    long_enough = [t for t in found if len(t) >= MIN_TERM_LENGTH]
    return (long_enough or found)[:MAX_TERMS]


def _term_filter(term: str) -> Q:
    condition = Q(title__icontains=term) | Q(summary__icontains=term) | Q(body__icontains=term)
    # The body is stored as JSON: non-ASCII characters may be \u-escaped there.
    escaped = json.dumps(term)[1:-1]
    if escaped != term:
        condition |= Q(body__icontains=escaped)
    return condition


def _score(page, words: list[str]) -> int:
    title = page.title.lower()
    summary = (page.summary or "").lower()
    body = body_markdown(page.body).lower()
    score = 0
    for word in words:
        in_title, in_summary = word in title, word in summary
        if not (in_title or in_summary or word in body):
            return 0
        score += 10 * in_title + 4 * in_summary + min(body.count(word), 5)
    if len(words) > 1 and " ".join(words) in title:
        score += 15
    return score


def _rank(hit: SearchHit) -> tuple[int, float]:
    """Best score first; the newest first among equals."""
    published = hit.page.first_published_at
    return hit.score, published.timestamp() if published else 0.0


def page_trails(pages: list[Page]) -> dict[str, list[Page]]:
    """Ancestors below the home page for each page (e.g. knowledge base › category)."""
    steplen = Page.steplen
    wanted = set()
    for page in pages:
        # Depth 1 is the tree root and depth 2 the home page: start at depth 3.
        for depth in range(3, page.depth):
            wanted.add(page.path[: depth * steplen])
    ancestors = {}
    if wanted:
        fields = ("id", "title", "path", "depth", "url_path", "slug")
        ancestors = {p.path: p for p in Page.objects.filter(path__in=wanted).only(*fields)}
    return {
        page.path: [
            ancestors[page.path[: depth * steplen]]
            for depth in range(3, page.depth)
            if page.path[: depth * steplen] in ancestors
        ]
        for page in pages
    }


def search_content(query: str, user, kind: str | None = None) -> list[SearchHit]:
    """Live articles and announcements matching every word of ``query`` that ``user`` may see,
    best first."""
    words = terms(query)
    if not words:
        return []
    condition = reduce(and_, (_term_filter(word) for word in words))
    hits: list[SearchHit] = []
    for key, (model, label, _plural) in KINDS.items():
        if kind and kind != key:
            continue
        queryset = (
            policy.visible_to(model.objects.live(), user)
            .filter(condition)
            .order_by("-first_published_at", "-pk")
            .prefetch_related("segments")[:CANDIDATES_PER_KIND]
        )
        for page in queryset:
            score = _score(page, words)
            if score:
                products = [s for s in page.segments.all() if s.kind == Segment.Kind.PRODUCT]
                hits.append(SearchHit(page, key, label, score, products=products))
    hits.sort(key=_rank, reverse=True)
    trails = page_trails([hit.page for hit in hits])
    for hit in hits:
        hit.trail = trails.get(hit.page.path, [])
    return hits


def count_by_kind(hits: list[SearchHit]) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    for hit in hits:
        counts[hit.kind] += 1
    return counts


def suggestions(user, limit: int = 6) -> list[ArticlePage]:
    """Featured articles ``user`` may read: what to offer when a search finds nothing."""
    return list(
        policy.visible_to(ArticlePage.objects.live().filter(featured=True), user).order_by(
            "-last_published_at", "-pk"
        )[:limit]
    )
