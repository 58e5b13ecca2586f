"""Customer satisfaction: the requester rates a solved request (good or bad, with an
optional comment) from its page, the email's links or the API; and the "How did we do?"
email queued when a request is solved."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import local_number

from ..errors import InvalidTicket, NotAllowed
from ..models import SatisfactionRating, Ticket
from ..models.satisfaction import COMMENT_MAX
from .notify import _queue
from .validation import _ensure_requester


def queue_satisfaction_request(ticket: Ticket) -> None:
    """Queue the "How did we do?" email (in the caller's transaction; one per ticket: the
    outbox key and the ticket's ``satisfaction_sent_at`` both make sure)."""
    from .. import tasks

    if ticket.requester_id and ticket.satisfaction_sent_at is None:
        _queue(
            tasks.request_satisfaction,
            ticket.pk,
            key=f"ticket-satisfaction:{ticket.pk}",
            ticket_id=ticket.pk,
        )


def clean_comment(comment) -> str:
    comment = str(comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidTicket(
            _("The comment can have at most %(n)s characters (this one has %(count)s).")
            % {"n": COMMENT_MAX, "count": len(comment)}
        )
    return comment


@transaction.atomic
def rate_ticket(
    ticket: Ticket, user, score: str, comment: str | None = None, *, source: str, at=None
) -> SatisfactionRating:
    """The requester says how a solved request went. A second rating within
    ``TICKETS_CSAT_CHANGE_DAYS`` of the first changes it (``comment=None`` keeps the comment
    it had); after that it is locked."""
    from ..satisfaction import solved_by

    _ensure_requester(ticket, user)
    if score not in SatisfactionRating.Score.values:
        raise InvalidTicket(_("Choose “Good” or “Bad”."))
    if source not in SatisfactionRating.Source.values:
        raise InvalidTicket(_("That rating was not understood."))
    cleaned = None if comment is None else clean_comment(comment)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not ticket.accepts_rating:
        raise NotAllowed(_("You can rate a request once it is solved."))
    now = at or timezone.now()
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    if rating is None:
        return SatisfactionRating.objects.create(
            ticket=ticket,
            score=score,
            comment=cleaned or "",
            rated_by=user,
            agent=solved_by(ticket),
            source=source,
            rated_at=now,
            changed_at=now,
        )
    if rating.is_locked(now):
        raise NotAllowed(
            _("Ratings can be changed for %(days)s days. This one is final now.")
            % {"days": local_number(settings.TICKETS_CSAT_CHANGE_DAYS)}
        )
    rating.score = score
    if cleaned is not None:
        rating.comment = cleaned
    rating.source = source
    rating.changed_at = now
    rating.save(update_fields=["score", "comment", "source", "changed_at"])
    return rating
