"""Filing a ticket: numbers, the hourly limit, attached files, the receipt."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.languages import writing_language
from segments.models import Segment

from .. import attachments, conf, sla
from ..errors import NotAllowed, RateLimited
from ..models import FunnelEvent, SupportFlow, Ticket, TicketAttachment
from ..permissions import is_agent
from .funnel import record_event
from .notify import _queue
from .validation import (
    clean_categories,
    clean_description,
    clean_priority,
    clean_product,
    clean_subject,
)


def _next_number() -> int:
    last = Ticket.objects.aggregate(last=Max("number"))["last"] or 0
    return max(last, conf.get("TICKETS_FIRST_NUMBER") - 1) + 1


def _create_numbered(**fields) -> Ticket:
    """Tickets are numbered one after another; two filed at once retry the next number."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                ticket = Ticket(number=_next_number(), **fields)
                sla.schedule(ticket)
                ticket.save(force_insert=True)
                return ticket
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _check_rate(user) -> None:
    most = conf.get("TICKETS_PER_HOUR")
    if not most or is_agent(user):
        return
    since = timezone.now() - timedelta(hours=1)
    if Ticket.objects.filter(requester=user, created_at__gte=since).count() >= most:
        raise RateLimited(
            _(
                "You have sent %(n)s requests in the last hour. Please add to an open "
                "request instead, or try again a little later."
            )
            % {"n": most}
        )


def _attach(ticket, message, checked, user, when) -> list[TicketAttachment]:
    saved = []
    for item in checked:
        attachment = TicketAttachment(
            ticket=ticket,
            message=message,
            name=item.name,
            content_type=item.content_type,
            size=item.size,
            uploaded_by=user,
            created_at=when,
        )
        item.upload.seek(0)
        attachment.file.save(item.name, item.upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


@transaction.atomic
def file_ticket(
    requester,
    *,
    product: Segment,
    subject: str,
    description: str,
    priority: int = Ticket.Priority.NORMAL,
    categories: Iterable[str] = (),
    files: Iterable = (),
    flow: SupportFlow | None = None,
    enforce_limits: bool = True,
    notify: bool = True,
    at=None,
    language: str | None = None,
    source: str = Ticket.Source.WEB,
) -> Ticket:
    """A customer files a ticket (the end of a support flow, when there is one), in
    ``language`` (by default the language of the interface they used)."""
    if not getattr(requester, "is_authenticated", False) or not requester.is_active:
        raise NotAllowed(_("Sign in to send a request to support."))
    subject, description = clean_subject(subject), clean_description(description)
    product, priority = clean_product(product), clean_priority(priority)
    categories = clean_categories(categories)
    checked = attachments.check_files(files)
    if enforce_limits:
        _check_rate(requester)
    if flow is not None and (flow.is_finished or flow.user_id not in (None, requester.pk)):
        flow = None
    now = at or timezone.now()
    ticket = _create_numbered(
        requester=requester,
        product=product,
        subject=subject,
        description=description,
        language=writing_language(language),
        priority=priority,
        flow=flow,
        source=source,
        created_at=now,
        last_activity_at=now,
    )
    if categories:
        ticket.tags.set(categories)
    _attach(ticket, None, checked, requester, now)
    if flow is not None:
        flow.user = requester
        flow.product = product
        flow.outcome = SupportFlow.Outcome.TICKET
        flow.ended_at = flow.last_seen_at = now
        flow.save(update_fields=["user", "product", "outcome", "ended_at", "last_seen_at"])
        record_event(flow, FunnelEvent.Name.FILED, at=now)
    if notify:
        from .. import tasks

        _queue(
            tasks.confirm_ticket,
            ticket.pk,
            key=f"ticket-confirmation:{ticket.pk}",
            ticket_id=ticket.pk,
        )
    return ticket
