"""Search analytics: every search and every result opened from it, and the report on them.

A search page or API call writes one ``SearchLog`` row (query, normalized query, filters,
result count, the person's segments, latency, backend). Result links carry a signed token
of that row; opening one records a ``SearchClick`` (rank, item) — once per result and
search. Logging never breaks a search: a database error is logged and ignored.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone

from .models import SearchClick, SearchLog

logger = logging.getLogger(__name__)
SALT = "portico.search.click"
#: A click token is valid this long after the search.
CLICK_MAX_AGE = 24 * 3600


def _session_key(request) -> str:
    """A stable, anonymous key per browser session (hashed: no session ids in the log)."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if not session.session_key:
        try:
            session.save()
        except Exception:
            return ""
    return hashlib.sha256(f"search:{session.session_key}".encode()).hexdigest()[:32]


def log_search(page, request, source: str) -> SearchLog | None:
    from .service import person_for

    user = request.user if request.user.is_authenticated else None
    try:
        with transaction.atomic():
            return SearchLog.objects.create(
                source=source,
                query=page.parsed.text[:500],
                normalized=page.parsed.normalized[:500],
                filters={k: v for k, v in page.filters.items() if v},
                result_count=page.total,
                page=page.page,
                segment=person_for(request.user).label[:300],
                user=user,
                session_key=_session_key(request),
                latency_ms=round(page.latency_ms, 2),
                backend=("database" if page.degraded else page.backend)[:32],
                error=page.error[:300],
            )
    except DatabaseError:
        logger.warning("Could not log a search.", exc_info=True)
        return None


def click_token(log: SearchLog | None) -> str:
    return signing.dumps(log.pk, salt=SALT) if log is not None else ""


def record_click(token: str, rank, item: str) -> bool:
    """Record that result ``item`` at ``rank`` was opened from the search in ``token``."""
    try:
        log_id = signing.loads(token, salt=SALT, max_age=CLICK_MAX_AGE)
        rank = int(rank)
    except (signing.BadSignature, TypeError, ValueError):
        return False
    item = str(item or "")[:100]
    if rank < 1 or rank > 10_000 or ":" not in item:
        return False
    try:
        with transaction.atomic():
            SearchClick.objects.create(search_id=log_id, rank=rank, item=item)
    except IntegrityError:
        return True  # already recorded (or the search was pruned)
    except DatabaseError:
        logger.warning("Could not record a search click.", exc_info=True)
        return False
    return True


def prune(days: int) -> int:
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = SearchLog.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@dataclass
class QueryRow:
    query: str
    searches: int
    results: float
    click_rate: float


@dataclass
class Report:
    days: int
    searches: int
    zero_results: int
    clicked: int
    latency_ms: float
    top: list[QueryRow]
    zero: list[QueryRow]

    @property
    def click_through_rate(self) -> float:
        return self.clicked / self.searches if self.searches else 0.0

    @property
    def zero_rate(self) -> float:
        return self.zero_results / self.searches if self.searches else 0.0


def report(days: int = 30, limit: int = 25) -> Report:
    since = timezone.now() - timedelta(days=days)
    logs = SearchLog.objects.filter(created_at__gte=since, page=1).exclude(normalized="")
    clicked = SearchClick.objects.filter(search=OuterRef("pk"))
    logs = logs.annotate(was_clicked=Exists(clicked))
    totals = logs.aggregate(
        searches=Count("pk"),
        zero=Count("pk", filter=Q(result_count=0)),
        clicked=Count("pk", filter=Q(was_clicked=True)),
        latency=Avg("latency_ms"),
    )

    def rows(queryset) -> list[QueryRow]:
        grouped = (
            queryset.values("normalized")
            .annotate(
                n=Count("pk"),
                results=Avg("result_count"),
                clicks=Count("pk", filter=Q(was_clicked=True)),
            )
            .order_by("-n", "normalized")[:limit]
        )
        return [
            QueryRow(
                query=row["normalized"],
                searches=row["n"],
                results=row["results"] or 0.0,
                click_rate=row["clicks"] / row["n"] if row["n"] else 0.0,
            )
            for row in grouped
        ]

    return Report(
        days=days,
        searches=totals["searches"] or 0,
        zero_results=totals["zero"] or 0,
        clicked=totals["clicked"] or 0,
        latency_ms=totals["latency"] or 0.0,
        top=rows(logs),
        zero=rows(logs.filter(result_count=0)),
    )
