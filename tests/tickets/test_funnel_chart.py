"""The deflection report's funnel chart: drawn on the server beside the funnel table,
with the same numbers, in both directions."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tickets import services

pytestmark = pytest.mark.django_db


def _flow(at, *, product, outcome=None):
    flow = services.start_flow(None, product=product, at=at)
    services.record_event(flow, "shown", at=at)
    if outcome:
        services.record_event(flow, outcome, at=at)
    return flow


@pytest.mark.parametrize("language", ["en", "fa"])
def test_funnel_chart_matches_the_funnel_table(client, agent, products, language):
    now = timezone.now()
    for outcome in ("solved", "solved", "filed", None):
        _flow(now - dt.timedelta(days=2), product=products["relay"], outcome=outcome)
    client.force_login(agent)
    response = client.get("/admin/support/funnel/", {"days": 30}, HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 200
    chart = html[html.index('data-chart="funnel"') :]
    svg = chart[: chart.index("</svg>")]
    assert 'role="img"' in svg and 'aria-describedby="funnel-table-caption"' in svg
    bars = [int(v) for v in re.findall(r'data-value="(\d+)"', svg)]
    assert bars == [4, 4, 0, 2, 1]  # started, shown, opened, solved, filed
    table = chart[chart.index('<table class="listing support-funnel">') :]
    table = table[: table.index("</table>")]
    assert 'id="funnel-table-caption"' in table
    assert len(re.findall(r'<th scope="row">', table)) == len(bars)
    if language == "en":
        counts = [int(n) for n in re.findall(r"</th>\s*<td>(\d+)</td>", table)]
        assert counts == bars
