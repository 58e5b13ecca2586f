"""The ``data`` of each event: ids, public URLs and the fields an integration needs.

Endpoints are registered by administrators, so payloads carry full content, restricted
items included (marked ``restricted`` with their target segments): the receiving system is
trusted like an administrator. See docs/webhooks.md.
"""

from __future__ import annotations

from core.mail import absolute_url


def _when(value) -> str | None:
    return value.isoformat() if value else None


def person(user) -> dict | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "name": getattr(user, "public_name", "") or user.get_username(),
        "email": user.email,
    }


def segment(value) -> dict | None:
    if value is None:
        return None
    return {"id": value.pk, "slug": value.slug, "name": value.name}


def _access(obj) -> dict:
    return {
        "restricted": bool(getattr(obj, "restricted", False)),
        "segments": [segment(s) for s in obj.segments.all()],
    }


# --- Support -------------------------------------------------------------------------------


def ticket(value) -> dict:
    return {
        "id": value.pk,
        "number": value.number,
        "reference": value.reference,
        "subject": value.subject,
        "description": value.description,
        "status": value.status,
        "priority": value.priority,
        "language": value.language,
        "source": value.source,
        "product": segment(value.product),
        "requester": person(value.requester),
        "assignee": person(value.assignee),
        "created_at": _when(value.created_at),
        "last_activity_at": _when(value.last_activity_at),
        "solved_at": _when(value.solved_at),
        "closed_at": _when(value.closed_at),
        "url": absolute_url(value.get_absolute_url()),
        "admin_url": absolute_url(value.get_admin_url()),
    }


def ticket_change(change) -> dict:
    return {
        "field": change.field,
        "old_value": change.old_value,
        "new_value": change.new_value,
        "old_label": change.old_label,
        "new_label": change.new_label,
        "actor": person(change.actor),
    }


def ticket_message(message) -> dict:
    return {
        "id": message.pk,
        "body": message.body,
        "from_agent": message.from_agent,
        "author": person(message.author),
        "created_at": _when(message.created_at),
    }


# --- Community -----------------------------------------------------------------------------


def question(value, *, tags=None) -> dict:
    return {
        "id": value.pk,
        "title": value.title,
        "body": value.body,
        "language": value.language,
        "status": value.status,
        "product": segment(value.product),
        "tags": sorted(tags if tags is not None else value.tags.names()),
        "author": person(value.author),
        "is_public": value.is_public,
        "awaiting_review": value.awaiting_review,
        "restricted": bool(value.restricted),
        "created_at": _when(value.created_at),
        "url": absolute_url(value.get_absolute_url()),
    }


def answer(value) -> dict:
    return {
        "id": value.pk,
        "body": value.body,
        "author": person(value.author),
        "is_official": value.is_official,
        "is_accepted": value.is_accepted,
        "accepted_at": _when(value.accepted_at),
        "accepted_by": person(value.accepted_by),
        "is_public": value.is_public,
        "awaiting_review": value.awaiting_review,
        "created_at": _when(value.created_at),
        "url": absolute_url(value.get_absolute_url()),
    }


# --- Pages ---------------------------------------------------------------------------------


def page_url(page) -> str:
    parts = page.get_url_parts()
    if not parts or parts[2] is None:
        return page.full_url or ""
    return absolute_url(parts[2])


def page(value, revision=None) -> dict:
    return {
        "id": value.pk,
        "title": value.title,
        "slug": value.slug,
        "summary": getattr(value, "summary", ""),
        "locale": value.locale.language_code,
        "translation_key": str(value.translation_key),
        "revision_id": getattr(revision, "pk", None) or value.live_revision_id,
        "first_published_at": _when(value.first_published_at),
        "last_published_at": _when(value.last_published_at),
        "url": page_url(value),
        **_access(value),
    }


def announcement(value, revision=None) -> dict:
    return {**page(value, revision), "date": _when(value.date)}
