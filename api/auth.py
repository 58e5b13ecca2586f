"""Who is calling the API, and how often.

``Authorization: Bearer <token>`` makes the request its token's person (``users.tokens``):
``request.user`` becomes that person, so the access policy (``segments.policy``) sees
exactly what that person may see, never more. A header that is present but not a usable
token is refused with 401 — it never falls back to the session or to anonymous access.
Without the header the site's session is used (or nobody: public content only).

Scopes narrow a token, never widen its person: reads need ``read``, writes (``WRITE_AUTH``)
need ``write``, and the integration endpoints (``INTEGRATION_AUTH``) need ``integrations``
on a token an administrator created (``integration_token``): a person cannot give their
own token that scope.

Writes with the session (the site's own pages and scripts) need the CSRF token, exactly
as a form post does; a bearer token needs none (no browser sends it on its own).

Rate limits (``core.ratelimit``): with a token, ``PORTICO_RATE_LIMITS["api_token"]``
requests per token; otherwise — and for every failed token — ``["api"]`` per client
address.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from core import ratelimit
from core.http import client_ip
from users import tokens

from .errors import ApiError, RateLimited, error_response


def _limit(name: str, key: str) -> None:
    if not getattr(settings, "PORTICO_RATE_LIMITS_ENABLED", True):
        return
    wait = ratelimit.hit(name, key, getattr(settings, "PORTICO_RATE_LIMITS", {}).get(name, ""))
    if wait:
        raise RateLimited(wait)


def _limit_address(request) -> None:
    _limit("api", client_ip(request) or "unknown")


SCOPE_MESSAGES = {
    "read": lambda: _("This API token does not have the “read” scope."),
    "write": lambda: _("This API token does not have the “write” scope."),
    "integrations": lambda: _(
        "This API token is not an integration token (the “integrations” scope, given by "
        "an administrator)."
    ),
}


def integration_token(token) -> bool:
    """An integration token: the ``integrations`` scope, given by an administrator who
    may create tokens (``users.add_apitoken``) — never one a person made for themselves."""
    creator = token.created_by
    return (
        token.has_scope("integrations")
        and creator is not None
        and creator.is_active
        and creator.has_perm("users.add_apitoken")
    )


def _token_for(request, raw: str):
    """The usable token ``raw`` is (counted against its limit), or a 401."""
    found = tokens.authenticate(raw)
    if found is None:
        _limit_address(request)
        raise ApiError(
            401,
            _("The API token is missing, unknown, expired or revoked."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    _limit("api_token", str(found.pk))
    return found


def _bearer(request) -> str | None:
    """The token of the ``Authorization`` header; ``None`` without the header, a 401 for
    a header that is not ``Bearer <token>``."""
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
    return raw.strip()


class TokenAuth(HttpBearer):
    """A personal API token (created on the profile page or in the admin) with ``scope``."""

    openapi_description = "A personal API token: `Authorization: Bearer ptk_…`."

    def __init__(self, scope: str = "read"):
        super().__init__()
        self.scope = scope

    def __call__(self, request):
        raw = _bearer(request)
        if raw is None:
            return None
        return self.authenticate(request, raw)

    def authenticate(self, request, token):
        found = _token_for(request, token)
        if self.scope == "integrations":
            allowed = integration_token(found)
        else:
            allowed = found.has_scope(self.scope)
        if not allowed:
            raise ApiError(403, SCOPE_MESSAGES[self.scope]())
        request.user = found.user
        request.api_token = found
        return found


def session_or_anonymous(request):
    """The site's session (a signed-in person), or an anonymous visitor: public content."""
    _limit_address(request)
    request.api_token = None
    return request.user if request.user.is_authenticated else True


def session_with_csrf(request):
    """A signed-in person of the site's own pages writing: the CSRF token is required, as
    for a form post. Nobody signed in: not authenticated (401)."""
    _limit_address(request)
    request.api_token = None
    if not request.user.is_authenticated:
        return None
    if check_csrf(request) is not None:
        raise ApiError(403, _("CSRF check failed: send the X-CSRFToken header."))
    return request.user


#: Every read operation: a token first, then the session or nobody.
READ_AUTH = [TokenAuth(), session_or_anonymous]
#: Every write a person makes: a token with ``write``, or the session with CSRF.
WRITE_AUTH = [TokenAuth("write"), session_with_csrf]
#: Reads of a person's own data (tickets): a token with ``read``, or the session.
PERSONAL_AUTH = [TokenAuth(), session_with_csrf]
#: Integrations (CRM sync): an administrator's integration token only.
INTEGRATION_AUTH = [TokenAuth("integrations")]


def bearer_token(view):
    """A plain JSON view (the search API) that also takes a token: with ``Authorization:
    Bearer`` the request is the token's person (``read`` scope, the per-token limit), a
    bad header is a 401; without it the view runs as before (the session or nobody)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        request.api_token = None
        try:
            raw = _bearer(request)
            if raw is not None:
                TokenAuth("read").authenticate(request, raw)
        except ApiError as exc:
            response = error_response(exc.status, exc.message, exc.headers)
        except RateLimited as exc:
            from core.ratelimit import too_many_requests

            response = too_many_requests(exc.retry_after)
        else:
            response = view(request, *args, **kwargs)
        patch_vary_headers(response, ["Authorization"])
        return response

    return wrapper
