"""With search down, Contact support still files tickets: ``suggest_answers`` contains the
outage (logs a warning, answers ``[]``) and no page shows an error.

The outage is real, at two levels, so the test keeps working whichever source the adapter
uses: the site's search points at an OpenSearch nobody listens on (port 9, "discard"),
and the database tables the suggestions come from refuse every query (through Django's
``execute_wrapper``, the documented hook on a connection). Nothing in the project is
replaced or mocked.
"""

import logging

import pytest
from django.db import OperationalError, connection

from tickets.deflection import suggest_answers
from tickets.models import FunnelEvent, SupportFlow, Ticket

pytestmark = pytest.mark.django_db

CONTENT_TABLES = ('FROM "kb_articlepage"', 'FROM "forum_question"', 'FROM "forum_answer"')


class ContentStoreDown:
    """Every query that reads articles or questions fails, as with a lost replica."""

    def __init__(self):
        self.refused = 0

    def __call__(self, execute, sql, params, many, context):
        if any(table in sql for table in CONTENT_TABLES):
            self.refused += 1
            raise OperationalError("could not connect to the content database")
        return execute(sql, params, many, context)


@pytest.fixture
def search_down(settings, content):
    from search.backends import reset_backends

    settings.SEARCH_BACKEND = "opensearch"
    settings.OPENSEARCH_URL = "http://127.0.0.1:9"
    settings.SEARCH_TIMEOUT = 0.5
    settings.SEARCH_MAX_RETRIES = 0
    reset_backends()
    store = ContentStoreDown()
    with connection.execute_wrapper(store):
        yield store
    reset_backends()


def test_the_adapter_contains_the_outage_and_logs_it(search_down, customer, caplog):
    with caplog.at_level(logging.WARNING, logger="tickets.deflection"):
        assert suggest_answers("webhook signature fails", customer, product="relay") == []
    warnings = [r for r in caplog.records if r.name == "tickets.deflection"]
    assert warnings and warnings[0].levelno == logging.WARNING
    assert "support continues without them" in warnings[0].getMessage()


def test_with_search_down_a_ticket_is_still_filed(client, search_down, customer, products, caplog):
    client.force_login(customer)
    problem = {
        "product": "relay",
        "subject": "Webhook signature fails",
        "description": "Every delivery fails the signature check since Monday.",
    }
    with caplog.at_level(logging.WARNING, logger="tickets.deflection"):
        suggested = client.post("/support/new/suggest/", problem)
        assert suggested.status_code == 200
        assert suggested.json()["results"] == []
        assert client.get("/support/new/").status_code == 200
        response = client.post("/support/new/", {**problem, "action": "continue"})
        assert response.status_code == 302
        assert client.get("/support/new/details/").status_code == 200
        response = client.post("/support/new/details/", {**problem, "priority": "4"})
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.priority == Ticket.Priority.URGENT
    assert client.get(response["Location"]).status_code == 200
    flow = SupportFlow.objects.get()
    assert flow.outcome == SupportFlow.Outcome.TICKET
    names = set(flow.events.values_list("name", flat=True))
    assert names == {FunnelEvent.Name.STARTED, FunnelEvent.Name.FILED}
    assert any(r.name == "tickets.deflection" for r in caplog.records), "the outage is logged"


def test_the_step_one_page_without_javascript_survives_the_outage(client, search_down):
    response = client.post(
        "/support/new/",
        {"product": "relay", "subject": "Webhook signature fails", "action": "suggest"},
    )
    assert response.status_code == 200
    assert "Nothing in the knowledge base or the community matches yet" in (
        response.content.decode()
    )
