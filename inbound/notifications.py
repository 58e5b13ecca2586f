"""The suggestions email: before the receipt of a request sent by email, the answers
Contact support would have shown its sender (recorded in the request's support flow,
chosen under that person's access), each with a signed "This solved it — close my
request" link. Sent once (``InboundMessage.suggestions_sent_at``), in the requester's
language, with the ticket's reply address."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import mail
from tickets import reply_address
from tickets.models import Ticket
from tickets.notifications import can_email

from .models import InboundMessage
from .tokens import solved_token


def send_suggestions(ticket_id: int) -> int:
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("requester", "flow")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None or ticket.flow is None or ticket.status == Ticket.Status.CLOSED:
            return 0
        requester = ticket.requester
        if not can_email(requester, verified_only=False):
            return 0
        unsent = InboundMessage.objects.filter(
            ticket=ticket, outcome=InboundMessage.Outcome.TICKET, suggestions_sent_at=None
        )
        if not unsent.exists():
            return 0
        suggestions = [
            {
                "title": item.title,
                "url": item.url if "://" in item.url else mail.absolute_url(item.url),
                "solved_url": mail.absolute_url(
                    reverse("inbound:solved", args=[solved_token(ticket, item.key)])
                ),
            }
            for item in ticket.flow.suggestions.order_by("best_rank", "pk")
        ]
        if not suggestions:
            return 0
        email = mail.build_email(
            requester,
            subject=_("[%(ref)s] These articles may already answer you: %(subject)s"),
            subject_params={"ref": ticket.reference, "subject": ticket.subject},
            template="inbound/email/suggestions.txt",
            html_template="inbound/email/suggestions.html",
            context={
                "ticket": ticket,
                "suggestions": suggestions,
                "ticket_url": mail.absolute_url(ticket.get_absolute_url()),
            },
            reply_to=reply_address.address(ticket),
            thread_id=mail.message_id(f"ticket-{ticket.pk}.suggestions"),
            references=[reply_address.thread_root(ticket)],
        )
        return int(
            mail.send_once(
                email,
                record=lambda: unsent.update(suggestions_sent_at=timezone.now()) > 0,
            )
        )
