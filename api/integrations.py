"""For integrations (a CRM sync): segment memberships and accounts.

Only an integration token may call these: the ``integrations`` scope on a token an
administrator created in the Wagtail admin (``api.auth.integration_token``). Writes go
through ``segments.services`` (``grant``/``revoke``: the policy forgets its cached answer
for that person at once) and ``users.services.upsert_by_email``. Grants made here are
CRM grants (``source = import``), like the CSV import's. Staff and administrator accounts
are managed in the admin only: an integration cannot change them.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from segments import services as segment_services
from segments.models import Segment, SegmentMembership
from users import services as user_services

from . import pagination
from .auth import INTEGRATION_AUTH
from .errors import ApiError, ErrorBody
from .resources import _limit
from .schemas import MembershipIn, MembershipList, MembershipOut, UserIn, UserOut

router = Router(auth=INTEGRATION_AUTH, tags=["integrations"])

ERRORS = {400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody}
DETAIL_ERRORS = {**ERRORS, 404: ErrorBody}
SEGMENT_KEY = r"^[a-z_]{1,20}:[\w-]{1,100}$"


def _membership(item: SegmentMembership) -> dict:
    return {
        "id": item.pk,
        "email": item.user.email,
        "segment": f"{item.segment.kind}:{item.segment.slug}",
        "source": item.source,
        "note": item.note,
        "created_at": item.created_at,
        "expires_at": item.expires_at,
    }


def _segment(key: str) -> Segment:
    try:
        return segment_services.resolve_segment(key)
    except segment_services.UnknownSegment:
        raise ApiError(400, _("There is no segment “%(key)s”.") % {"key": key[:120]}) from None


def _account(email: str):
    found = (
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=email.strip().lower())
        .order_by("pk")
        .first()
    )
    if found is None:
        raise ApiError(404, _("There is no account with this email address."))
    return found


def _not_staff(user) -> None:
    if user.is_staff or user.is_superuser:
        raise ApiError(403, _("Staff accounts are managed in the admin only."))


@router.get(
    "/integrations/memberships",
    response={200: MembershipList, **ERRORS},
    summary="Segment memberships (granted by staff or a CRM), newest first",
)
def list_memberships(
    request,
    email: str | None = Query(None, max_length=254),
    segment: str | None = Query(None, pattern=SEGMENT_KEY, description="`kind:slug`."),
    source: str | None = Query(None, pattern="^(staff|import)$"),
    cursor: str | None = Query(None, max_length=100),
    limit: int = _limit(),
):
    memberships = SegmentMembership.objects.select_related("user", "segment")
    if email:
        memberships = memberships.annotate(email_lower=Lower("user__email")).filter(
            email_lower=email.strip().lower()
        )
    if segment:
        kind, _sep, slug = segment.partition(":")
        memberships = memberships.filter(segment__kind=kind, segment__slug=slug)
    if source:
        memberships = memberships.filter(source=source)
    items, next_cursor = pagination.page(memberships, cursor, limit)
    return {"results": [_membership(m) for m in items], "next_cursor": next_cursor}


@router.post(
    "/integrations/memberships",
    response={200: MembershipOut, **DETAIL_ERRORS},
    summary="Grant a segment to the account of an email (or change the grant)",
)
def grant_membership(request, data: MembershipIn):
    """The grant's expiry and note are replaced; granting again is harmless."""
    user = _account(data.email)
    membership = segment_services.grant(
        user,
        _segment(data.segment),
        source=SegmentMembership.Source.IMPORT,
        granted_by=request.user,
        expires_at=data.expires_at,
        note=data.note,
    )
    return _membership(
        SegmentMembership.objects.select_related("user", "segment").get(pk=membership.pk)
    )


@router.delete(
    "/integrations/memberships/{membership_id}",
    response={204: None, **DETAIL_ERRORS},
    summary="Revoke a segment membership",
)
def revoke_membership(request, membership_id: int = Path(..., ge=1, le=pagination.MAX_ID)):
    membership = get_object_or_404(
        SegmentMembership.objects.select_related("user", "segment"), pk=membership_id
    )
    segment_services.revoke(membership.user, membership.segment)
    return Status(204, None)


@router.put(
    "/integrations/users",
    response={200: UserOut, 201: UserOut, **ERRORS},
    summary="Create or update the account of an email",
)
def upsert_user(request, data: UserIn):
    """201 when the account is new (no password: its person sets one by resetting it),
    200 when it existed. Fields left out (or `null`) are not changed."""
    existing = get_user_model().objects.filter(email__iexact=data.email.strip()).first()
    if existing is not None:
        _not_staff(existing)
    try:
        user, created = user_services.upsert_by_email(
            data.email,
            display_name=data.display_name,
            language=data.language,
            is_active=data.is_active,
        )
    except user_services.InvalidEmail:
        raise ApiError(400, _("email: not an email address.")) from None
    except user_services.NotALanguage:
        raise ApiError(400, _("language: not a language of the site.")) from None
    return Status(
        201 if created else 200,
        {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "is_active": user.is_active,
            "created": created,
        },
    )
