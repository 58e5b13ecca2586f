"""The deflection funnel report: how support flows end, per week, product and segment.

Flows are counted by the week they **started** (a cohort), so every number for a week
describes the same people. Each funnel event is recorded at most once per flow, so a
count of events is a count of flows.

- **Deflection rate** = flows solved by a suggestion ÷ flows that ended in a solution or a
  ticket. Flows still going, or left without either, are not in the rate (they are in
  the funnel as "started").
- **Top answers**: the suggestions people said solved their problem, then those opened
  most.
- **Direct answers** ("Did this answer your question?" under the passage shown above the
  results, ``search.answers``): yes and no per place, on the search page and in the help
  widget (no flow: counted by the day they were given, and only when no product or
  segment is chosen) and in
  Contact support (by the flows of the period; a "yes" there also ends the flow solved).

A handful of aggregate queries, whatever the number of flows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from segments.models import Segment

from .models import DirectAnswerFeedback, FlowSuggestion, FunnelEvent, SupportFlow
from .models.flow import FUNNEL

PERIODS = (30, 90, 180, 365)
DEFAULT_PERIOD = 90
Name = FunnelEvent.Name


def rate(solved: int, filed: int) -> float | None:
    """The deflection rate in percent, or ``None`` when no flow ended yet."""
    ended = solved + filed
    return round(100 * solved / ended, 1) if ended else None


@dataclass
class Stage:
    name: str
    label: str
    count: int
    share: float | None  # of the flows started


@dataclass
class Week:
    start: dt.date
    started: int = 0
    solved: int = 0
    filed: int = 0

    @property
    def rate(self) -> float | None:
        return rate(self.solved, self.filed)


@dataclass
class Row:
    label: str
    counts: dict = field(default_factory=dict)

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)

    @property
    def started(self) -> int:
        return self.get(Name.STARTED)

    @property
    def solved(self) -> int:
        return self.get(Name.SOLVED)

    @property
    def filed(self) -> int:
        return self.get(Name.FILED)

    @property
    def rate(self) -> float | None:
        return rate(self.solved, self.filed)


@dataclass
class DirectAnswers:
    """Feedback on direct answers in one place (search page or Contact support)."""

    surface: str
    label: str
    yes: int = 0
    no: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.no

    @property
    def share_yes(self) -> float | None:
        return round(100 * self.yes / self.total, 1) if self.total else None


@dataclass
class FunnelReport:
    since: dt.datetime
    days: int
    product: Segment | None
    segment: Segment | None
    stages: list[Stage]
    weeks: list[Week]
    by_product: list[Row]
    by_segment: list[Row]
    top_items: list[dict]
    direct_answers: list[DirectAnswers] = field(default_factory=list)

    @property
    def answered_by_direct_answer(self) -> int:
        """People who said a direct answer answered their question (every place)."""
        return sum(row.yes for row in self.direct_answers)

    @property
    def started(self) -> int:
        return self.stages[0].count if self.stages else 0

    @property
    def solved(self) -> int:
        return next((s.count for s in self.stages if s.name == Name.SOLVED), 0)

    @property
    def filed(self) -> int:
        return next((s.count for s in self.stages if s.name == Name.FILED), 0)

    @property
    def deflection_rate(self) -> float | None:
        return rate(self.solved, self.filed)

    @property
    def abandoned(self) -> int:
        return max(self.started - self.solved - self.filed, 0)


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def build_report(
    *, days: int = DEFAULT_PERIOD, product: Segment | None = None, segment=None, now=None
) -> FunnelReport:
    now = now or timezone.now()
    days = days if days in PERIODS else DEFAULT_PERIOD
    today = timezone.localdate(now)
    first_week = _week_start(today - dt.timedelta(days=days - 1))
    since = timezone.make_aware(dt.datetime.combine(first_week, dt.time.min))
    flows = SupportFlow.objects.filter(started_at__gte=since, started_at__lte=now)
    if product is not None:
        flows = flows.filter(product=product)
    if segment is not None:
        flows = flows.filter(segments=segment)
    flow_ids = flows.values("pk")
    events = FunnelEvent.objects.filter(flow__in=flow_ids)

    totals = dict(events.values_list("name").annotate(n=Count("pk")).order_by())
    started = totals.get(Name.STARTED, 0)
    labels = dict(Name.choices)
    stages = [
        Stage(
            name=name,
            label=str(labels[name]),
            count=totals.get(name, 0),
            share=round(100 * totals.get(name, 0) / started, 1) if started else None,
        )
        for name in FUNNEL
    ]

    weeks = {}
    day = first_week
    while day <= today:
        weeks[day] = Week(start=day)
        day += dt.timedelta(days=7)
    per_week = (
        events.filter(name__in=[Name.STARTED, Name.SOLVED, Name.FILED])
        .annotate(week=TruncWeek("flow__started_at"))
        .values_list("week", "name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for week, name, n in per_week:
        start = week.date() if isinstance(week, dt.datetime) else week
        bucket = weeks.get(start)
        if bucket is not None:
            setattr(bucket, str(name), n)

    by_product: dict = {}
    for name_, event, n in (
        events.values_list("flow__product__name", "name").annotate(n=Count("pk")).order_by()
    ):
        label = name_ or _("No product chosen")
        by_product.setdefault(label, Row(label=label)).counts[event] = n

    by_segment: dict = {}
    for seg_name, kind, event, n in (
        events.values_list("flow__segments__name", "flow__segments__kind", "name")
        .annotate(n=Count("flow", distinct=True))
        .order_by()
    ):
        if seg_name is None:
            label = _("No granted segment")
        else:
            label = f"{seg_name} ({Segment.Kind(kind).label})"
        by_segment.setdefault(label, Row(label=label)).counts[event] = n

    top = (
        FlowSuggestion.objects.filter(flow__in=flow_ids)
        .values("key")
        .annotate(
            title=Max("title"),
            url=Max("url"),
            kind=Max("kind"),
            shown=Count("pk"),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            solved=Count("pk", filter=Q(solved=True)),
        )
        .filter(Q(solved__gt=0) | Q(opened__gt=0))
        .order_by("-solved", "-opened", "key")[:10]
    )

    def sort_rows(rows):
        return sorted(rows.values(), key=lambda row: (-row.started, row.label))

    return FunnelReport(
        since=since,
        days=days,
        product=product,
        segment=segment,
        stages=stages,
        weeks=list(weeks.values()),
        by_product=sort_rows(by_product),
        by_segment=sort_rows(by_segment),
        top_items=list(top),
        direct_answers=_direct_answers(flow_ids, since, now, everyone=not (product or segment)),
    )


def _direct_answers(flow_ids, since, now, *, everyone: bool) -> list[DirectAnswers]:
    surface = DirectAnswerFeedback.Surface
    rows = {
        value: DirectAnswers(surface=value, label=str(label)) for value, label in surface.choices
    }
    found = Q(surface=surface.SUPPORT, flow__in=flow_ids)
    if everyone:
        found |= Q(
            surface__in=[surface.SEARCH, surface.WIDGET], created_at__gte=since, created_at__lte=now
        )
    counts = (
        DirectAnswerFeedback.objects.filter(found)
        .values_list("surface", "helpful")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for value, helpful, n in counts:
        row = rows.get(value)
        if row is not None:
            setattr(row, "yes" if helpful else "no", n)
    return [row for row in rows.values() if everyone or row.surface == surface.SUPPORT]


# --- The chart (inline SVG, drawn on the server) --------------------------------------


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: list[dict]
    line: str
    points: list[dict]
    left_ticks: list[dict]
    right_ticks: list[dict]
    labels: list[dict]

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    for step in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if value <= step:
            return step
    magnitude = 10 ** (len(str(value)) - 1)
    return ((value // magnitude) + 1) * magnitude


def chart(weeks: list[Week], *, width=760, height=280) -> Chart:
    """Bars: flows started each week (left axis). Line: deflection rate (right axis, %)."""
    left, right, top, bottom = 48, 48, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(weeks), 1)
    slot = plot_w / count
    highest = _nice_max(max((w.started for w in weeks), default=0))
    bars, points, labels = [], [], []
    label_every = max(1, round(count / 8))
    for index, week in enumerate(weeks):
        x = left + index * slot
        bar_h = plot_h * week.started / highest if highest else 0
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "y": round(top + plot_h - bar_h, 1),
                "width": round(slot * 0.7, 1),
                "height": round(bar_h, 1),
                "week": week,
            }
        )
        if week.rate is not None:
            points.append(
                {
                    "x": round(x + slot / 2, 1),
                    "y": round(top + plot_h * (1 - week.rate / 100), 1),
                    "week": week,
                }
            )
        if index % label_every == 0:
            labels.append({"x": round(x + slot / 2, 1), "week": week})
    left_ticks = [
        {"y": round(top + plot_h * (1 - n / 4), 1), "value": round(highest * n / 4)}
        for n in range(5)
    ]
    right_ticks = [{"y": round(top + plot_h * (1 - n / 4), 1), "value": 25 * n} for n in range(5)]
    return Chart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=bars,
        line=" ".join(f"{p['x']},{p['y']}" for p in points),
        points=points,
        left_ticks=left_ticks,
        right_ticks=right_ticks,
        labels=labels,
    )
