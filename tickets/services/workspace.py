"""The agents' workspace writes: bulk assign and bulk close (one transaction, one audit
entry per ticket changed), saved views, and SLA due dates when a policy changes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import sla
from ..errors import InvalidTicket, TicketError
from ..models import OPEN_STATUSES, SavedView, SLAPolicy, Ticket
from .changes import _assign, _save, _set_status
from .validation import ensure_agent

BULK_MAX = 200


def _locked(ticket_ids) -> list[Ticket]:
    ids = sorted({int(pk) for pk in ticket_ids})
    if not ids:
        raise InvalidTicket(_("Select at least one ticket."))
    if len(ids) > BULK_MAX:
        raise InvalidTicket(_("Select at most %(count)d tickets at once.") % {"count": BULK_MAX})
    return list(Ticket.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def bulk_assign(ticket_ids, agent, assignee, *, at=None) -> int:
    """Assign every selected ticket to ``assignee`` (``None``: nobody). Returns how many
    changed; nothing changes if one of them refuses."""
    ensure_agent(agent)
    now = at or timezone.now()
    changed = 0
    for ticket in _locked(ticket_ids):
        if _assign(ticket, agent, assignee, now):
            _save(ticket, now, "assignee", "status", "solved_at", "closed_at")
            changed += 1
    return changed


@transaction.atomic
def bulk_close(ticket_ids, agent, *, at=None) -> int:
    """Close every selected ticket. Returns how many changed (closed ones stay as they are)."""
    ensure_agent(agent)
    now = at or timezone.now()
    changed = 0
    for ticket in _locked(ticket_ids):
        if _set_status(ticket, agent, Ticket.Status.CLOSED, now):
            _save(ticket, now, "status", "solved_at", "closed_at")
            changed += 1
    return changed


def save_view(agent, name: str, filters: dict, *, shared: bool = False) -> SavedView:
    from ..workspace import clean_filters

    ensure_agent(agent)
    name = " ".join((name or "").split())[:80]
    if not name:
        raise InvalidTicket(_("Give the view a name."))
    return SavedView.objects.create(
        owner=agent, name=name, filters=clean_filters(filters), shared=bool(shared)
    )


def delete_view(view: SavedView, agent) -> None:
    ensure_agent(agent)
    if view.owner_id != agent.pk and not agent.is_superuser:
        raise TicketError(_("Only the person who saved a view may delete it."))
    view.delete()


def reschedule(priority: int) -> int:
    """Recompute the due dates of the unresolved tickets of ``priority`` (after its SLA
    policy changed or was removed). Returns how many tickets were updated."""
    policy = SLAPolicy.objects.filter(priority=priority).first()
    tickets = list(Ticket.objects.filter(priority=priority, status__in=OPEN_STATUSES))
    for ticket in tickets:
        sla.schedule(ticket, policy)
    Ticket.objects.bulk_update(tickets, ["first_reply_due_at", "resolution_due_at"], batch_size=500)
    return len(tickets)
