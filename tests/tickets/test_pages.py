"""The customer's pages: Contact support (step 1 and 2), sign-in without losing the draft,
My tickets with replies, close and reopen; links from every page; fixed query counts."""

import pytest
from django.contrib.messages import get_messages

from tickets import flow as flows
from tickets import services
from tickets.models import Ticket

from .conftest import PNG, upload

pytestmark = pytest.mark.django_db

PROBLEM = {
    "product": "relay",
    "subject": "Webhook signature fails",
    "description": "Every delivery fails the signature check since Monday.",
}


def set_draft(client, **draft):
    session = client.session
    session[flows.DRAFT_KEY] = {**PROBLEM, **draft}
    session.save()


def test_every_page_links_to_contact_support(client, home):
    body = client.get("/").content.decode()
    assert 'href="/support/new/"' in body
    footer = body[body.index('<footer class="site-footer">') :]
    assert 'href="/support/new/"' in footer


def test_step_one_is_accessible(client, products):
    response = client.get("/support/new/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="status" aria-live="polite"' in body
    assert 'id="support-suggestions"' in body
    assert 'aria-controls="support-suggestions"' in body
    for name in ("Ledger", "Relay", "Atlas"):
        assert f">{name}</label>" in body
    assert 'aria-current="step"' in body
    assert "js/support.js" in body


def test_a_search_can_prefill_step_one(client, products):
    body = client.get("/support/new/", {"q": "invoice reverse charge"}).content.decode()
    assert 'value="invoice reverse charge"' in body
    # Reading the page starts no session; the search is remembered with the draft.
    assert flows.SEARCHES_KEY not in client.session
    assert '<input type="hidden" name="searched" value="invoice reverse charge">' in body
    client.post(
        "/support/new/",
        {"subject": "invoice reverse charge", "searched": "invoice reverse charge"},
    )
    # The flow that starts with the draft records what was searched before it.
    from tickets.models import FlowQuery

    assert FlowQuery.objects.filter(
        source=FlowQuery.Source.SITE_SEARCH, text="invoice reverse charge"
    ).exists()


def test_without_javascript_the_server_shows_suggestions(client, content, indexed):
    indexed()
    response = client.post("/support/new/", {**PROBLEM, "action": "suggest"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Verify webhook signatures" in body
    assert 'action="/support/new/solved/"' in body
    assert "This solved my problem" in body
    assert "1 suggested answer below" in body or "suggested answers below" in body


def test_continuing_needs_a_product_and_a_subject(client, products):
    response = client.post("/support/new/", {"subject": "", "action": "continue"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose the product your request is about." in body
    assert "Please correct the errors below" in body


def test_step_two_needs_step_one(client, customer, products):
    client.force_login(customer)
    response = client.get("/support/new/details/")
    assert response.status_code == 302 and response["Location"].endswith("/support/new/")


def test_anonymous_visitors_sign_in_without_losing_the_draft(client, customer, products):
    response = client.post("/support/new/", {**PROBLEM, "action": "continue"})
    assert response["Location"].endswith("/support/new/details/")
    page = client.get("/support/new/details/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Sign in to send your request" in body
    assert "/account/login/?next=/support/new/details/" in body
    assert "/account/signup/?next=/support/new/details/" in body
    assert PROBLEM["subject"] in body
    # Signing in through the real allauth form keeps the session's draft.
    response = client.post(
        "/account/login/?next=/support/new/details/",
        {"login": customer.email, "password": "correct horse battery"},
    )
    assert response.status_code == 302 and response["Location"] == "/support/new/details/"
    body = client.get("/support/new/details/").content.decode()
    assert 'value="Webhook signature fails"' in body
    assert "Every delivery fails the signature check since Monday." in body
    assert '<option value="relay" selected>' in body


def test_filing_a_ticket(client, customer, products):
    client.force_login(customer)
    set_draft(client)
    response = client.post(
        "/support/new/details/",
        {
            **PROBLEM,
            "priority": "3",
            "categories": ["integration", "bug"],
            "attachments": [upload("screen.png", PNG), upload("relay.log", b"401 401 401\n")],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    assert ticket.requester == customer
    assert ticket.priority == Ticket.Priority.HIGH and ticket.status == Ticket.Status.NEW
    assert sorted(t.name for t in ticket.tags.all()) == ["bug", "integration"]
    assert ticket.attachments.count() == 2
    assert ticket.number == 1001
    assert flows.DRAFT_KEY not in client.session
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Your request #1001 is sent" in body
    assert "API and integrations" in body and "Something is broken" in body
    assert "data-support-clear" in body
    # The next ticket gets the next number.
    set_draft(client)
    client.post("/support/new/details/", {**PROBLEM, "priority": "2"})
    assert list(Ticket.objects.order_by("number").values_list("number", flat=True)) == [
        1001,
        1002,
    ]


def test_categories_must_come_from_the_list(client, customer, products):
    client.force_login(customer)
    set_draft(client)
    response = client.post(
        "/support/new/details/", {**PROBLEM, "priority": "2", "categories": ["vip"]}
    )
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_filing_is_rate_limited(client, customer, products, settings):
    settings.TICKETS_PER_HOUR = 1
    client.force_login(customer)
    for expected in (302, 429):
        set_draft(client)
        response = client.post("/support/new/details/", {**PROBLEM, "priority": "2"})
        assert response.status_code == expected
    assert Ticket.objects.count() == 1
    assert "requests in the last hour" in response.content.decode()


def test_restart_clears_the_draft(client, products):
    set_draft(client)
    response = client.post("/support/new/restart/")
    assert response.status_code == 302
    assert flows.DRAFT_KEY not in client.session


def test_my_tickets_list_and_filters(client, home, customer, agent, file_ticket):
    open_one = file_ticket(customer, subject="Webhook deliveries fail again")
    done = file_ticket(customer, subject="Invoice prefix question")
    services.reply_as_agent(done, agent, "Yes you can.", status="solved")
    client.force_login(customer)
    body = client.get("/support/tickets/").content.decode()
    assert open_one.subject in body and done.subject in body
    assert "Support requests" in body  # the account navigation
    body = client.get("/support/tickets/", {"show": "open"}).content.decode()
    assert open_one.subject in body and done.subject not in body
    body = client.get("/support/tickets/", {"show": "closed"}).content.decode()
    assert done.subject in body and open_one.subject not in body
    assert 'href="/support/tickets/"' in client.get("/").content.decode()


def test_reply_close_and_reopen(client, customer, agent, file_ticket):
    ticket = file_ticket(customer)
    services.reply_as_agent(ticket, agent, "Which endpoint?", status="pending")
    client.force_login(customer)
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert "Which endpoint?" in body and "Waiting for your reply" in body
    response = client.post(
        f"/support/tickets/{ticket.number}/reply/",
        {"body": "The staging one.", "attachments": [upload("shot.png", PNG)]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    reply = ticket.messages.get(from_agent=False)
    assert reply.attachments.count() == 1
    client.post(f"/support/tickets/{ticket.number}/close/")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.closed_at
    response = client.post(f"/support/tickets/{ticket.number}/reply/", {"body": "Hello?"})
    assert response.status_code == 403
    client.post(f"/support/tickets/{ticket.number}/reopen/")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.closed_at is None
    changes = list(ticket.changes.values_list("field", "old_value", "new_value", "actor"))
    assert ("status", "closed", "open", customer.pk) in changes


def test_an_empty_reply_is_refused_and_kept(client, customer, file_ticket):
    ticket = file_ticket(customer)
    client.force_login(customer)
    response = client.post(f"/support/tickets/{ticket.number}/reply/", {"body": "   "})
    assert response.status_code == 400
    assert not ticket.messages.exists()


def test_solved_page_needs_a_solution(client, home):
    response = client.get("/support/new/done/")
    assert response.status_code == 302


def test_index_goes_where_it_helps(client, customer, file_ticket, products):
    assert client.get("/support/")["Location"].endswith("/support/new/")
    file_ticket(customer)
    client.force_login(customer)
    assert client.get("/support/")["Location"].endswith("/support/tickets/")


# --- Query counts ---------------------------------------------------------------------


def _count(client, url, django_assert_max_num_queries, limit):
    client.get(url)
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_ticket_pages_have_a_fixed_query_count(
    client, customer, agent, file_ticket, django_assert_max_num_queries
):
    ticket = file_ticket(customer, files=[upload("a.png", PNG)])
    services.reply_as_agent(ticket, agent, "First answer.", files=[upload("b.png", PNG)])
    client.force_login(customer)
    detail, listing = ticket.get_absolute_url(), "/support/tickets/"
    small = {
        url: _count(client, url, django_assert_max_num_queries, 14) for url in (detail, listing)
    }
    for n in range(5):
        services.reply_as_customer(
            ticket, customer, f"More detail {n}.", files=[upload("c.png", PNG)]
        )
        services.add_internal_note(ticket, agent, f"Note {n}")
        file_ticket(customer, subject=f"Another request number {n}")
    large = {
        url: _count(client, url, django_assert_max_num_queries, 14) for url in (detail, listing)
    }
    assert large == small


def test_step_one_has_a_small_query_count(client, products, django_assert_max_num_queries):
    client.get("/support/new/")
    with django_assert_max_num_queries(6):
        client.get("/support/new/")


def test_messages_are_plain_text(client, customer, agent, file_ticket):
    ticket = file_ticket(customer, description="<script>alert(1)</script> see **bold** text")
    client.force_login(customer)
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert list(get_messages(client.get(ticket.get_absolute_url()).wsgi_request)) == []
