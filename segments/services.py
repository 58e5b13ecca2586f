"""Writes to segment memberships: the only way grants change."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower

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
    # Of ``revoked``: grants of members the file does not list, and how many members.
    revoked_unlisted: int = 0
    members_removed: int = 0
    errors: list[str] = field(default_factory=list)


@transaction.atomic
def sync_imported_memberships(
    rows: dict[str, list[str]],
    *,
    replace: bool = True,
    partial: bool = False,
    progress=None,
) -> ImportReport:
    """Apply a CRM export: ``{email: ["product:ledger", "stage:active", ...]}``.

    With ``replace`` (the default) the file is the truth for imported grants: a listed
    member's imported grants the file no longer lists are revoked, and so are all imported
    grants of members the file does not list at all. ``partial`` is for a file that lists
    only some members: only the listed members' imported grants are replaced. Without
    ``replace`` nothing is revoked. Grants made by staff by hand are never touched.

    Emails match accounts whatever their case. Unknown emails and segments are reported,
    not fatal.
    """
    report = ImportReport()
    wanted_keys: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for email, keys in rows.items():
        normalized = email.strip().lower()
        if not normalized:
            continue
        wanted_keys.setdefault(normalized, []).extend(keys)
        spelled.setdefault(normalized, email.strip())
    accounts = _accounts_by_email(list(wanted_keys))
    segments: dict[str, Segment] = {}
    for email, keys in wanted_keys.items():
        matches = accounts.get(email, [])
        if len(matches) != 1:
            if matches:
                # Left alone, and not "missing from the file" either.
                report.errors.append(
                    f"{spelled[email]}: more than one account has this email (case aside)"
                )
            else:
                report.errors.append(f"{spelled[email]}: no account with this email")
            if progress:
                progress()
            continue
        [user] = matches
        wanted: set[int] = set()
        for key in keys:
            try:
                segment = segments.get(key) or resolve_segment(key)
            except UnknownSegment as exc:
                report.errors.append(f"{spelled[email]}: {exc}")
                continue
            segments[key] = segment
            if segment.pk in wanted:
                continue
            wanted.add(segment.pk)
            if SegmentMembership.objects.filter(user=user, segment=segment).exists():
                report.unchanged += 1
            else:
                grant(user, segment, source=SegmentMembership.Source.IMPORT)
                report.granted += 1
        if replace:
            stale = SegmentMembership.objects.filter(
                user=user, source=SegmentMembership.Source.IMPORT
            ).exclude(segment_id__in=wanted)
            report.revoked += stale.count()
            stale.delete()
            policy.forget(user)
        if progress:
            progress()
    if replace and not partial:
        listed = {user.pk for matches in accounts.values() for user in matches}
        _revoke_unlisted(report, listed_user_ids=listed)
    return report


# Parameters per IN (...) list: well below SQLite's and PostgreSQL's limits.
_CHUNK = 500


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _accounts_by_email(emails: list[str]) -> dict[str, list]:
    """The accounts of each lower-cased email, matched whatever the case they were stored
    in (more than one only when emails differ in case alone)."""
    accounts: dict[str, list] = {}
    for chunk in _chunks(emails):
        users = get_user_model().objects.annotate(email_lower=Lower("email"))
        for user in users.filter(email_lower__in=chunk).order_by("pk"):
            accounts.setdefault(user.email.lower(), []).append(user)
    return accounts


def _revoke_unlisted(report: ImportReport, *, listed_user_ids: set[int]) -> None:
    """Revoke the imported grants of every member the file does not list."""
    if not listed_user_ids:
        # A file that matches no account at all is far more likely a broken export than
        # "nobody has imported grants any more": keep everything and say so.
        report.errors.append(
            "no member of the file has an account: imported grants of members it does "
            "not list were kept"
        )
        return
    stale = [
        (pk, user_id)
        for pk, user_id in SegmentMembership.objects.filter(
            source=SegmentMembership.Source.IMPORT
        ).values_list("pk", "user_id")
        if user_id not in listed_user_ids
    ]
    report.members_removed += len({user_id for _, user_id in stale})
    report.revoked_unlisted += len(stale)
    report.revoked += len(stale)
    for chunk in _chunks([pk for pk, _ in stale]):
        SegmentMembership.objects.filter(pk__in=chunk).delete()
