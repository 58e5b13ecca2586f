"""What a request must look like, and who may act on it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from segments.models import Segment

from .. import conf
from ..errors import InvalidTicket, NotAllowed
from ..models import Ticket
from ..permissions import is_agent

SUBJECT_MIN, SUBJECT_MAX = 5, 200


DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 20_000


MESSAGE_MAX = 20_000


MAX_TAGS = 10


_SPACES = re.compile(r"\s+")


_TAG = re.compile(r"^[\w][\w .+#-]*$")


def clean_subject(subject: str) -> str:
    subject = _SPACES.sub(" ", subject or "").strip()
    if len(subject) < SUBJECT_MIN:
        raise InvalidTicket(
            _("Please give your request a subject of at least %(n)s characters.")
            % {"n": SUBJECT_MIN}
        )
    if len(subject) > SUBJECT_MAX:
        raise InvalidTicket(
            _("The subject can have at most %(n)s characters.") % {"n": SUBJECT_MAX}
        )
    return subject


def clean_description(text: str) -> str:
    text = (text or "").strip()
    if len(text) < DESCRIPTION_MIN:
        raise InvalidTicket(
            _("Please describe the problem in at least %(n)s characters.") % {"n": DESCRIPTION_MIN}
        )
    if len(text) > DESCRIPTION_MAX:
        raise InvalidTicket(
            _("The description can have at most %(n)s characters (this one has %(count)s).")
            % {"n": DESCRIPTION_MAX, "count": len(text)}
        )
    return text


def clean_message(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidTicket(_("The message is empty."))
    if len(text) > MESSAGE_MAX:
        raise InvalidTicket(
            _("Messages can have at most %(n)s characters (this one has %(count)s).")
            % {"n": MESSAGE_MAX, "count": len(text)}
        )
    return text


def clean_product(product) -> Segment:
    if not isinstance(product, Segment) or product.kind != Segment.Kind.PRODUCT:
        raise InvalidTicket(_("Choose the product your request is about."))
    return product


def clean_priority(priority) -> int:
    try:
        value = int(priority)
    except (TypeError, ValueError):
        value = None
    if value not in Ticket.Priority.values:
        raise InvalidTicket(_("Choose a priority."))
    return value


def clean_categories(categories: Iterable[str]) -> list[str]:
    """A customer's categories: only the ones offered (``TICKETS_CATEGORIES``)."""
    offered = conf.category_slugs()
    chosen = []
    for slug in categories or ():
        if slug not in offered:
            raise InvalidTicket(_("Choose categories from the list."))
        if slug not in chosen:
            chosen.append(slug)
    return chosen


def parse_tags(tags: str | Iterable[str]) -> list[str]:
    """An agent's tags: ``"billing, vip"`` → ``["billing", "vip"]`` (any tag, at most 10)."""
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    cleaned: list[str] = []
    for item in items:
        name = _SPACES.sub(" ", str(item)).strip().lower()
        if name and name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise InvalidTicket(_("Use at most %(n)s tags.") % {"n": MAX_TAGS})
    for name in cleaned:
        if len(name) > 50 or not _TAG.match(name):
            raise InvalidTicket(
                _("“%(tag)s” is not a valid tag: use letters, digits, spaces or - . + #.")
                % {"tag": name[:60]}
            )
    return cleaned


def ensure_agent(user) -> None:
    if not is_agent(user):
        raise NotAllowed(_("Only the support team can do this."))


def _ensure_requester(ticket: Ticket, user) -> None:
    if not getattr(user, "is_authenticated", False) or ticket.requester_id != user.pk:
        raise NotAllowed(_("This request is not yours."))
