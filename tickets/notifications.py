"""Support emails: the customer hears about every public reply, the assignee about every
customer reply, and the customer gets a receipt for a new request.

Internal notes are never emailed: every function re-reads the message and sends nothing
for a note, whatever queued it. Customers are emailed only at a verified address of an
active account. Each email is sent once: the message (or ticket) records when it went out,
in the same transaction as the email leaves (``core.mail.send_once``), so a retried task
does not send it twice. Emails are written in each recipient's language, as text and HTML
(``templates/tickets/email/*.txt`` and ``*.html``, on ``email/base.html``).

Emails to the customer carry the ticket's reply address (``tickets.reply_address``) as
their ``Reply-To`` when support by email is on, and every email of a ticket threads under
the receipt's Message-ID. A request that came in by email is answered at the address it
came from, verified or not: the customer wrote from it.
"""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import mail

from . import reply_address
from .models import Ticket, TicketMessage

logger = logging.getLogger(__name__)


def _verified(user) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def can_email(user, *, verified_only: bool) -> bool:
    """Whether ``user`` may get an email: an active account with an address, verified
    where ``verified_only`` (every email to a customer asks for that, but for requests
    that came in by email)."""
    if user is None or not user.is_active or not user.email:
        return False
    return not verified_only or _verified(user)


def _customer_can_be_emailed(ticket: Ticket) -> bool:
    return can_email(ticket.requester, verified_only=ticket.source != Ticket.Source.EMAIL)


def _threading(ticket: Ticket, local: str) -> dict:
    """``thread_id``/``references`` for an email about ``ticket`` (the receipt is the root)."""
    root = reply_address.thread_root(ticket)
    if not local:
        return {"thread_id": root}
    return {"thread_id": mail.message_id(f"ticket-{ticket.pk}.{local}"), "references": [root]}


def _mark_notified(message: TicketMessage) -> bool:
    """Record that ``message``'s email went out; ``False`` if it already had."""
    unsent = TicketMessage.objects.filter(pk=message.pk, notified_at__isnull=True)
    return unsent.update(notified_at=timezone.now()) == 1


def _attachment_names(message: TicketMessage) -> list[str]:
    return [attachment.name for attachment in message.attachments.all()]


def send_customer_reply(message_id: int) -> int:
    """Email the requester a public reply from the support team."""
    with transaction.atomic():
        message = (
            TicketMessage.objects.select_for_update(of=("self",))
            .select_related("ticket__requester", "ticket__product", "author")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.is_internal or not message.from_agent:
            return 0
        if message.notified_at is not None:
            return 0
        ticket = message.ticket
        requester = ticket.requester
        if not _customer_can_be_emailed(ticket):
            return 0
        email = mail.build_email(
            requester,
            subject=_("Re: [%(ref)s] %(subject)s"),
            subject_params={"ref": ticket.reference, "subject": ticket.subject},
            template="tickets/email/agent_reply.txt",
            html_template="tickets/email/agent_reply.html",
            context={
                "ticket": ticket,
                "message": message,
                "attachments": _attachment_names(message),
                "ticket_url": mail.absolute_url(ticket.get_absolute_url()),
                "reply_by_email": reply_address.enabled(),
            },
            reply_to=reply_address.address(ticket),
            **_threading(ticket, f"reply-{message.pk}"),
        )
        return int(mail.send_once(email, record=lambda: _mark_notified(message)))


def send_assignee_notice(message_id: int) -> int:
    """Email the assignee that the customer wrote again."""
    with transaction.atomic():
        message = (
            TicketMessage.objects.select_for_update(of=("self",))
            .select_related("ticket__requester", "ticket__assignee", "ticket__product", "author")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.is_internal or message.from_agent:
            return 0
        if message.notified_at is not None:
            return 0
        ticket = message.ticket
        assignee = ticket.assignee
        if assignee is None or assignee.pk == message.author_id:
            return 0
        if not can_email(assignee, verified_only=False):
            return 0
        email = mail.build_email(
            assignee,
            subject=_("[%(ref)s] %(name)s replied: %(subject)s"),
            subject_params={
                "ref": ticket.reference,
                "name": ticket.requester.public_name if ticket.requester else "",
                "subject": ticket.subject,
            },
            template="tickets/email/customer_reply.txt",
            html_template="tickets/email/customer_reply.html",
            context={
                "ticket": ticket,
                "message": message,
                "attachments": _attachment_names(message),
                "admin_url": mail.absolute_url(reverse("support_tickets:edit", args=[ticket.pk])),
            },
            **_threading(ticket, f"customer-{message.pk}"),
        )
        return int(mail.send_once(email, record=lambda: _mark_notified(message)))


def send_confirmation(ticket_id: int) -> int:
    """The receipt for a new request: its number, what was sent, where to follow it."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("requester", "product")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None or ticket.confirmation_sent_at is not None:
            return 0
        if not _customer_can_be_emailed(ticket):
            return 0
        email = mail.build_email(
            ticket.requester,
            subject=_("[%(ref)s] We received your request: %(subject)s"),
            subject_params={"ref": ticket.reference, "subject": ticket.subject},
            template="tickets/email/ticket_received.txt",
            html_template="tickets/email/ticket_received.html",
            context={
                "ticket": ticket,
                "attachments": [a.name for a in ticket.attachments.filter(message=None)],
                "ticket_url": mail.absolute_url(ticket.get_absolute_url()),
                "reply_by_email": reply_address.enabled(),
            },
            reply_to=reply_address.address(ticket),
            **_threading(ticket, ""),
        )
        confirmed = Ticket.objects.filter(pk=ticket.pk, confirmation_sent_at__isnull=True)
        return int(
            mail.send_once(
                email, record=lambda: confirmed.update(confirmation_sent_at=timezone.now()) == 1
            )
        )
