"""Cursor pagination: newest first, by id, with an opaque cursor.

A cursor names the last item of the previous page, so pages stay consistent while items
are added (no item repeated, none skipped) and every page is one indexed query, however
deep. ``?limit=`` items per page (``API_PAGE_SIZE`` by default, at most
``API_MAX_PAGE_SIZE``).
"""

from __future__ import annotations

import base64
import binascii

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .errors import ApiError

_VERSION = "v1:"
#: Largest id a cursor may name (a 64-bit key).
MAX_ID = 2**63 - 1


def encode(pk: int) -> str:
    return base64.urlsafe_b64encode(f"{_VERSION}{pk}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        if not text.startswith(_VERSION):
            raise ValueError(text)
        pk = int(text[len(_VERSION) :])
        if not 1 <= pk <= MAX_ID:
            raise ValueError(text)
        return pk
    except (ValueError, UnicodeError, binascii.Error):
        raise ApiError(400, _("cursor is not one this API gave out.")) from None


def page(queryset: QuerySet, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page of ``queryset`` after ``cursor``: the items and the next page's cursor."""
    if cursor:
        queryset = queryset.filter(pk__lt=decode(cursor))
    items = list(queryset.order_by("-pk")[: limit + 1])
    if len(items) > limit:
        items = items[:limit]
        return items, encode(items[-1].pk)
    return items, None
