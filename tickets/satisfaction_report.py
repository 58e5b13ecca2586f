"""The customer satisfaction (CSAT) report: how customers rated solved requests over a
date range — the share of "good", the counts, per agent (who solved it), per product and
per week, and the latest "bad" ratings with their comments.

Ratings are counted by the day they were given (``rated_at``, in the site's time zone),
with their current choice (a rating changed within its window counts once, as it is now).
A handful of aggregate queries, whatever the number of ratings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from .models import SatisfactionRating

DEFAULT_DAYS = 30
MAX_DAYS = 366 * 2
RECENT_BAD = 20
GOOD = SatisfactionRating.Score.GOOD
BAD = SatisfactionRating.Score.BAD


def share_good(good: int, bad: int) -> float | None:
    """The CSAT score: ratings "good" in percent of all ratings, ``None`` without any."""
    total = good + bad
    return round(100 * good / total, 1) if total else None


@dataclass
class Row:
    label: str
    good: int = 0
    bad: int = 0

    @property
    def total(self) -> int:
        return self.good + self.bad

    @property
    def share(self) -> float | None:
        return share_good(self.good, self.bad)


@dataclass
class CsatReport:
    start: dt.date
    end: dt.date
    total: Row
    weeks: list[dict] = field(default_factory=list)
    by_agent: list[Row] = field(default_factory=list)
    by_product: list[Row] = field(default_factory=list)
    recent_bad: list[SatisfactionRating] = field(default_factory=list)


def date_range(start: str | None, end: str | None, *, today: dt.date | None = None):
    """The report's days, first and last included, from ``?from=`` and ``?to=``
    (``YYYY-MM-DD``): the last ``DEFAULT_DAYS`` days by default, at most ``MAX_DAYS``."""
    today = today or timezone.localdate()
    try:
        last = parse_date(end or "") or today
    except ValueError:
        last = today
    try:
        first = parse_date(start or "") or (last - dt.timedelta(days=DEFAULT_DAYS - 1))
    except ValueError:
        first = last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - dt.timedelta(days=MAX_DAYS - 1)
    return first, last


def _bounds(start: dt.date, end: dt.date):
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return since, until


def _counts():
    return {"good": Count("pk", filter=Q(score=GOOD)), "bad": Count("pk", filter=Q(score=BAD))}


def build_report(start: dt.date, end: dt.date) -> CsatReport:
    since, until = _bounds(start, end)
    ratings = SatisfactionRating.objects.filter(rated_at__gte=since, rated_at__lt=until)
    totals = ratings.aggregate(**_counts())
    report = CsatReport(start=start, end=end, total=Row(_("All ratings"), **totals))

    per_week = {
        (week.date() if isinstance(week, dt.datetime) else week): (good, bad)
        for week, good, bad in ratings.annotate(week=TruncWeek("rated_at"))
        .values("week")
        .annotate(**_counts())
        .values_list("week", "good", "bad")
        .order_by()
    }
    day = start - dt.timedelta(days=start.weekday())
    while day <= end:
        good, bad = per_week.get(day, (0, 0))
        report.weeks.append({"week": day, "good": good, "bad": bad})
        day += dt.timedelta(days=7)

    for agent_id, name, email, good, bad in (
        ratings.values("agent")
        .annotate(**_counts())
        .values_list("agent", "agent__display_name", "agent__email", "good", "bad")
        .order_by()
    ):
        label = (name or (email or "").split("@")[0]) if agent_id else _("Nobody (unassigned)")
        report.by_agent.append(Row(label, good, bad))
    for name, good, bad in (
        ratings.values("ticket__product__name")
        .annotate(**_counts())
        .values_list("ticket__product__name", "good", "bad")
        .order_by()
    ):
        report.by_product.append(Row(name or "", good, bad))
    report.by_agent.sort(key=lambda row: (-row.total, row.label))
    report.by_product.sort(key=lambda row: (-row.total, row.label))
    report.recent_bad = list(
        ratings.filter(score=BAD)
        .select_related("ticket", "ticket__product", "agent")
        .order_by("-rated_at", "-pk")[:RECENT_BAD]
    )
    return report
