"""The deflection funnel: each event is recorded once per flow, with its product and the
person's granted segments; the report counts flows and the deflection rate."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import grant
from tickets import reports, services
from tickets.models import FlowQuery, FlowSuggestion, FunnelEvent, SupportFlow, Ticket

pytestmark = pytest.mark.django_db

PROBLEM = {"product": "relay", "subject": "Webhook signature fails", "description": ""}


def events(flow=None):
    qs = FunnelEvent.objects.all() if flow is None else flow.events.all()
    return sorted(qs.values_list("name", flat=True))


@pytest.fixture
def typed(client, content, indexed):
    """Type a problem twice (the script asks again as the person types)."""
    indexed()

    def _typed(**overrides):
        data = {**PROBLEM, **overrides}
        first = client.post("/support/new/suggest/", {**data, "subject": data["subject"][:12]})
        second = client.post("/support/new/suggest/", data)
        assert first.status_code == second.status_code == 200
        return second.json()["results"]

    return _typed


def test_typing_starts_one_flow_and_shows_suggestions_once(client, typed, products):
    results = typed()
    assert results, "the fixture content matches the problem"
    flow = SupportFlow.objects.get()
    assert events(flow) == ["shown", "started"]
    assert flow.product == products["relay"]
    assert list(flow.queries.values_list("text", flat=True)) == [
        "Webhook sign",
        "Webhook signature fails",
    ]
    keys = {item["key"] for item in results}
    assert set(flow.suggestions.values_list("key", flat=True)) >= keys
    typed()  # more typing, same flow, nothing new in the funnel
    assert SupportFlow.objects.count() == 1
    assert events(flow) == ["shown", "started"]


def test_too_short_a_description_starts_nothing(client, home):
    response = client.post("/support/new/suggest/", {"subject": "ab"})
    assert response.json()["results"] == []
    assert not SupportFlow.objects.exists()


def test_opening_a_suggestion_is_recorded_once_and_keeps_the_draft(client, typed):
    results = typed()
    first, second = results[0], results[1]
    response = client.get(first["url"])
    assert response.status_code == 302
    assert response["Location"] == FlowSuggestion.objects.get(key=first["key"]).url
    client.get(second["url"])
    client.get(first["url"])
    flow = SupportFlow.objects.get()
    assert events(flow) == ["opened", "shown", "started"]
    assert flow.events.get(name="opened").item_key == first["key"]
    assert flow.suggestions.filter(opened_at__isnull=False).count() == 2
    # Coming back: the draft and the suggestions are there again, the flow goes on.
    page = client.get("/support/new/").content.decode()
    assert 'value="Webhook signature fails"' in page
    assert first["title"] in page
    assert SupportFlow.objects.count() == 1


def test_a_suggestion_not_shown_in_this_flow_cannot_be_opened_or_solve(client, typed, content):
    typed()
    response = client.get(f"/support/new/open/article:{content['restricted'].pk}/")
    assert response.status_code == 302 and response["Location"].endswith("/support/new/")
    response = client.post("/support/new/solved/", {"key": "article:999999"})
    assert response.status_code == 302
    assert "solved" not in events()


def test_solved_ends_the_flow_once(client, typed):
    results = typed()
    client.get(results[0]["url"])
    response = client.post("/support/new/solved/", {"key": results[0]["key"]})
    assert response.status_code == 302 and response["Location"].endswith("/support/new/done/")
    done = client.get(response["Location"])
    assert results[0]["title"] in done.content.decode()
    flow = SupportFlow.objects.get()
    assert flow.outcome == SupportFlow.Outcome.SOLVED
    assert flow.solved_by == results[0]["key"]
    assert events(flow) == ["opened", "shown", "solved", "started"]
    # Posting again finds no flow (it ended): nothing more is recorded.
    client.post("/support/new/solved/", {"key": results[0]["key"]})
    assert events(flow) == ["opened", "shown", "solved", "started"]
    # The next visit is a new flow with an empty draft.
    assert 'value="Webhook signature fails"' not in client.get("/support/new/").content.decode()
    typed()
    assert SupportFlow.objects.count() == 2


def test_filing_records_ticket_filed_once_and_links_the_flow(client, typed, customer, products):
    client.force_login(customer)
    results = typed()
    client.get(results[0]["url"])
    response = client.post("/support/new/", {**PROBLEM, "action": "continue"})
    assert response.status_code == 302 and response["Location"].endswith("/support/new/details/")
    response = client.post(
        "/support/new/details/",
        {
            "product": "relay",
            "subject": "Webhook signature fails",
            "description": "Every delivery fails the signature check since Monday.",
            "priority": "3",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    flow = SupportFlow.objects.get()
    assert ticket.flow == flow
    assert flow.outcome == SupportFlow.Outcome.TICKET and flow.user == customer
    assert events(flow) == ["filed", "opened", "shown", "started"]
    # What the customer tried is linked to the ticket for the agent.
    assert ticket.flow.queries.filter(text="Webhook signature fails").exists()
    assert ticket.flow.suggestions.filter(opened_at__isnull=False).exists()


def test_events_carry_product_and_granted_segments(client, typed, customer, products):
    stage = products["relay"].__class__.objects.create(kind="stage", slug="active", name="Active")
    grant(customer, products["relay"])
    grant(customer, stage)
    client.force_login(customer)
    typed()
    flow = SupportFlow.objects.get()
    assert set(flow.segments.all()) == {products["relay"], stage}
    assert set(flow.events.values_list("product__slug", flat=True)) == {"relay"}


def test_an_anonymous_flow_becomes_the_members_after_sign_in(client, typed, customer):
    typed()
    client.force_login(customer)  # Django keeps the session's data across sign-in
    client.get("/support/new/")
    flow = SupportFlow.objects.get()
    assert flow.user == customer


def test_a_site_search_before_contact_support_is_linked(client, typed, home, customer):
    client.force_login(customer)
    client.get("/search/", {"q": "webhook 401"})
    typed()
    flow = SupportFlow.objects.get()
    assert flow.queries.filter(source=FlowQuery.Source.SITE_SEARCH, text="webhook 401").exists()


def test_an_idle_flow_is_not_continued(client, typed, settings):
    typed()
    SupportFlow.objects.update(last_seen_at=timezone.now() - dt.timedelta(hours=25))
    typed()
    assert SupportFlow.objects.count() == 2
    assert FunnelEvent.objects.filter(name="started").count() == 2


def test_record_event_is_idempotent(home):
    flow = services.start_flow(None)
    assert not services.record_event(flow, FunnelEvent.Name.STARTED)
    assert services.record_event(flow, FunnelEvent.Name.SHOWN)
    assert not services.record_event(flow, FunnelEvent.Name.SHOWN)
    assert events(flow) == ["shown", "started"]


def test_suggestions_shown_again_are_counted_in_the_database(home):
    from tickets.deflection import Suggestion

    def shown(*keys):
        return [Suggestion("article", key, f"/kb/{key}/", "", f"article:{key}") for key in keys]

    flow = services.start_flow(None)
    services.record_suggestions(flow, "webhook secret", shown("a", "b"))
    services.record_suggestions(flow, "webhook secret rotated", shown("b"))
    services.record_suggestions(flow, "webhook secret rotated again", shown("a", "b"))
    rows = {row.key: row for row in FlowSuggestion.objects.filter(flow=flow)}
    assert (rows["article:a"].times_shown, rows["article:a"].best_rank) == (2, 1)
    assert (rows["article:b"].times_shown, rows["article:b"].best_rank) == (3, 1)


# --- The report -----------------------------------------------------------------------


def _flow(at, *, product=None, outcome=None, user=None):
    flow = services.start_flow(user, product=product, at=at)
    services.record_event(flow, "shown", at=at)
    if outcome:
        services.record_event(flow, outcome, at=at)
    return flow


def test_report_counts_flows_and_the_deflection_rate(products, customer):
    now = timezone.now()
    relay, ledger = products["relay"], products["ledger"]
    for _ in range(3):
        _flow(now - dt.timedelta(days=2), product=relay, outcome="solved")
    _flow(now - dt.timedelta(days=2), product=relay, outcome="filed")
    _flow(now - dt.timedelta(days=9), product=ledger, outcome="filed")
    _flow(now - dt.timedelta(days=9), product=ledger)  # left without either
    _flow(now - dt.timedelta(days=200), product=ledger, outcome="solved")  # outside 90 days
    report = reports.build_report(days=90)
    counts = {stage.name: stage.count for stage in report.stages}
    assert counts == {"started": 6, "shown": 6, "opened": 0, "solved": 3, "filed": 2}
    assert report.deflection_rate == 60.0
    assert report.abandoned == 1
    assert sum(week.started for week in report.weeks) == 6
    by_product = {row.label: row for row in report.by_product}
    assert by_product["Relay"].rate == 75.0
    assert by_product["Ledger"].rate == 0.0
    only_relay = reports.build_report(days=90, product=relay)
    assert only_relay.started == 4 and only_relay.deflection_rate == 75.0
    assert reports.build_report(days=365).started == 7


def test_report_view_draws_the_chart(client, agent, products):
    now = timezone.now()
    _flow(now - dt.timedelta(days=1), product=products["atlas"], outcome="solved")
    _flow(now - dt.timedelta(days=15), product=products["atlas"], outcome="filed")
    client.force_login(agent)
    response = client.get("/admin/support/funnel/", {"days": 30})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and "<polyline" in body
    assert "50.0 %" in body
    assert client.get("/admin/support/funnel/", {"days": "x", "product": "y"}).status_code == 200


def test_report_query_count_is_fixed(client, agent, products, django_assert_max_num_queries):
    now = timezone.now()
    client.force_login(agent)
    client.get("/admin/support/funnel/")
    for n in range(12):
        _flow(now - dt.timedelta(days=n * 3), product=products["relay"], outcome="filed")
    with django_assert_max_num_queries(25):
        assert client.get("/admin/support/funnel/").status_code == 200
