"""API tokens: create, revoke, and recognise one in a request.

A token is ``ptk_`` followed by 43 random URL-safe characters (256 bits). Only its
SHA-256 is stored, so a copy of the database gives nobody a working token; the token is
returned once by ``create_token`` and never again. Looking one up hashes what the client
sent and finds the digest (an index lookup, no comparison of secrets in Python).

``last_used_at`` is written at most once per ``API_TOKEN_LAST_USED_RESOLUTION`` seconds
(one small UPDATE a minute for a busy integration, not one per request).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import ApiToken

TOKEN_PREFIX = "ptk_"
SCOPES = tuple(ApiToken.Scope.values)


class InvalidScopes(ValueError):
    pass


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(
    user,
    *,
    name: str,
    scopes: Iterable[str] = ("read",),
    expires_at: datetime | None = None,
    created_by=None,
) -> tuple[ApiToken, str]:
    """A new token for ``user``: the saved record and the token itself (show it once)."""
    chosen = [scope for scope in SCOPES if scope in set(scopes)]
    unknown = set(scopes) - set(SCOPES)
    if unknown or not chosen:
        raise InvalidScopes(f"scopes must be some of {', '.join(SCOPES)}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:80] or "API",
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=digest(raw),
        scopes=" ".join(chosen),
        expires_at=expires_at,
        created_by=created_by or user,
    )
    return token, raw


def expiry_in(days: int | None) -> datetime | None:
    return timezone.now() + timedelta(days=days) if days else None


def revoke_token(token: ApiToken) -> ApiToken:
    """Stop ``token`` from authenticating, at once; the record stays for the audit trail."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def revoke_for(user, token_id) -> bool:
    """Revoke one of ``user``'s own tokens; ``False`` when it is not theirs."""
    if not 0 < int(token_id) < 2**63:  # a 64-bit key; anything else names no token
        return False
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        return False
    revoke_token(token)
    return True


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def authenticate(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token ``raw`` is, with its person loaded; ``None`` for anything else
    (unknown, revoked, expired, or its person deactivated)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = now or timezone.now()
    token = ApiToken.objects.usable(now).select_related("user").filter(digest=digest(raw)).first()
    if token is None:
        return None
    resolution = settings.API_TOKEN_LAST_USED_RESOLUTION
    if token.last_used_at is None or now - token.last_used_at >= timedelta(seconds=resolution):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
