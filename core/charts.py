"""Bar charts drawn on the server as inline SVG, for the admin's reports.

No chart library and no script: the geometry is computed here and a template draws it
(``core/admin/bar_chart.html``, through ``{% bar_chart %}`` in ``core.templatetags.charts``).
Every chart comes with a data table holding the same numbers, for screen readers and for
anyone who wants the figures.

Right to left: the categories run from the right (the inline start) and the value axis
stands on the right, so a timeline reads in the language's direction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import dates

#: Bar colours (classes) of the series, in order.
SERIES_CLASSES = ("chart-bar--1", "chart-bar--2", "chart-bar--3")


def nice_max(value: float) -> int:
    """The top of the value axis: four equal whole steps of 1, 2 or 5 (25, 250, … too)
    times a power of ten, the smallest that reaches ``value``."""
    magnitude = 1
    while True:
        steps = (1, 2, 5) if magnitude == 1 else (1, 2, 2.5, 5)
        for step in steps:
            if value <= 4 * step * magnitude:
                return int(4 * step * magnitude)
        magnitude *= 10


@dataclass
class Series:
    key: str
    label: str
    values: list[float]
    css: str = ""


@dataclass
class BarChart:
    width: int
    height: int
    top: int
    bottom: int
    axis_x: float
    plot_start: float
    plot_end: float
    rtl: bool
    categories: list[str]
    series: list[Series]
    bars: list[dict] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def rows(self) -> list[dict]:
        """The table: one row per category, one value per series."""
        return [
            {"label": label, "values": [s.values[index] for s in self.series]}
            for index, label in enumerate(self.categories)
        ]

    @property
    def tick_anchor(self) -> str:
        return "start" if self.rtl else "end"

    @property
    def tick_x(self) -> float:
        return self.axis_x + 6 if self.rtl else self.axis_x - 6


def category_label(value) -> str:
    if isinstance(value, dt.date):
        return dates.human_date(value, "day_month")
    return str(value)


def bar_chart(
    categories: list,
    series: list[tuple[str, str, list[float]]],
    *,
    rtl: bool = False,
    width: int = 760,
    height: int = 260,
    max_labels: int = 10,
) -> BarChart:
    """Grouped bars: for each category, one bar per series (``(key, label, values)``)."""
    axis, top, bottom, gap = 44, 12, 36, 8
    plot_w, plot_h = width - 2 * gap - axis, height - top - bottom
    labels = [category_label(c) for c in categories]
    count = max(len(labels), 1)
    slot = plot_w / count
    highest = nice_max(max((v for _, _, values in series for v in values), default=0))
    per_bar = slot * 0.8 / max(len(series), 1)
    chart = BarChart(
        width=width,
        height=height,
        top=top,
        bottom=bottom,
        axis_x=(width - axis) if rtl else axis,
        plot_start=gap if rtl else axis,
        plot_end=(width - axis) if rtl else (width - gap),
        rtl=rtl,
        categories=labels,
        series=[
            Series(key=key, label=str(label), values=list(values), css=SERIES_CLASSES[i % 3])
            for i, (key, label, values) in enumerate(series)
        ],
    )
    label_every = max(1, -(-count // max_labels))

    def x_of(start: float, width_: float) -> float:
        # Left to right from the axis; mirrored in right to left.
        return (width - start - width_) if rtl else start

    for index, label in enumerate(labels):
        slot_start = axis + index * slot
        for s_index, item in enumerate(chart.series):
            value = item.values[index]
            bar_h = plot_h * value / highest if highest else 0
            drawn = max(per_bar - 1, 1)
            chart.bars.append(
                {
                    "x": round(x_of(slot_start + slot * 0.1 + s_index * per_bar, drawn), 1),
                    "y": round(top + plot_h - bar_h, 1),
                    "width": round(drawn, 1),
                    "height": round(bar_h, 1),
                    "css": item.css,
                    "title": f"{label}: {item.label} {value:g}",
                    "value": value,
                }
            )
        if index % label_every == 0:
            chart.labels.append({"x": round(x_of(slot_start, slot) + slot / 2, 1), "text": label})
    chart.ticks = [
        {"y": round(top + plot_h * (1 - n / 4), 1), "value": round(highest * n / 4)}
        for n in range(5)
    ]
    return chart
