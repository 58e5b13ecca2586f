"""Agents see customer satisfaction: a badge in the queue, the rating and its comment on
the ticket, a "rated bad" filter (and saved view), and the CSAT report's figures."""

import datetime as dt

import pytest
from django.utils import timezone

from tickets import satisfaction_report, services
from tickets.models import SatisfactionRating
from tickets.workspace import clean_filters

pytestmark = pytest.mark.django_db

QUEUE = "/admin/support/tickets/"
REPORT = "/admin/support/satisfaction/"
Source = SatisfactionRating.Source


@pytest.fixture
def rated(file_ticket, customer, other_member, agent, second_agent, products):
    """Three solved requests: good (agent, relay), bad with a comment (agent, relay), bad
    (second agent, ledger); and one solved but not rated."""

    def solve(requester, subject, solver, product):
        ticket = file_ticket(requester, subject=subject, product=products[product], notify=False)
        services.reply_as_agent(ticket, solver, "Done.", status="solved", notify=False)
        return ticket

    good = solve(customer, "Exports are slow today", agent, "relay")
    bad = solve(customer, "Invoices show the wrong VAT", agent, "relay")
    other_bad = solve(other_member, "Cannot sign in with SSO", second_agent, "ledger")
    unrated = solve(other_member, "Webhook retries question", agent, "relay")
    services.rate_ticket(good, customer, "good", "Great help", source=Source.PORTAL)
    services.rate_ticket(bad, customer, "bad", "Took a week to answer", source=Source.EMAIL)
    services.rate_ticket(other_bad, other_member, "bad", source=Source.API)
    return {"good": good, "bad": bad, "other_bad": other_bad, "unrated": unrated}


def test_the_queue_shows_ratings_and_filters_the_bad_ones(client, agent, rated):
    client.force_login(agent)
    body = client.get(QUEUE).content.decode()
    assert body.count("support-rating-badge--good") == 1
    assert body.count("support-rating-badge--bad") == 2
    assert "Rated bad" in body
    body = client.get(QUEUE, {"rating": "bad"}).content.decode()
    assert rated["bad"].subject in body and rated["other_bad"].subject in body
    assert rated["good"].subject not in body and rated["unrated"].subject not in body
    body = client.get(QUEUE, {"rating": "none"}).content.decode()
    assert rated["unrated"].subject in body and rated["bad"].subject not in body
    # A saved view keeps the filter, and counts it.
    assert clean_filters({"rating": "bad"}) == {"rating": "bad"}
    assert clean_filters({"rating": "awful"}) == {}
    view = services.save_view(agent, "Unhappy customers", {"rating": "bad"})
    from tickets.workspace import view_counts

    assert view_counts([view], agent) == {view.pk: 2}


def test_the_ticket_page_shows_the_rating_with_its_comment(client, agent, rated):
    client.force_login(agent)
    body = client.get(f"/admin/support/tickets/edit/{rated['bad'].pk}/").content.decode()
    assert "data-support-rating" in body
    assert "Rated bad" in body and "Took a week to answer" in body
    assert "Solved by Sam Agent" in body
    body = client.get(f"/admin/support/tickets/edit/{rated['unrated'].pk}/").content.decode()
    assert "data-support-rating" not in body


def test_the_report_figures(client, agent, second_agent, rated):
    today = timezone.localdate()
    report = satisfaction_report.build_report(today - dt.timedelta(days=6), today)
    assert (report.total.good, report.total.bad, report.total.share) == (1, 2, 33.3)
    by_agent = {row.label: (row.good, row.bad) for row in report.by_agent}
    assert by_agent == {"Sam Agent": (1, 1), "Rita Agent": (0, 1)}
    by_product = {row.label: (row.good, row.bad, row.share) for row in report.by_product}
    assert by_product == {"Relay": (1, 1, 50.0), "Ledger": (0, 1, 0.0)}
    assert [r.ticket for r in report.recent_bad] == [rated["other_bad"], rated["bad"]]
    assert sum(week["good"] + week["bad"] for week in report.weeks) == 3
    # A range before the ratings holds none.
    earlier = satisfaction_report.build_report(
        today - dt.timedelta(days=60), today - dt.timedelta(days=30)
    )
    assert earlier.total.total == 0 and earlier.total.share is None

    client.force_login(agent)
    response = client.get(REPORT)
    assert response.status_code == 200
    body = response.content.decode()
    assert "33.3 %" in body
    assert "Took a week to answer" in body
    assert "<svg" in body and "csat-weeks-caption" in body
    # Odd dates fall back to the default range; a reversed range is put right.
    assert client.get(REPORT, {"from": "yesterday", "to": "2026-13-45"}).status_code == 200
    start, end = satisfaction_report.date_range("2026-03-10", "2026-03-01")
    assert (start, end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 10))


def test_customers_and_other_staff_cannot_open_the_report(client, customer, staff, rated):
    client.force_login(customer)
    assert client.get(REPORT).status_code in (302, 403)
    client.force_login(staff)
    assert client.get(REPORT).status_code in (302, 403)
