"""Customers reach only their own tickets, and internal notes never reach a customer: not on
a page, not in an email, not in a file download, not in any JSON answer."""

import pytest
from django.core import mail

from tickets import services
from tickets.models import Ticket

from .conftest import PNG, upload

pytestmark = pytest.mark.django_db

NOTE = "Zephyrquill: the customer's contract ends in March, keep this between us."


@pytest.fixture
def ticket(file_ticket, customer):
    return file_ticket(customer, files=[upload("screen.png", PNG)])


@pytest.fixture
def with_note(ticket, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_as_agent(ticket, agent, "Could you send us the request id?")
        services.add_internal_note(
            ticket, agent, NOTE, files=[upload("internal-zephyrquill.txt", b"private notes\n")]
        )
    return ticket


def customer_urls(ticket):
    number = ticket.number
    return [
        f"/support/tickets/{number}/",
    ], [
        f"/support/tickets/{number}/reply/",
        f"/support/tickets/{number}/close/",
        f"/support/tickets/{number}/reopen/",
    ]


def test_a_customer_sees_only_their_own_tickets(client, ticket, other_member, file_ticket):
    mine = file_ticket(other_member, subject="My own request about invoices")
    client.force_login(other_member)
    listing = client.get("/support/tickets/").content.decode()
    assert mine.subject in listing
    assert ticket.subject not in listing
    pages, posts = customer_urls(ticket)
    for url in pages:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"body": "Let me in"}).status_code == 404, url
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    assert not ticket.messages.exists()
    file = ticket.attachments.get()
    assert client.get(file.get_absolute_url()).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, ticket):
    pages, _posts = customer_urls(ticket)
    for url in [*pages, "/support/tickets/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]
    response = client.get(ticket.attachments.get().get_absolute_url())
    assert response.status_code == 302


def test_the_requester_sees_their_ticket_and_files(client, ticket, customer):
    client.force_login(customer)
    page = client.get(ticket.get_absolute_url())
    assert page.status_code == 200
    assert ticket.subject in page.content.decode()
    file = ticket.attachments.get()
    response = client.get(file.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert "sandbox" in response["Content-Security-Policy"]


def test_internal_notes_never_reach_the_customer_page(client, with_note, customer):
    client.force_login(customer)
    body = client.get(with_note.get_absolute_url()).content.decode()
    assert "Could you send us the request id?" in body
    assert "Zephyrquill" not in body
    assert "zephyrquill" not in body.lower()
    note_file = with_note.attachments.get(message__is_internal=True)
    assert client.get(note_file.get_absolute_url()).status_code == 404
    # Not in the list either, nor anywhere the customer can go from it.
    assert "zephyrquill" not in client.get("/support/tickets/").content.decode().lower()


def test_internal_notes_are_never_emailed(with_note, customer, agent):
    assert mail.outbox, "the public reply is emailed"
    for message in mail.outbox:
        assert "Zephyrquill" not in message.body
        assert "Zephyrquill" not in message.subject
    before = len(mail.outbox)
    # Even a task queued by hand for the note sends nothing.
    from tickets import tasks

    note = with_note.messages.get(is_internal=True)
    assert tasks.notify_customer.delay(note.pk).get() == 0
    assert tasks.notify_assignee.delay(note.pk).get() == 0
    assert len(mail.outbox) == before


def test_internal_notes_never_appear_in_json(client, with_note, customer, content, indexed):
    indexed()
    client.force_login(customer)
    response = client.post(
        "/support/new/suggest/",
        {"product": "relay", "subject": "Zephyrquill contract", "description": NOTE},
    )
    assert response.status_code == 200
    assert "zephyrquill" not in response.content.decode().lower()
    assert response["Cache-Control"] == "private, no-store"


def test_agents_see_notes_in_the_admin_and_customers_cannot_open_it(
    client, with_note, agent, customer
):
    url = f"/admin/support/tickets/edit/{with_note.pk}/"
    client.force_login(customer)
    assert client.get(url).status_code in (302, 403)
    client.force_login(agent)
    body = client.get(url).content.decode()
    assert "Zephyrquill" in body
    note_file = with_note.attachments.get(message__is_internal=True)
    assert client.get(note_file.get_absolute_url()).status_code == 200


def test_staff_without_ticket_permission_cannot_work_tickets(client, ticket, staff, editor):
    for person in (staff, editor):
        client.force_login(person)
        assert client.get("/admin/support/tickets/").status_code in (302, 403)
        assert client.get(f"/admin/support/tickets/edit/{ticket.pk}/").status_code in (302, 403)
        assert client.get("/admin/support/funnel/").status_code in (302, 403)
