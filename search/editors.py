"""The search side of the editors' dashboard: queries that found nothing, and queries
that found results nobody opened — each a candidate for a new article."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .analytics import counted_logs
from .models import SearchLog

#: Searches of this many days count.
DAYS = 30
#: At most this many queries per list.
LIMIT = 15
#: A query with results is "low-click" when searched at least this often...
LOW_CLICK_MIN_SEARCHES = 3
#: ... and opened after at most this share of its searches.
LOW_CLICK_MAX_RATE = 0.2


@dataclass
class QueryItem:
    query: str
    normalized: str
    language: str
    searches: int
    clicks: int
    last_searched: object
    reason: str

    @property
    def click_rate(self) -> float:
        return self.clicks / self.searches if self.searches else 0.0

    @property
    def write_url(self) -> str:
        """Where an editor starts an article for this query (the knowledge base's view)."""
        try:
            base = reverse("kb_write_article")
        except NoReverseMatch:
            return ""
        params = {"q": self.query, "lang": self.language, "reason": self.reason}
        return f"{base}?{urlencode(params)}"


def _by_query(days: int, now=None, **where):
    """Searches of the last ``days`` days (type-ahead left out), grouped per query and
    language: how many, how many were followed by a click, the latest and one spelling."""
    since = (now or timezone.now()) - timedelta(days=days)
    return (
        counted_logs(since)
        .exclude(source=SearchLog.Source.SUGGEST)
        .filter(**where)
        .values("normalized", "language")
        .annotate(
            n=Count("pk"),
            clicks=Count("pk", filter=Q(was_clicked=True)),
            last=Max("created_at"),
            shown=Max("query"),
        )
    )


def _items(queryset, reason: str) -> list[QueryItem]:
    return [
        QueryItem(
            query=row["shown"] or row["normalized"],
            normalized=row["normalized"],
            language=row["language"],
            searches=row["n"],
            clicks=row["clicks"],
            last_searched=row["last"],
            reason=reason,
        )
        for row in queryset
    ]


def zero_result_queries(days: int = DAYS, limit: int = LIMIT, now=None) -> list[QueryItem]:
    """Queries (per language) whose searches found nothing, most searched first."""
    rows = _by_query(days, now, result_count=0).order_by("-n", "-last", "normalized")[:limit]
    return _items(rows, "zero")


def low_click_queries(days: int = DAYS, limit: int = LIMIT, now=None) -> list[QueryItem]:
    """Queries (per language) that found results but whose results were seldom opened."""
    rows = (
        _by_query(days, now, result_count__gt=0)
        .filter(n__gte=LOW_CLICK_MIN_SEARCHES)
        .order_by("-n", "-last", "normalized")
    )
    items = [item for item in _items(rows, "low-click") if item.click_rate <= LOW_CLICK_MAX_RATE]
    return items[:limit]


def can_read(user) -> bool:
    return user.has_perm("search.view_searchlog")


def zero_result_section(request):
    from core.editors import Section

    if not can_read(request.user):
        return None
    return Section(
        key="zero-results",
        title=_("Searches without results"),
        description=_(
            "What people searched for in the last %(days)s days and did not find. "
            "Write an article, or add a synonym when the content exists under other words."
        )
        % {"days": DAYS},
        template="search/admin/editors/queries.html",
        items=zero_result_queries(),
        order=10,
        more_url=reverse("search_report:index"),
        more_label=_("Open the search report"),
    )


def low_click_section(request):
    from core.editors import Section

    if not can_read(request.user):
        return None
    return Section(
        key="low-click",
        title=_("Searches whose results nobody opens"),
        description=_(
            "Queries searched at least %(min)s times in the last %(days)s days after which a "
            "result was opened at most %(rate)s %% of the time: the results may not answer them."
        )
        % {
            "min": LOW_CLICK_MIN_SEARCHES,
            "days": DAYS,
            "rate": round(100 * LOW_CLICK_MAX_RATE),
        },
        template="search/admin/editors/queries.html",
        items=low_click_queries(),
        order=20,
    )
