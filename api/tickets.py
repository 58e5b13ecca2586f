"""The caller's own support tickets: list, read, file (with attachments), reply, close,
rate once solved, and download their files.

Every query starts from ``Ticket.objects.of(user)`` — the tickets the person filed, the
same as the "My requests" pages — so another person's ticket is a 404, for anyone. Writes
call ``tickets.services`` with the same validation, hourly limit and attachment checks
(size, count, type, content sniffing) as the contact form. Internal notes never appear.

A file is downloaded with the same checks as the site's own file view: the requester gets
the files of their ticket except those of internal notes; members of the support team
(``tickets.permissions.can_view_tickets``) get every file of any ticket.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Form, Path, Query, Router, Status
from ninja.files import UploadedFile

from core.sendfile import sendfile
from segments.models import Segment
from tickets import conf as tickets_conf
from tickets import services as ticket_services
from tickets.errors import NotAllowed, RateLimited, TicketError
from tickets.models import (
    OPEN_STATUSES,
    SatisfactionRating,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from tickets.permissions import can_view_tickets

from . import pagination
from .auth import PERSONAL_AUTH, WRITE_AUTH
from .errors import ApiError, ErrorBody
from .resources import ERRORS, _limit
from .schemas import RatingIn, RatingOut, TicketDetail, TicketList

router = Router(tags=["support tickets"])

#: Ticket numbers are 32-bit.
MAX_NUMBER = 2**31 - 1
DETAIL_ERRORS = {**ERRORS, 404: ErrorBody}
WRITE_ERRORS = DETAIL_ERRORS


def refused(error: TicketError) -> ApiError:
    if isinstance(error, RateLimited):
        return ApiError(429, error.message)
    if isinstance(error, NotAllowed):
        return ApiError(403, error.message)
    return ApiError(400, error.message)


def _mine(request):
    return Ticket.objects.of(request.user).select_related("product", "rating")


def _attachment(item: TicketAttachment, request) -> dict:
    return {
        "id": item.pk,
        "name": item.name,
        "content_type": item.content_type,
        "size": item.size,
        "url": request.build_absolute_uri(
            reverse("support:attachment", kwargs={"pk": item.pk, "name": item.name})
        ),
        "download_url": request.build_absolute_uri(
            reverse(
                "api_v1:download_attachment",
                kwargs={"number": item.ticket.number, "attachment_id": item.pk},
            )
        ),
    }


def _rating(ticket: Ticket) -> dict | None:
    rating = getattr(ticket, "rating", None)
    if rating is None:
        return None
    return {
        "score": rating.score,
        "comment": rating.comment,
        "rated_at": rating.rated_at,
        "changed_at": rating.changed_at,
        "changeable_until": rating.locks_at(),
    }


def _ticket(ticket: Ticket, request) -> dict:
    return {
        "number": ticket.number,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "product": ticket.product.slug,
        "status": ticket.status,
        "status_label": ticket.customer_status,
        "priority": ticket.priority,
        "language": ticket.language,
        "url": request.build_absolute_uri(ticket.get_absolute_url()),
        "created_at": ticket.created_at,
        "last_activity_at": ticket.last_activity_at,
        "solved_at": ticket.solved_at,
        "closed_at": ticket.closed_at,
        "rating": _rating(ticket),
    }


def _detail(ticket: Ticket, request) -> dict:
    """The ticket as its requester reads it: public messages only, with their files."""
    files = TicketAttachment.objects.select_related("ticket").order_by("created_at", "pk")
    conversation = (
        TicketMessage.objects.filter(ticket=ticket, is_internal=False)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=files))
        .order_by("created_at", "pk")
    )
    offered = dict(tickets_conf.categories())
    return {
        **_ticket(ticket, request),
        "description": ticket.description,
        "categories": [tag.name for tag in ticket.tags.all() if tag.name in offered],
        "attachments": [
            _attachment(item, request) for item in files.filter(ticket=ticket, message=None)
        ],
        "messages": [
            {
                "id": message.pk,
                "author": message.author.public_name if message.author else "",
                "from_support": message.from_agent,
                "body": message.body,
                "created_at": message.created_at,
                "attachments": [_attachment(item, request) for item in message.attachments.all()],
            }
            for message in conversation
        ],
    }


def _my_ticket(request, number: int) -> Ticket:
    return get_object_or_404(_mine(request), number=number)


@router.get(
    "/tickets",
    auth=PERSONAL_AUTH,
    response={200: TicketList, **ERRORS},
    summary="The caller's own support requests, newest first",
)
def list_tickets(
    request,
    status: str | None = Query(None, pattern="^(new|open|pending|solved|closed)$"),
    show: str | None = Query(
        None, pattern="^(open|closed)$", description="`open`: unresolved; `closed`: the rest."
    ),
    product: str | None = Query(None, pattern=r"^[\w-]{1,100}$"),
    cursor: str | None = Query(None, max_length=100),
    limit: int = _limit(),
):
    tickets = _mine(request)
    if status:
        tickets = tickets.filter(status=status)
    if show == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif show == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    if product:
        tickets = tickets.filter(product__slug=product)
    items, next_cursor = pagination.page(tickets, cursor, limit)
    return {"results": [_ticket(t, request) for t in items], "next_cursor": next_cursor}


@router.get(
    "/tickets/{number}",
    auth=PERSONAL_AUTH,
    response={200: TicketDetail, **DETAIL_ERRORS},
    summary="One of the caller's requests, with the conversation",
)
def get_ticket(request, number: int = Path(..., ge=1, le=MAX_NUMBER)):
    return _detail(_my_ticket(request, number), request)


@router.post(
    "/tickets",
    auth=WRITE_AUTH,
    response={201: TicketDetail, **WRITE_ERRORS},
    summary="Send a request to support, with files (multipart; scope `write`)",
)
def create_ticket(
    request,
    product: str = Form(..., max_length=100, description="The product's slug."),
    subject: str = Form(..., max_length=1000),
    description: str = Form(..., max_length=100_000),
    priority: int = Form(Ticket.Priority.NORMAL, ge=1, le=4),
    categories: list[str] = Form([], description="Slugs of `TICKETS_CATEGORIES`."),  # noqa: B008
    language: str | None = Form(None, max_length=12),
    files: list[UploadedFile] = File([], description="Attachments, repeated."),  # noqa: B008
):
    found = Segment.objects.filter(kind=Segment.Kind.PRODUCT, slug=product).first()
    try:
        ticket = ticket_services.file_ticket(
            request.user,
            product=found,
            subject=subject,
            description=description,
            priority=priority,
            categories=categories,
            files=files,
            language=language or None,
        )
    except TicketError as error:
        raise refused(error) from None
    return Status(201, _detail(_mine(request).get(pk=ticket.pk), request))


@router.post(
    "/tickets/{number}/replies",
    auth=WRITE_AUTH,
    response={201: TicketDetail, **WRITE_ERRORS},
    summary="Write to support on one of the caller's requests (multipart; scope `write`)",
)
def reply_to_ticket(
    request,
    number: int = Path(..., ge=1, le=MAX_NUMBER),
    body: str = Form(..., max_length=100_000),
    files: list[UploadedFile] = File([], description="Attachments, repeated."),  # noqa: B008
):
    ticket = _my_ticket(request, number)
    try:
        ticket_services.reply_as_customer(ticket, request.user, body, files=files)
    except TicketError as error:
        raise refused(error) from None
    return Status(201, _detail(_my_ticket(request, number), request))


@router.post(
    "/tickets/{number}/close",
    auth=WRITE_AUTH,
    response={200: TicketDetail, **DETAIL_ERRORS},
    summary="Close one of the caller's requests (scope `write`)",
)
def close_ticket(request, number: int = Path(..., ge=1, le=MAX_NUMBER)):
    ticket = _my_ticket(request, number)
    try:
        ticket_services.close_by_customer(ticket, request.user)
    except TicketError as error:
        raise refused(error) from None
    return _detail(_my_ticket(request, number), request)


@router.post(
    "/tickets/{number}/rating",
    auth=WRITE_AUTH,
    response={200: RatingOut, **WRITE_ERRORS},
    summary="Rate one of the caller's solved requests good or bad (scope `write`)",
    description="One rating per request; sending it again changes it until "
    "`changeable_until`, then it is final (403). A request that is not solved is a 403.",
)
def rate_ticket(request, payload: RatingIn, number: int = Path(..., ge=1, le=MAX_NUMBER)):
    ticket = _my_ticket(request, number)
    try:
        ticket_services.rate_ticket(
            ticket,
            request.user,
            payload.score,
            payload.comment,
            source=SatisfactionRating.Source.API,
        )
    except TicketError as error:
        raise refused(error) from None
    return _rating(_my_ticket(request, number))


@router.get(
    "/tickets/{number}/attachments/{attachment_id}",
    auth=PERSONAL_AUTH,
    response={**DETAIL_ERRORS},
    url_name="download_attachment",
    summary="Download a file of one of the caller's requests",
    description="The file as it was sent (`Content-Type` as recorded, `Content-Disposition: "
    "attachment`). Files of the support team's internal notes are never given to customers.",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(
    request,
    number: int = Path(..., ge=1, le=MAX_NUMBER),
    attachment_id: int = Path(..., ge=1, le=2**63 - 1),
):
    user = request.user
    agent = can_view_tickets(user)
    tickets = Ticket.objects.all() if agent else Ticket.objects.of(user)
    ticket = get_object_or_404(tickets, number=number)
    item = get_object_or_404(
        TicketAttachment.objects.select_related("message"), pk=attachment_id, ticket=ticket
    )
    if item.is_internal and not agent:
        raise Http404
    try:
        path = item.file.path
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = sendfile(
        request,
        path,
        attachment=True,
        attachment_filename=item.name,
        mimetype=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
