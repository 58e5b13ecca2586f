"""Who is calling the API, and how often.

``Authorization: Bearer <token>`` makes the request its token's person (``users.tokens``):
``request.user`` becomes that person, so the access policy (``segments.policy``) sees
exactly what that person may see, never more. A header that is present but not a usable
token is refused with 401 — it never falls back to the session or to anonymous access.
Without the header the site's session is used (or nobody: public content only).

Rate limits (``core.ratelimit``): with a token, ``PORTICO_RATE_LIMITS["api_token"]``
requests per token; otherwise — and for every failed token — ``["api"]`` per client
address.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from core import ratelimit
from core.http import client_ip
from users import tokens

from .errors import ApiError, RateLimited


def _limit(name: str, key: str) -> None:
    if not getattr(settings, "PORTICO_RATE_LIMITS_ENABLED", True):
        return
    wait = ratelimit.hit(name, key, getattr(settings, "PORTICO_RATE_LIMITS", {}).get(name, ""))
    if wait:
        raise RateLimited(wait)


def _limit_address(request) -> None:
    _limit("api", client_ip(request) or "unknown")


class TokenAuth(HttpBearer):
    """A personal API token (created on the profile page or in the admin)."""

    openapi_description = "A personal API token: `Authorization: Bearer ptk_…`."

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            _limit_address(request)
            raise ApiError(
                401,
                _("Send the API token as: Authorization: Bearer <token>."),
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        return self.authenticate(request, raw.strip())

    def authenticate(self, request, token):
        found = tokens.authenticate(token)
        if found is None:
            _limit_address(request)
            raise ApiError(
                401,
                _("The API token is missing, unknown, expired or revoked."),
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        _limit("api_token", str(found.pk))
        if not found.has_scope("read"):
            raise ApiError(403, _("This API token does not have the “read” scope."))
        request.user = found.user
        request.api_token = found
        return found


def session_or_anonymous(request):
    """The site's session (a signed-in person), or an anonymous visitor: public content."""
    _limit_address(request)
    request.api_token = None
    return request.user if request.user.is_authenticated else True


#: Every read operation: a token first, then the session or nobody.
READ_AUTH = [TokenAuth(), session_or_anonymous]
