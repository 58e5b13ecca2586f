"""The per-ticket reply address: ``support+<token>@example.com``.

Every email to a customer about a ticket carries it as its ``Reply-To``, so answering the
email adds to the ticket (``inbound.services.process_inbound``). The token is the
ticket's id and an HMAC (``django.core.signing``'s ``salted_hmac``, salted for this
purpose) over the ticket's id and its requester's id: it cannot be guessed or moved to
another ticket, and it stops working when the ticket changes hands. Lower-case hex only,
so a mail server that folds the address's case does not break it.

Off (no ``Reply-To``, customers reply on the portal) while ``SUPPORT_EMAIL_ADDRESS`` is
empty.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from core import mail

SALT = "tickets.reply-address"
SIGNATURE_LENGTH = 20
TOKEN = r"(\d{1,12})-([0-9a-f]{" + str(SIGNATURE_LENGTH) + "})"


def enabled() -> bool:
    return bool(settings.SUPPORT_EMAIL_ADDRESS)


def template() -> str:
    """``SUPPORT_REPLY_TO_TEMPLATE``, or ``local+{token}@domain`` of the support address."""
    if settings.SUPPORT_REPLY_TO_TEMPLATE:
        return settings.SUPPORT_REPLY_TO_TEMPLATE
    local, _at, domain = settings.SUPPORT_EMAIL_ADDRESS.rpartition("@")
    return f"{local}+{{token}}@{domain}"


def _signature(ticket_id: int, requester_id: int | None) -> str:
    value = f"{ticket_id}:{requester_id or ''}"
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:SIGNATURE_LENGTH]


def token(ticket) -> str:
    return f"{ticket.pk}-{_signature(ticket.pk, ticket.requester_id)}"


def address(ticket) -> str | None:
    """The address a reply to ``ticket``'s emails goes to (``None`` when the channel is off)."""
    if not enabled():
        return None
    return template().replace("{token}", token(ticket))


def _pattern() -> re.Pattern:
    before, _token, after = template().partition("{token}")
    return re.compile(re.escape(before) + TOKEN + re.escape(after), re.IGNORECASE)


def find_token(addresses) -> tuple[int, str] | None:
    """``(ticket id, signature)`` from the first of ``addresses`` shaped like a reply
    address (checked later with ``verify``), else ``None``."""
    if not enabled():
        return None
    pattern = _pattern()
    for item in addresses:
        match = pattern.fullmatch(str(item).strip())
        if match:
            return int(match.group(1)), match.group(2).lower()
    return None


def verify(ticket, signature: str) -> bool:
    """Whether ``signature`` was made for ``ticket`` and its current requester."""
    return constant_time_compare(_signature(ticket.pk, ticket.requester_id), signature)


def thread_root(ticket) -> str:
    """The Message-ID of the first email about ``ticket`` (the receipt); every later email
    refers to it, so mail clients keep the conversation together."""
    return mail.message_id(f"ticket-{ticket.pk}")
