"""Every email that reaches the support address goes through ``process_inbound``, whether
it was read from the mailbox (``manage.py fetch_support_mail``) or posted by a mail
provider (``POST /support/inbound-email/``).

- Each Message-ID is handled once (``InboundMessage.message_id`` is unique; the log row is
  written in the same transaction as the ticket change).
- Machines are never answered: auto-replies, bounces, lists, system senders and our own
  address are logged and ignored, and so is a sender past ``SUPPORT_INBOUND_PER_HOUR``.
- A reply to a ticket email carries the ticket's signed reply address
  (``tickets.reply_address``). It lands in the ticket as a customer message through
  ``tickets.services.reply_as_customer`` (a closed request is reopened first, as the
  customer's "Reopen" does) only when the token is genuine *and* the sender is the
  ticket's requester (their account's address, or another verified address of theirs).
  Anything else is refused and logged, and nobody is emailed: the sender of a forged or
  misdirected message may not be who the From line says, so no explanation goes back.
- Any other email is a new request: its sender's account (created without a password
  when there is none, ``users.services.upsert_by_email``) files a ticket
  (``source=email``) after the answer suggestions of Contact support, chosen under that
  person's access, were recorded in a support flow; the suggestions are emailed before
  the receipt (``inbound.notifications``).
- Attached files go through the tickets' own checks: the accepted ones are kept, the
  refused ones are named in the message and in the log.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import outbox
from segments.models import Segment
from tickets import attachments, conf, reply_address, services, tasks
from tickets.deflection import suggest_answers
from tickets.errors import TicketError
from tickets.models import FlowQuery, Ticket
from users.services import InvalidEmail, upsert_by_email

from .models import InboundMessage
from .parsing import InboundEmail, parse

logger = logging.getLogger(__name__)
Outcome = InboundMessage.Outcome


class Refused(Exception):
    """The message is logged as refused, with this reason."""


def process_inbound(raw: bytes) -> InboundMessage:
    """Handle one raw email (RFC 5322 bytes); returns its log row (``duplicate`` set when
    the Message-ID was handled before, and nothing was done this time)."""
    parsed = parse(raw)
    existing = InboundMessage.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        existing.duplicate = True
        return existing
    try:
        with transaction.atomic():
            record = _handle(parsed)
            record.save(force_insert=True)
    except IntegrityError:  # handled at the same moment by another run
        existing = InboundMessage.objects.get(message_id=parsed.message_id)
        existing.duplicate = True
        return existing
    logger.info(
        "Inbound email %s from %s: %s %s",
        parsed.message_id,
        parsed.sender,
        record.outcome,
        record.reason,
    )
    return record


def _handle(parsed: InboundEmail) -> InboundMessage:
    record = InboundMessage(
        message_id=parsed.message_id,
        sender=parsed.sender[:254],
        subject=parsed.subject[:255],
        received_at=timezone.now(),
    )
    reason = _ignore_reason(parsed)
    if reason:
        record.outcome, record.reason = Outcome.IGNORED, reason
        return record
    found = reply_address.find_token(parsed.recipients)
    try:
        # A failed write leaves the log row to be written: undo only the write.
        with transaction.atomic():
            if found is not None:
                record.ticket, record.reason = _reply(parsed, *found)
                record.outcome = Outcome.REPLY
            else:
                record.ticket, record.reason = _new_request(parsed)
                record.outcome = Outcome.TICKET
    except Refused as refusal:
        record.outcome, record.reason = Outcome.REFUSED, str(refusal)
    except TicketError as error:
        record.outcome, record.reason = Outcome.REFUSED, error.message
    return record


def _own_addresses() -> set[str]:
    from email.utils import parseaddr

    own = {settings.SUPPORT_EMAIL_ADDRESS, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}
    own.add(parseaddr(settings.SERVER_EMAIL)[1])
    return {address.lower() for address in own if address}


def _ignore_reason(parsed: InboundEmail) -> str:
    if parsed.automatic:
        return parsed.automatic
    if parsed.spoofed:
        return "the sender's domain failed DMARC"
    if parsed.sender in _own_addresses() or reply_address.find_token([parsed.sender]):
        return "sent from our own address (a loop)"
    limit = settings.SUPPORT_INBOUND_PER_HOUR
    since = timezone.now() - timedelta(hours=1)
    if (
        limit
        and InboundMessage.objects.filter(sender=parsed.sender, received_at__gte=since).count()
        >= limit
    ):
        return f"more than {limit} messages from this sender in an hour"
    return ""


# --- Files ------------------------------------------------------------------------------


def _files(parsed: InboundEmail) -> tuple[list, list[str]]:
    """The attached files the tickets' checks accept, and a line for each refused one."""
    accepted, refused = [], []
    most = conf.get("TICKETS_ATTACHMENT_MAX_FILES")
    for item in parsed.attachments:
        upload = SimpleUploadedFile(
            attachments.clean_name(item.name), item.content, content_type=item.content_type
        )
        if len(accepted) >= most:
            refused.append(_("“%(name)s”: too many files in one message.") % {"name": upload.name})
            continue
        try:
            attachments.check_file(upload)
        except TicketError as error:
            refused.append(error.message)
            continue
        accepted.append(upload)
    return accepted, refused


def _with_refused(text: str, refused: list[str]) -> str:
    if not refused:
        return text
    note = _("Files sent by email that were not attached:")
    lines = "\n".join(f"- {line}" for line in refused)
    return f"{text}\n\n[{note}\n{lines}]".strip()


# --- Replies ----------------------------------------------------------------------------


def _is_requester_address(ticket: Ticket, sender: str) -> bool:
    requester = ticket.requester
    if requester is None or not requester.is_active:
        return False
    if requester.email.lower() == sender:
        return True
    return EmailAddress.objects.filter(user=requester, email__iexact=sender, verified=True).exists()


def _reply(parsed: InboundEmail, ticket_id: int, signature: str) -> tuple[Ticket, str]:
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None or not reply_address.verify(ticket, signature):
        raise Refused("the reply address is not valid (forged, or for another requester)")
    if not _is_requester_address(ticket, parsed.sender):
        raise Refused(f"the sender is not the requester of {ticket.reference}")
    with translation.override(ticket.language):  # refused files are named in its language
        files, refused = _files(parsed)
        text = parsed.text or (_("(Files sent by email.)") if files else "")
        body = _with_refused(text, refused)
    if not ticket.accepts_replies:
        services.reopen_by_customer(ticket, ticket.requester)
    services.reply_as_customer(ticket, ticket.requester, body, files=files)
    return ticket, "\n".join(refused)


# --- New requests -----------------------------------------------------------------------


def _product() -> Segment:
    products = Segment.objects.filter(kind=Segment.Kind.PRODUCT)
    product = None
    if settings.SUPPORT_EMAIL_PRODUCT:
        product = products.filter(slug=settings.SUPPORT_EMAIL_PRODUCT).first()
    product = product or products.order_by("pk").first()
    if product is None:
        raise Refused("there is no product to file a request under")
    return product


def _requester(parsed: InboundEmail):
    address = EmailAddress.objects.filter(email__iexact=parsed.sender, verified=True).first()
    if address is not None:
        user = address.user
    elif _known(parsed.sender):
        user, _created = upsert_by_email(parsed.sender)
    else:
        try:
            user, _created = upsert_by_email(
                parsed.sender,
                display_name=parsed.sender_name or None,
                language=parsed.language or None,
            )
        except InvalidEmail:
            raise Refused("the sender's address is not valid") from None
    if not user.is_active:
        raise Refused("the sender's account is not active")
    return user


def _known(sender: str) -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(email__iexact=sender).exists()


def _subject(parsed: InboundEmail, language: str) -> str:
    subject = parsed.subject.strip()
    if len(subject) < services.SUBJECT_MIN:
        first_line = next((line for line in parsed.text.splitlines() if line.strip()), "")
        subject = (
            first_line.strip()[:100] if len(first_line.strip()) >= services.SUBJECT_MIN else ""
        )
    if not subject:
        with translation.override(language):
            subject = _("Request sent by email")
    return subject[: services.SUBJECT_MAX]


def _new_request(parsed: InboundEmail) -> tuple[Ticket, str]:
    user = _requester(parsed)
    language = parsed.language or user.language or settings.LANGUAGE_CODE
    product = _product()
    subject = _subject(parsed, language)
    description = (
        parsed.text
        if len(parsed.text) >= services.DESCRIPTION_MIN
        else (f"{subject}\n\n{parsed.text}".strip())
    )
    with translation.override(language):
        files, refused = _files(parsed)
        description = _with_refused(description, refused)[: services.DESCRIPTION_MAX]
    flow = services.start_flow(user, product=product)
    query = f"{subject} {parsed.text}"
    suggestions = suggest_answers(
        query, user, product=product.slug, limit=conf.get("TICKETS_SUGGESTIONS_LIMIT")
    )
    services.record_suggestions(flow, query, suggestions, source=FlowQuery.Source.EMAIL)
    ticket = services.file_ticket(
        user,
        product=product,
        subject=subject,
        description=description,
        files=files,
        flow=flow,
        notify=False,
        language=language,
        source=Ticket.Source.EMAIL,
    )
    ordering = f"ticket:{ticket.pk}"
    if suggestions:
        outbox.enqueue(
            "inbound.send_suggestions",
            ticket.pk,
            key=f"ticket-suggestions:{ticket.pk}",
            ordering_key=ordering,
        )
    outbox.enqueue(
        tasks.confirm_ticket.name,
        ticket.pk,
        key=f"ticket-confirmation:{ticket.pk}",
        ordering_key=ordering,
    )
    return ticket, "\n".join(refused)
