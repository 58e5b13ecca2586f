"""Search analytics: every search and every result opened from it, and the report on them.

A search page or API call logs one ``SearchLog`` row (query, normalized query, filters,
result count, the person's segments, latency, backend). Result links carry a signed token
of that search's ``uid``; opening one records a ``SearchClick`` (rank, item) — once per
result and search.

Nothing is written on the request path: searches and clicks go to an in-process buffer
that a background thread writes in batches every ``SEARCH_LOG_FLUSH_SECONDS`` (and at
exit), so a search stays a read — cheap, and correct under SQLite with many visitors.
A visitor without a session gets none: searches are keyed by a daily hash of their
address instead. Logging never breaks a search: a database error is logged and ignored.

Type-ahead's popular queries come from ``PopularQuery``, aggregated from the log by a
periodic task: queries that enough different *signed-in* people ran and found results
for (``SEARCH_POPULAR_MIN_PEOPLE``), so scripts without accounts cannot plant them.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connection, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language

from .models import PopularQuery, SearchClick, SearchLog

logger = logging.getLogger(__name__)
SALT = "portico.search.click"
#: A click token is valid this long after the search.
CLICK_MAX_AGE = 24 * 3600
#: Most events kept in memory while the database cannot take them.
BUFFER_MAX = 20_000


def visitor_key(request) -> str:
    """A stable, anonymous key per visitor, without creating a session: the hashed
    session key when there is a session, else a hash of the address and browser that
    changes every day. No session ids or addresses are stored."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        return hashlib.sha256(f"search:{session.session_key}".encode()).hexdigest()[:32]
    from core.http import client_ip

    seed = f"{date.today()}:{client_ip(request)}:{request.headers.get('User-Agent', '')}"
    return hashlib.sha256(f"visitor:{settings.SECRET_KEY}:{seed}".encode()).hexdigest()[:32]


# --- The buffer -----------------------------------------------------------------------------


class _Buffer:
    def __init__(self):
        self.logs: deque[dict] = deque(maxlen=BUFFER_MAX)
        self.clicks: deque[dict] = deque(maxlen=BUFFER_MAX)
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.wake = threading.Event()

    def add(self, kind: str, row: dict) -> None:
        getattr(self, kind).append(row)
        self.start()

    def start(self) -> None:
        interval = float(getattr(settings, "SEARCH_LOG_FLUSH_SECONDS", 0) or 0)
        if interval <= 0 or (self.thread is not None and self.thread.is_alive()):
            return
        with self.lock:
            if self.thread is not None and self.thread.is_alive():
                return
            self.thread = threading.Thread(
                target=self._run, args=(interval,), name="search-log-writer", daemon=True
            )
            self.thread.start()

    def _run(self, interval: float) -> None:
        while True:
            self.wake.wait(interval)
            self.wake.clear()
            try:
                flush()
            except Exception:
                logger.warning("Could not write the search log.", exc_info=True)
            finally:
                connection.close()


_buffer = _Buffer()


def flush() -> int:
    """Write what is buffered: searches first, then the clicks on them. Returns rows."""
    logs = _drain(_buffer.logs)
    clicks = _drain(_buffer.clicks)
    written = 0
    try:
        if logs:
            # A person may have been deleted since they searched: keep the search.
            from django.contrib.auth import get_user_model

            user_ids = {row["user_id"] for row in logs if row["user_id"]}
            known = set(
                get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True)
            )
            for row in logs:
                if row["user_id"] not in known:
                    row["user_id"] = None
            with transaction.atomic():
                SearchLog.objects.bulk_create(
                    [SearchLog(**row) for row in logs], ignore_conflicts=True, batch_size=500
                )
            written += len(logs)
        if clicks:
            uids = {row["uid"] for row in clicks}
            ids = dict(SearchLog.objects.filter(uid__in=uids).values_list("uid", "pk"))
            rows = [
                SearchClick(
                    search_id=ids[row["uid"]],
                    rank=row["rank"],
                    item=row["item"],
                    created_at=row["created_at"],
                )
                for row in clicks
                if row["uid"] in ids
            ]
            with transaction.atomic():
                SearchClick.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
            written += len(rows)
    except DatabaseError:
        logger.warning("Could not write the search log; trying again later.", exc_info=True)
        _buffer.logs.extendleft(reversed(logs))
        _buffer.clicks.extendleft(reversed(clicks))
    return written


def _drain(queue: deque) -> list[dict]:
    rows = []
    while queue:
        try:
            rows.append(queue.popleft())
        except IndexError:
            break
    return rows


def pending() -> int:
    return len(_buffer.logs) + len(_buffer.clicks)


def discard() -> None:
    """Forget what is buffered (tests: another test's searches are not this one's)."""
    _buffer.logs.clear()
    _buffer.clicks.clear()


atexit.register(lambda: pending() and flush())


# --- Logging --------------------------------------------------------------------------------


def log_search(page, request, source: str) -> str:
    """Buffer one search; returns its uid (for the click token)."""
    from .service import person_for

    user = request.user if request.user.is_authenticated else None
    uid = uuid.uuid4()
    _buffer.add(
        "logs",
        {
            "uid": uid,
            "created_at": timezone.now(),
            "source": source,
            "query": page.parsed.text[:500],
            "normalized": page.parsed.normalized[:500],
            "language": (get_language() or settings.LANGUAGE_CODE)[:8],
            "filters": {k: v for k, v in page.filters.items() if v},
            "result_count": page.total,
            "page": page.page,
            "segment": person_for(request.user).label[:300],
            "user_id": user.pk if user else None,
            "session_key": visitor_key(request),
            "latency_ms": round(page.latency_ms, 2),
            "backend": ("database" if page.degraded else page.backend)[:32],
            "error": page.error[:300],
        },
    )
    return str(uid)


def click_token(uid: str | None) -> str:
    return signing.dumps(str(uid), salt=SALT) if uid else ""


def record_click(token: str, rank, item: str) -> bool:
    """Buffer that result ``item`` at ``rank`` was opened from the search in ``token``."""
    try:
        uid = uuid.UUID(str(signing.loads(token, salt=SALT, max_age=CLICK_MAX_AGE)))
        rank = int(rank)
    except (signing.BadSignature, TypeError, ValueError):
        return False
    item = str(item or "")[:100]
    if rank < 1 or rank > 10_000 or ":" not in item:
        return False
    _buffer.add("clicks", {"uid": uid, "rank": rank, "item": item, "created_at": timezone.now()})
    return True


# --- Popular queries --------------------------------------------------------------------------


def aggregate_popular(*, days: int | None = None, min_people: int | None = None) -> int:
    """Recompute ``PopularQuery`` from the log: page searches with results, by how many
    different signed-in people ran them in the last ``days``. Returns how many rows."""
    days = days or settings.SEARCH_POPULAR_DAYS
    min_people = min_people if min_people is not None else settings.SEARCH_POPULAR_MIN_PEOPLE
    since = timezone.now() - timedelta(days=days)
    rows = (
        SearchLog.objects.filter(
            created_at__gte=since, source="page", result_count__gt=0, user__isnull=False
        )
        .exclude(normalized="")
        .values("normalized")
        .annotate(people=Count("user", distinct=True), searches=Count("pk"))
        .filter(people__gte=max(1, min_people))
    )
    found = {row["normalized"]: row for row in rows}
    with transaction.atomic():
        PopularQuery.objects.exclude(normalized__in=list(found)).delete()
        PopularQuery.objects.bulk_create(
            [
                PopularQuery(normalized=q, people=r["people"], searches=r["searches"])
                for q, r in found.items()
            ],
            update_conflicts=True,
            unique_fields=["normalized"],
            update_fields=["people", "searches", "updated_at"],
            batch_size=500,
        )
    return len(found)


def prune(days: int) -> int:
    flush()
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


def counted_logs(since: datetime, until: datetime | None = None):
    """The searches the reports count (first pages of a query, not empty ones) since
    ``since``, each marked ``was_clicked`` when a result was opened from it."""
    logs = SearchLog.objects.filter(created_at__gte=since, page=1).exclude(normalized="")
    if until is not None:
        logs = logs.filter(created_at__lte=until)
    return logs.annotate(was_clicked=Exists(SearchClick.objects.filter(search=OuterRef("pk"))))


def report(days: int = 30, limit: int = 25) -> Report:
    logs = counted_logs(timezone.now() - timedelta(days=days))
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


@dataclass
class Day:
    day: date
    searches: int = 0
    zero: int = 0
    clicked: int = 0


def daily(days: int = 30, now=None) -> list[Day]:
    """Searches counted as in ``report`` — all, without results, followed by a click — per
    day of the last ``days`` days (days without searches included), oldest first."""
    from django.db.models.functions import TruncDate

    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first, time.min))
    logs = counted_logs(since, now)
    rows = (
        logs.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            n=Count("pk"),
            zero=Count("pk", filter=Q(result_count=0)),
            clicked=Count("pk", filter=Q(was_clicked=True)),
        )
        .order_by()
    )
    found = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = found.get(day, {})
        result.append(Day(day, row.get("n", 0), row.get("zero", 0), row.get("clicked", 0)))
    return result


@dataclass
class PersonActivity:
    """What the search log holds for one signed-in person: their latest searches and the
    items they opened from results (``(item key, when)``, latest first)."""

    searches: list[SearchLog]
    opened: list[tuple[str, datetime]]


def person_activity(user, *, limit: int = 8, prefix: str = "") -> PersonActivity:
    """``user``'s own latest searches and opened results (those whose key starts with
    ``prefix``, e.g. ``"article:"``). Searches made signed out have no user: never here."""
    searches = list(
        SearchLog.objects.filter(user=user)
        .exclude(query="")
        .only("query", "created_at", "result_count", "source")
        .order_by("-created_at")[:limit]
    )
    clicks = SearchClick.objects.filter(search__user=user)
    if prefix:
        clicks = clicks.filter(item__startswith=prefix)
    opened = list(clicks.order_by("-created_at").values_list("item", "created_at")[: limit * 3])
    return PersonActivity(searches=searches, opened=opened)
