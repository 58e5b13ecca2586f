"""Emails go to the right people: the customer on every public reply (never an internal
note), the assignee on every customer reply, the customer a receipt for a new request."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tickets import services, tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a write queued for after its commit (the emails), like production does."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def test_filing_sends_the_customer_a_receipt(committed, file_ticket, customer):
    ticket = committed(file_ticket, customer)
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [customer.email]
    assert ticket.reference in receipt.subject
    assert ticket.description in receipt.body
    assert ticket.get_absolute_url() in receipt.body
    # Retrying the task sends nothing more.
    assert tasks.confirm_ticket.delay(ticket.pk).get() == 0
    assert len(mail.outbox) == 1


def test_every_public_reply_emails_the_customer(committed, file_ticket, customer, agent):
    ticket = file_ticket(customer, notify=False)
    committed(services.reply_as_agent, ticket, agent, "Please rotate the secret and retry.")
    committed(services.reply_as_agent, ticket, agent, "Any news on your side?")
    assert [m.to for m in mail.outbox] == [[customer.email], [customer.email]]
    assert "Please rotate the secret and retry." in mail.outbox[0].body
    assert mail.outbox[0].subject.startswith("[Portico] Re: [#")
    assert "Any news on your side?" in mail.outbox[1].body


def test_internal_notes_email_nobody(committed, file_ticket, customer, agent, second_agent):
    ticket = file_ticket(customer, notify=False)
    services.assign(ticket, agent, second_agent)
    committed(services.add_internal_note, ticket, agent, "Customer is on the legacy plan.")
    assert mail.outbox == []


def test_a_customer_reply_emails_the_assignee_only(
    committed, file_ticket, customer, agent, second_agent
):
    ticket = file_ticket(customer, notify=False)
    committed(services.reply_as_customer, ticket, customer, "Nobody answered yet.")
    assert mail.outbox == [], "no assignee, nobody to tell (the queue shows it)"
    services.assign(ticket, agent, second_agent)
    message = committed(services.reply_as_customer, ticket, customer, "Here is the request id.")
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == [second_agent.email]
    assert "Here is the request id." in notice.body
    assert f"/admin/support/tickets/edit/{ticket.pk}/" in notice.body
    assert customer.email not in notice.to
    # Idempotent: a retried task does not email twice.
    assert tasks.notify_assignee.delay(message.pk).get() == 0
    assert len(mail.outbox) == 1


def test_an_agents_own_public_reply_does_not_notify_the_assignee(
    committed, file_ticket, customer, agent
):
    ticket = file_ticket(customer, notify=False)
    services.assign(ticket, agent, agent)
    committed(services.reply_as_agent, ticket, agent, "Looking into it.")
    assert [m.to for m in mail.outbox] == [[customer.email]]


def test_unverified_or_inactive_customers_get_no_email(committed, file_ticket, customer, agent):
    ticket = file_ticket(customer, notify=False)
    EmailAddress.objects.filter(user=customer).update(verified=False)
    committed(services.reply_as_agent, ticket, agent, "Hello?")
    assert mail.outbox == []
    EmailAddress.objects.filter(user=customer).update(verified=True)
    customer.is_active = False
    customer.save()
    committed(services.reply_as_agent, ticket, agent, "Hello again?")
    assert mail.outbox == []


def test_nothing_is_sent_for_a_write_that_rolls_back(
    file_ticket, customer, agent, django_capture_on_commit_callbacks
):
    from django.db import transaction

    ticket = file_ticket(customer, notify=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.reply_as_agent(ticket, agent, "This never happened.")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
