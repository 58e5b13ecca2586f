"""Status, priority, assignee and tags (every change audited), and closing solved
tickets after a while."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf, sla
from ..errors import InvalidTicket
from ..models import Ticket, TicketChange
from ..permissions import is_agent
from .validation import clean_priority, ensure_agent, parse_tags


def _log(ticket, actor, field, old_value, new_value, old_label, new_label, when):
    TicketChange.objects.create(
        ticket=ticket,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        field=field,
        old_value="" if old_value is None else str(old_value),
        new_value="" if new_value is None else str(new_value),
        old_label=str(old_label or "")[:150],
        new_label=str(new_label or "")[:150],
        created_at=when,
    )


def _set_status(ticket: Ticket, actor, status: str, when) -> bool:
    if status not in Ticket.Status.values:
        raise InvalidTicket(_("Choose a status."))
    if status == ticket.status:
        return False
    old = ticket.status
    old_label = ticket.get_status_display()
    ticket.status = status
    if status == Ticket.Status.SOLVED:
        ticket.solved_at = when
    elif status == Ticket.Status.CLOSED:
        ticket.closed_at = when
    else:
        ticket.solved_at = ticket.closed_at = None
    _log(ticket, actor, "status", old, status, old_label, ticket.get_status_display(), when)
    return True


def _save(ticket: Ticket, when, *fields) -> None:
    ticket.last_activity_at = when
    ticket.save(update_fields=[*fields, "last_activity_at"])


@transaction.atomic
def change_status(ticket: Ticket, agent, status: str, *, notify: bool = True, at=None) -> bool:
    """Set the status; a request set solved asks its requester how it went (``notify``)."""
    ensure_agent(agent)
    now = at or timezone.now()
    if _set_status(ticket, agent, status, now):
        _save(ticket, now, "status", "solved_at", "closed_at")
        if notify and status == Ticket.Status.SOLVED:
            from .satisfaction import queue_satisfaction_request

            queue_satisfaction_request(ticket)
        return True
    return False


@transaction.atomic
def change_priority(ticket: Ticket, agent, priority, *, at=None) -> bool:
    ensure_agent(agent)
    priority = clean_priority(priority)
    if priority == ticket.priority:
        return False
    now = at or timezone.now()
    old, old_label = ticket.priority, ticket.get_priority_display()
    ticket.priority = priority
    sla.schedule(ticket)
    _log(ticket, agent, "priority", old, priority, old_label, ticket.get_priority_display(), now)
    _save(ticket, now, "priority", "first_reply_due_at", "resolution_due_at")
    return True


def _assign(ticket: Ticket, actor, assignee, when) -> bool:
    if assignee is not None and not is_agent(assignee):
        raise InvalidTicket(_("Tickets can only be assigned to members of the support team."))
    if (assignee.pk if assignee else None) == ticket.assignee_id:
        return False
    old = ticket.assignee
    ticket.assignee = assignee
    _log(
        ticket,
        actor,
        "assignee",
        old.pk if old else None,
        assignee.pk if assignee else None,
        old.public_name if old else _("Nobody"),
        assignee.public_name if assignee else _("Nobody"),
        when,
    )
    if assignee is not None and ticket.status == Ticket.Status.NEW:
        _set_status(ticket, actor, Ticket.Status.OPEN, when)
    return True


@transaction.atomic
def assign(ticket: Ticket, agent, assignee, *, at=None) -> bool:
    ensure_agent(agent)
    now = at or timezone.now()
    if _assign(ticket, agent, assignee, now):
        _save(ticket, now, "assignee", "status", "solved_at", "closed_at")
        return True
    return False


@transaction.atomic
def set_tags(ticket: Ticket, agent, tags) -> list[str]:
    ensure_agent(agent)
    names = parse_tags(tags)
    ticket.tags.set(names)
    return names


def close_solved_tickets(*, days: int | None = None, now=None) -> int:
    """Close tickets solved more than ``days`` ago without a reply since (``None`` actor:
    the system). Returns how many were closed."""
    days = conf.get("TICKETS_AUTO_CLOSE_DAYS") if days is None else days
    if not days:
        return 0
    now = now or timezone.now()
    closed = 0
    stale = Ticket.objects.filter(
        status=Ticket.Status.SOLVED, solved_at__lte=now - timedelta(days=days)
    )
    for ticket in stale.order_by("pk").iterator():
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if ticket.status == Ticket.Status.SOLVED and _set_status(
                ticket, None, Ticket.Status.CLOSED, now
            ):
                ticket.save(update_fields=["status", "solved_at", "closed_at"])
                closed += 1
    return closed
