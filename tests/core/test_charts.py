"""Server-drawn report charts: geometry, right to left, and the search report's chart
with a data table holding the same numbers."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.charts import bar_chart, nice_max
from search import analytics
from tests.factories import UserFactory
from tests.factories.editors import make_search_logs


def test_nice_max():
    values = (0, 3, 7, 11, 26, 99, 101, 740)
    assert [nice_max(v) for v in values] == [4, 4, 8, 20, 40, 100, 200, 800]


def test_bars_are_proportional_and_mirrored_right_to_left():
    series = [("n", "Searches", [0, 5, 10])]
    ltr = bar_chart(["a", "b", "c"], series, width=400, height=200)
    rtl = bar_chart(["a", "b", "c"], series, width=400, height=200, rtl=True)
    heights = [bar["height"] for bar in ltr.bars]
    assert heights[0] == 0 and heights[2] == pytest.approx(2 * heights[1])
    assert [b["height"] for b in rtl.bars] == heights
    # Left to right the first category is leftmost; right to left it is rightmost.
    assert ltr.bars[0]["x"] < ltr.bars[2]["x"]
    assert rtl.bars[0]["x"] > rtl.bars[2]["x"]
    for a, b in zip(ltr.bars, rtl.bars, strict=True):
        assert a["x"] + a["width"] + b["x"] == pytest.approx(400, abs=0.2)
    assert (ltr.tick_anchor, rtl.tick_anchor) == ("end", "start")
    assert [tick["value"] for tick in ltr.ticks] == [0, 5, 10, 15, 20]
    assert [tick["value"] for tick in ltr.ticks] == [0, 5, 10, 15, 20]
    assert rtl.axis_x > rtl.plot_start
    assert ltr.rows == [
        {"label": "a", "values": [0]},
        {"label": "b", "values": [5]},
        {"label": "c", "values": [10]},
    ]


@pytest.mark.django_db
def test_daily_counts_every_day():
    make_search_logs("zorblax", count=2, days_ago=2)
    make_search_logs("invoice", count=3, results=4, clicks=1, days_ago=1)
    days = analytics.daily(7)
    assert len(days) == 7 and days[-1].day == timezone.localdate()
    by_day = {d.day: (d.searches, d.zero, d.clicked) for d in days}
    today = timezone.localdate()
    assert by_day[today - dt.timedelta(days=2)] == (2, 2, 0)
    assert by_day[today - dt.timedelta(days=1)] == (3, 0, 1)
    assert sum(d.searches for d in days) == 5


def table_rows(html: str, chart_id: str) -> list[list[str]]:
    block = html[html.index(f'data-chart="{chart_id}"') :]
    table = block[block.index("<table") : block.index("</table>")]
    body = table[table.index("<tbody>") :]
    return [
        re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def bar_values(html: str, chart_id: str) -> list[str]:
    block = html[html.index(f'data-chart="{chart_id}"') :]
    svg = block[: block.index("</svg>")]
    return re.findall(r'data-value="([^"]+)"', svg)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fa"])
def test_search_report_chart_matches_its_table(client, language):
    make_search_logs("zorblax", count=2, days_ago=2)
    make_search_logs("invoice", count=3, results=4, clicks=1, days_ago=1)
    client.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    with translation.override(language):
        html = client.get(
            reverse("search_report:index"), {"days": 7}, HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    assert 'role="img"' in html and 'aria-describedby="searches-per-day-caption"' in html
    assert '<caption id="searches-per-day-caption">' in html
    assert '<th scope="col">' in html and '<th scope="row">' in html
    rows = table_rows(html, "searches-per-day")
    assert len(rows) == 7
    values = bar_values(html, "searches-per-day")
    assert len(values) == 7 * 3
    days = analytics.daily(7)
    expected = [str(v) for d in days for v in (d.searches, d.zero, d.clicked)]
    assert values == expected
    if language == "en":
        table = [cell for row in rows for cell in row[1:]]
        assert table == expected
