"""``{% bar_chart %}``: an inline SVG bar chart with its data table (``core.charts``)."""

from django import template
from django.utils.translation import get_language_bidi

from core.charts import bar_chart as build

register = template.Library()


@register.inclusion_tag("core/admin/bar_chart.html")
def bar_chart(
    items,
    *,
    label,
    values,
    caption,
    title="",
    table=True,
    chart_id="chart",
    described_by="",
    **names,
):
    """A chart of ``items``: categories from the attribute (or key) ``label``, one series
    per attribute in ``values`` (comma-separated), named by ``name1``, ``name2``, …
    With ``table=False`` the page already shows the same numbers in the table whose id is
    ``described_by``.

    ``{% bar_chart days label="day" values="searches,zero" name1=_("Searches")
    name2=_("Without results") caption=_("Searches per day") chart_id="searches" %}``
    """

    def get(item, attr):
        return item[attr] if isinstance(item, dict) else getattr(item, attr)

    items = list(items)
    keys = [key.strip() for key in values.split(",") if key.strip()]
    series = [
        (key, names.get(f"name{n}", key), [get(item, key) or 0 for item in items])
        for n, key in enumerate(keys, start=1)
    ]
    chart = build([get(item, label) for item in items], series, rtl=get_language_bidi())
    return {
        "chart": chart,
        "caption": caption,
        "title": title or caption,
        "table": table,
        "chart_id": chart_id,
        "described_by": described_by or (f"{chart_id}-caption" if table else ""),
        "category_heading": names.get("category", ""),
    }
