"""Every ticket email goes out as text and HTML, in the portal's look and the recipient's
language and direction, with nothing loaded from elsewhere."""

import re

import pytest
from django.core import mail

from tickets import reply_address, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def assert_self_contained(html: str) -> None:
    assert "<link" not in html and "<script" not in html and "<style" not in html
    assert not re.search(r"<img|url\(|@import|fonts\.", html)


def test_every_ticket_email_has_an_html_part(committed, file_ticket, customer, agent, second_agent):
    ticket = committed(file_ticket, customer)
    services.assign(ticket, agent, second_agent)
    committed(services.reply_as_agent, ticket, agent, "Rotate the <secret> & retry.")
    committed(services.reply_as_customer, ticket, customer, "Done, thanks.")
    receipt, reply, notice = mail.outbox
    assert notice.to == [second_agent.email]
    for message in (receipt, reply, notice):
        html = html_of(message)
        assert_self_contained(html)
        assert 'lang="en" dir="ltr"' in html and ticket.reference in html
    assert "Rotate the &lt;secret&gt; &amp; retry." in html_of(reply)  # escaped, never markup
    assert "Done, thanks." in html_of(notice)
    assert ticket.get_absolute_url() in html_of(reply)


def test_persian_emails_are_right_to_left(committed, file_ticket, customer, agent):
    customer.language = "fa"
    customer.save(update_fields=["language"])
    ticket = committed(file_ticket, customer, language="fa")
    committed(services.reply_as_agent, ticket, agent, "لطفاً کلید را عوض کنید.")
    for message in mail.outbox:
        html = html_of(message)
        assert 'lang="fa" dir="rtl"' in html
        assert "لطفاً" in html or ticket.description in html
    assert mail.outbox[1].body.startswith("سلام")


def test_romanian_emails(committed, file_ticket, customer, agent):
    customer.language = "ro"
    customer.save(update_fields=["language"])
    ticket = committed(file_ticket, customer, language="ro")
    committed(services.reply_as_agent, ticket, agent, "Vă rugăm să reîncercați.")
    assert all('lang="ro" dir="ltr"' in html_of(m) for m in mail.outbox)


def test_customer_emails_carry_the_reply_address_and_thread(
    committed, settings, file_ticket, customer, agent
):
    settings.SUPPORT_EMAIL_ADDRESS = "help@portico.test"
    ticket = committed(file_ticket, customer)
    committed(services.reply_as_agent, ticket, agent, "Please retry.")
    receipt, reply = mail.outbox
    address = f"help+{reply_address.token(ticket)}@portico.test"
    assert receipt.reply_to == reply.reply_to == [address]
    root = receipt.extra_headers["Message-ID"]
    assert reply.extra_headers["In-Reply-To"] == reply.extra_headers["References"] == root
    assert "You can answer this email directly" in reply.body
    # The token belongs to this ticket and this requester only.
    assert reply_address.find_token([address.upper()]) == (
        ticket.pk,
        reply_address.token(ticket).split("-")[1],
    )
    assert reply_address.verify(ticket, reply_address.token(ticket).split("-")[1])
    ticket.requester_id = agent.pk
    signature = address.split("-")[1].split("@")[0]
    assert not reply_address.verify(ticket, signature)
