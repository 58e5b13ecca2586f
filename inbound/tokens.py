"""The signed link "This solved it — close my request" of the suggestions email."""

from __future__ import annotations

from django.core import signing

SALT = "inbound.solved-by-suggestion"


def solved_token(ticket, key: str) -> str:
    return signing.dumps({"t": ticket.pk, "u": ticket.requester_id, "k": key}, salt=SALT)


def read_solved_token(token: str):
    """``(ticket, key)`` for a valid token whose ticket still has the same requester."""
    from tickets.models import Ticket

    try:
        data = signing.loads(token, salt=SALT)
        ticket_id, user_id, key = int(data["t"]), int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None or ticket.requester_id != user_id or not ticket.requester.is_active:
        return None
    return ticket, key
