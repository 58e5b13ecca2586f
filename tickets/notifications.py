"""Support emails: the customer hears about every public reply, the assignee about every
customer reply, and the customer gets a receipt for a new request.

Internal notes are never emailed: every function re-reads the message and sends nothing
for a note, whatever queued it. Customers are emailed only at a verified address of an
active account. Each email is sent once: the message (or ticket) records when it went out,
so a retried task does not send it twice.
"""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Ticket, TicketMessage

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _verified(user) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def _can_email(user, *, verified_only: bool) -> bool:
    if user is None or not user.is_active or not user.email:
        return False
    return not verified_only or _verified(user)


def _email(user, *, subject: str, template: str, context: dict) -> EmailMessage:
    context = {**context, "user": user, "site_name": settings.SITE_NAME}
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, context)
    return EmailMessage(
        subject=f"[{settings.SITE_NAME}] " + " ".join(str(subject).split()),
        body=body,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )


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
        if not _can_email(requester, verified_only=True):
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            subject = translation.gettext("Re: [%(ref)s] %(subject)s") % {
                "ref": ticket.reference,
                "subject": ticket.subject,
            }
        email = _email(
            requester,
            subject=subject,
            template="tickets/email/agent_reply.txt",
            context={
                "ticket": ticket,
                "message": message,
                "attachments": _attachment_names(message),
                "ticket_url": absolute_url(ticket.get_absolute_url()),
            },
        )
        email.send()
        TicketMessage.objects.filter(pk=message.pk).update(notified_at=timezone.now())
    return 1


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
        if not _can_email(assignee, verified_only=False):
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            subject = translation.gettext("[%(ref)s] %(name)s replied: %(subject)s") % {
                "ref": ticket.reference,
                "name": ticket.requester.public_name if ticket.requester else "",
                "subject": ticket.subject,
            }
        email = _email(
            assignee,
            subject=subject,
            template="tickets/email/customer_reply.txt",
            context={
                "ticket": ticket,
                "message": message,
                "attachments": _attachment_names(message),
                "admin_url": absolute_url(reverse("support_tickets:edit", args=[ticket.pk])),
            },
        )
        email.send()
        TicketMessage.objects.filter(pk=message.pk).update(notified_at=timezone.now())
    return 1


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
        if not _can_email(ticket.requester, verified_only=True):
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            subject = translation.gettext("[%(ref)s] We received your request: %(subject)s") % {
                "ref": ticket.reference,
                "subject": ticket.subject,
            }
        email = _email(
            ticket.requester,
            subject=subject,
            template="tickets/email/ticket_received.txt",
            context={
                "ticket": ticket,
                "attachments": [a.name for a in ticket.attachments.filter(message=None)],
                "ticket_url": absolute_url(ticket.get_absolute_url()),
            },
        )
        email.send()
        Ticket.objects.filter(pk=ticket.pk).update(confirmation_sent_at=timezone.now())
    return 1
