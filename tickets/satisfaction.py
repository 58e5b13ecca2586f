"""Customer satisfaction: the "How did we do?" email and its signed links.

When a request is solved, the requester gets one email (``send_request``, queued through
the outbox by ``tickets.services``; ``Ticket.satisfaction_sent_at`` records that it went
out, in the same transaction as it leaves, so it is never sent twice — not on a retried
task, not when the request is solved again later) in their language, with two links:
"Good" and "Bad". Each carries a token signed with ``django.core.signing`` (salted for
this purpose only) that names the ticket, its requester and the choice, valid for
``TICKETS_CSAT_LINK_DAYS``.

A link does not record anything by itself: mail scanners and link previewers open every
link of an email (both of them), so a rating recorded on GET would be the scanner's.
The link opens a page with the choice already selected and a comment box; one click on
"Send rating" (a POST with the CSRF token) records it through
``tickets.services.rate_ticket``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import mail

from .models import SatisfactionRating, Ticket, TicketChange
from .notifications import can_email
from .permissions import is_agent

SALT = "tickets.satisfaction.rating"
Score = SatisfactionRating.Score


# --- Signed links -----------------------------------------------------------------------


def make_token(ticket: Ticket, score: str) -> str:
    return signing.dumps(
        {"t": ticket.pk, "u": ticket.requester_id, "s": str(score)}, salt=SALT, compress=True
    )


@dataclass(frozen=True)
class RatingLink:
    """A token read back: which ticket, whose, which choice."""

    ticket_id: int
    user_id: int
    score: str


def read_token(token: str) -> RatingLink | None:
    """The link a token stands for, or ``None`` if forged, changed, expired or malformed."""
    try:
        data = signing.loads(
            str(token or ""), salt=SALT, max_age=settings.TICKETS_CSAT_LINK_DAYS * 86400
        )
        link = RatingLink(ticket_id=int(data["t"]), user_id=int(data["u"]), score=str(data["s"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return link if link.score in Score.values else None


def rating_url(ticket: Ticket, score: str) -> str:
    return reverse(
        "support:rate_link", kwargs={"number": ticket.number, "token": make_token(ticket, score)}
    )


# --- Who the rating is about ------------------------------------------------------------


def solved_by(ticket: Ticket):
    """The agent who last set the request solved, or its assignee when no agent did."""
    change = (
        TicketChange.objects.filter(
            ticket=ticket, field=TicketChange.Field.STATUS, new_value=Ticket.Status.SOLVED
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    if change is not None and change.actor is not None and is_agent(change.actor):
        return change.actor
    return ticket.assignee


# --- The email --------------------------------------------------------------------------


def send_request(ticket_id: int) -> int:
    """Ask the requester of a solved request how it went (once per ticket)."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("requester", "product")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None or ticket.satisfaction_sent_at is not None:
            return 0
        if ticket.status != Ticket.Status.SOLVED or not ticket.requester_id:
            return 0  # reopened (or closed) before the email left
        if SatisfactionRating.objects.filter(ticket=ticket).exists():
            return 0  # rated on the page already
        if not can_email(ticket.requester, verified_only=True):
            return 0
        context = {
            "ticket": ticket,
            "good_url": mail.absolute_url(rating_url(ticket, Score.GOOD)),
            "bad_url": mail.absolute_url(rating_url(ticket, Score.BAD)),
            "ticket_url": mail.absolute_url(ticket.get_absolute_url()),
            "link_days": settings.TICKETS_CSAT_LINK_DAYS,
        }
        email = mail.build_email(
            ticket.requester,
            subject=_("[%(ref)s] How did we do? %(subject)s"),
            subject_params={"ref": ticket.reference, "subject": ticket.subject},
            template="tickets/email/satisfaction_request.txt",
            html_template="tickets/email/satisfaction_request.html",
            context=context,
        )
        unsent = Ticket.objects.filter(pk=ticket.pk, satisfaction_sent_at__isnull=True)
        return int(
            mail.send_once(
                email, record=lambda: unsent.update(satisfaction_sent_at=timezone.now()) == 1
            )
        )
