"""The conversation: replies from both sides, internal notes, the customer closing or
reopening their request."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import attachments
from ..errors import InvalidTicket, NotAllowed
from ..models import FlowSuggestion, FunnelEvent, SupportFlow, Ticket, TicketMessage
from .changes import _assign, _save, _set_status
from .filing import _attach
from .funnel import record_event
from .notify import _queue
from .satisfaction import queue_satisfaction_request
from .validation import _ensure_requester, clean_message, ensure_agent


def _message(ticket, author, body, *, internal, from_agent, files, when) -> TicketMessage:
    checked = attachments.check_files(files)
    message = TicketMessage.objects.create(
        ticket=ticket,
        author=author,
        body=clean_message(body),
        is_internal=internal,
        from_agent=from_agent,
        created_at=when,
    )
    _attach(ticket, message, checked, author, when)
    return message


@transaction.atomic
def reply_as_customer(
    ticket: Ticket, user, body: str, *, files=(), notify: bool = True, at=None
) -> TicketMessage:
    """The requester writes again: the ticket is open again, the assignee is emailed."""
    _ensure_requester(ticket, user)
    if not ticket.accepts_replies:
        raise NotAllowed(_("This request is closed. Reopen it to write to us again."))
    now = at or timezone.now()
    message = _message(ticket, user, body, internal=False, from_agent=False, files=files, when=now)
    if ticket.status in (Ticket.Status.PENDING, Ticket.Status.SOLVED):
        _set_status(ticket, user, Ticket.Status.OPEN, now)
    _save(ticket, now, "status", "solved_at", "closed_at")
    if notify and ticket.assignee_id:
        from .. import tasks

        _queue(
            tasks.notify_assignee,
            message.pk,
            key=f"ticket-assignee:{message.pk}",
            ticket_id=ticket.pk,
        )
    return message


@transaction.atomic
def reply_as_agent(
    ticket: Ticket,
    agent,
    body: str,
    *,
    files=(),
    status: str | None = None,
    notify: bool = True,
    at=None,
) -> TicketMessage:
    """A public reply from the support team: emailed to the requester.

    ``status`` is where the ticket goes next (usually "pending", waiting for the customer);
    by default a new ticket becomes open. An unassigned ticket is assigned to the agent.
    """
    ensure_agent(agent)
    now = at or timezone.now()
    message = _message(ticket, agent, body, internal=False, from_agent=True, files=files, when=now)
    if ticket.assignee_id is None:
        _assign(ticket, agent, agent, now)
    if status:
        _set_status(ticket, agent, status, now)
    elif ticket.status == Ticket.Status.NEW:
        _set_status(ticket, agent, Ticket.Status.OPEN, now)
    _save(ticket, now, "assignee", "status", "solved_at", "closed_at")
    if notify:
        from .. import tasks

        _queue(
            tasks.notify_customer,
            message.pk,
            key=f"ticket-reply:{message.pk}",
            ticket_id=ticket.pk,
        )
        if ticket.status == Ticket.Status.SOLVED:
            # After the reply, in the same order (one ordering key per ticket).
            queue_satisfaction_request(ticket)
    return message


@transaction.atomic
def add_internal_note(ticket: Ticket, agent, body: str, *, files=(), at=None) -> TicketMessage:
    """A note for the support team only. Never shown to the customer, never emailed."""
    ensure_agent(agent)
    now = at or timezone.now()
    message = _message(ticket, agent, body, internal=True, from_agent=True, files=files, when=now)
    Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=now)
    return message


@transaction.atomic
def close_by_customer(ticket: Ticket, user, *, at=None) -> bool:
    _ensure_requester(ticket, user)
    now = at or timezone.now()
    if _set_status(ticket, user, Ticket.Status.CLOSED, now):
        _save(ticket, now, "status", "solved_at", "closed_at")
        return True
    return False


@transaction.atomic
def reopen_by_customer(ticket: Ticket, user, *, at=None) -> bool:
    _ensure_requester(ticket, user)
    if ticket.status not in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
        return False
    now = at or timezone.now()
    _set_status(ticket, user, Ticket.Status.OPEN, now)
    _save(ticket, now, "status", "solved_at", "closed_at")
    return True


@transaction.atomic
def close_solved_by_suggestion(ticket: Ticket, user, key: str, *, at=None) -> bool:
    """The customer says suggestion ``key`` (emailed to them with the receipt of a request
    sent by email) answered them: the request's flow counts as solved by it in the funnel,
    and the request is closed. ``False`` when it was closed already."""
    _ensure_requester(ticket, user)
    flow = ticket.flow
    if flow is None or not flow.suggestions.filter(key=key).exists():
        raise InvalidTicket(_("That suggestion was not shown to you."))
    if ticket.status == Ticket.Status.CLOSED:
        return False
    now = at or timezone.now()
    FlowSuggestion.objects.filter(flow=flow, key=key).update(solved=True)
    flow.outcome = SupportFlow.Outcome.SOLVED
    flow.solved_by = key
    flow.ended_at = flow.last_seen_at = now
    flow.save(update_fields=["outcome", "solved_by", "ended_at", "last_seen_at"])
    record_event(flow, FunnelEvent.Name.SOLVED, item_key=key, at=now)
    _set_status(ticket, user, Ticket.Status.CLOSED, now)
    _save(ticket, now, "status", "solved_at", "closed_at")
    return True
