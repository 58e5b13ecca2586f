"""Writes to segment memberships: the only way grants change."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from . import policy
from .models import Segment, SegmentMembership


class UnknownSegment(ValueError):
    pass


def resolve_segment(key: str) -> Segment:
    """Find a segment by its ``kind:slug`` key."""
    kind, _, slug = key.strip().partition(":")
    if not slug:
        raise UnknownSegment(f"{key!r} is not of the form kind:slug (e.g. product:ledger)")
    try:
        return Segment.objects.get(kind=kind.strip(), slug=slug.strip())
    except Segment.DoesNotExist:
        raise UnknownSegment(f"no segment {key!r}") from None


@transaction.atomic
def grant(
    user,
    segment: Segment,
    *,
    source=SegmentMembership.Source.STAFF,
    granted_by=None,
    expires_at=None,
    note="",
) -> SegmentMembership:
    membership, _ = SegmentMembership.objects.update_or_create(
        user=user,
        segment=segment,
        defaults={
            "source": source,
            "granted_by": granted_by,
            "expires_at": expires_at,
            "note": note,
        },
    )
    policy.forget(user)
    return membership


@transaction.atomic
def revoke(user, segment: Segment) -> bool:
    deleted, _ = SegmentMembership.objects.filter(user=user, segment=segment).delete()
    policy.forget(user)
    return bool(deleted)


@dataclass
class ImportReport:
    granted: int = 0
    revoked: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


@transaction.atomic
def sync_imported_memberships(
    rows: dict[str, list[str]], *, replace: bool = True, progress=None
) -> ImportReport:
    """Apply a CRM export: ``{email: ["product:ledger", "stage:active", ...]}``.

    With ``replace``, imported grants a row no longer lists are revoked; grants made by
    staff by hand are never touched. Unknown emails and segments are reported, not fatal.
    """
    report = ImportReport()
    users = {
        u.email.lower(): u for u in get_user_model().objects.filter(email__in=list(rows.keys()))
    }
    for email, keys in rows.items():
        user = users.get(email.lower())
        if user is None:
            report.errors.append(f"{email}: no account with this email")
            if progress:
                progress()
            continue
        wanted: set[int] = set()
        for key in keys:
            try:
                segment = resolve_segment(key)
            except UnknownSegment as exc:
                report.errors.append(f"{email}: {exc}")
                continue
            wanted.add(segment.pk)
            existing = SegmentMembership.objects.filter(user=user, segment=segment).first()
            if existing is None:
                grant(user, segment, source=SegmentMembership.Source.IMPORT)
                report.granted += 1
            else:
                report.unchanged += 1
        if replace:
            stale = SegmentMembership.objects.filter(
                user=user, source=SegmentMembership.Source.IMPORT
            ).exclude(segment_id__in=wanted)
            report.revoked += stale.count()
            stale.delete()
            policy.forget(user)
        if progress:
            progress()
    return report
