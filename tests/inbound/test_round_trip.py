"""The whole loop over real mail servers: an agent replies, the customer's email arrives
(text and HTML, with the ticket's reply address), the customer answers it from their mail
client into the support mailbox, ``fetch_support_mail`` reads it into the ticket."""

import imaplib
import io

import pytest
from django.core.management import call_command

from inbound.models import InboundMessage
from tickets import reply_address, services
from tickets.models import TicketMessage

from .mails import compose, quoted
from .servers import IMAP_PASSWORD, IMAP_USER, imap_append, imap_unseen

pytestmark = pytest.mark.django_db


def test_an_emailed_answer_lands_in_the_thread_once(
    committed, outgoing, mailbox, file_ticket, customer, agent
):
    ticket = file_ticket(customer, notify=False)
    committed(services.reply_as_agent, ticket, agent, "Please rotate the signing secret.")

    # The customer's email, as the SMTP server received it.
    [sent] = outgoing.to(customer.email)
    assert sent.get_content_type() == "multipart/alternative"
    text = sent.get_body(preferencelist=("plain",)).get_content()
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "Please rotate the signing secret." in text
    assert "Please rotate the signing secret." in html and 'dir="ltr"' in html
    assert "<link" not in html and "<img" not in html and "https://fonts" not in html
    token = reply_address.token(ticket)
    assert sent["Reply-To"] == f"support+{token}@portico.test"
    assert (
        sent["Message-ID"] == f"<ticket-{ticket.pk}.reply-{ticket.messages.get().pk}@portico.test>"
    )
    assert sent["References"] == f"<ticket-{ticket.pk}@portico.test>"

    # The customer answers it, quoting it, with a log file (kept) and a program (refused).
    answer = compose(
        sender=f"Priya <{customer.email}>",
        to=sent["Reply-To"],
        subject=f"Re: {sent['Subject']}",
        text="Rotated it, deliveries work again.\n\n"
        f"On Fri, 4 Dec 2026 at 10:00, Portico <support@portico.test> wrote:\n{quoted(text)}\n",
        attachments=[
            ("delivery.log", b"200 OK after rotation\n", "text/plain"),
            ("fix.exe", b"MZ\x90\x00", "application/octet-stream"),
        ],
        in_reply_to=sent["Message-ID"],
    )
    imap_append(*mailbox, answer)
    outgoing.clear()
    committed(call_command, "fetch_support_mail", stdout=io.StringIO())

    reply = TicketMessage.objects.get(ticket=ticket, from_agent=False)
    assert reply.author == customer and not reply.is_internal
    assert reply.body.startswith("Rotated it, deliveries work again.")
    assert "Please rotate" not in reply.body and "wrote:" not in reply.body
    assert "fix.exe" in reply.body  # named as not attached
    assert [a.name for a in reply.attachments.all()] == ["delivery.log"]
    assert reply.attachments.get().file.read() == b"200 OK after rotation\n"
    ticket.refresh_from_db()
    assert ticket.status == "open"
    # The assignee hears about it, by email, with the customer's words.
    [notice] = outgoing.to(agent.email)
    assert "Rotated it, deliveries work again." in notice.get_body(("plain",)).get_content()
    assert imap_unseen(*mailbox) == []

    # Reading the mailbox again adds nothing; the same message again is a duplicate.
    committed(call_command, "fetch_support_mail", stdout=io.StringIO())
    imap_append(*mailbox, answer)
    committed(call_command, "fetch_support_mail", stdout=io.StringIO())
    assert TicketMessage.objects.filter(ticket=ticket).count() == 2
    assert InboundMessage.objects.count() == 1
    assert len(outgoing.to(agent.email)) == 1


def test_handled_messages_can_be_moved_to_a_folder(
    committed, settings, outgoing, mailbox, products, customer
):
    host, port = mailbox
    connection = imaplib.IMAP4(host, port)
    connection.login(IMAP_USER, IMAP_PASSWORD)
    connection.create("Handled")
    connection.logout()
    settings.SUPPORT_IMAP_DONE_FOLDER = "Handled"
    imap_append(
        host,
        port,
        compose(
            sender=customer.email,
            to="support@portico.test",
            subject="Exports stop at 10,000 rows",
            text="Our CSV export always stops at exactly 10,000 rows.",
        ),
    )
    committed(call_command, "fetch_support_mail", stdout=io.StringIO())
    assert imap_unseen(host, port) == []
    assert len(imap_unseen(host, port, "Handled")) == 1
    assert InboundMessage.objects.get().outcome == "ticket"
    assert [m["To"] for m in outgoing.messages] == [customer.email]  # the receipt
