"""Two-factor sign-in for the people who can see everything.

Editors, staff and superusers (``segments.policy.is_privileged``) see all restricted
content and run the Wagtail admin, so with ``PORTICO_REQUIRE_MFA_FOR_STAFF`` they must
activate an authenticator app (TOTP) before anything else: until they do, every request
is sent to allauth's activation page. Only what that step needs stays open: the
two-factor pages themselves, re-entering the password (allauth asks for it before a
device is added), signing out, and static and media files.

Sign-in itself always goes through allauth (``/admin/login/`` leads there), which asks
for the second factor whenever the account has one.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from segments import policy

_TOTP_CACHE = "_portico_has_totp"


def mfa_required() -> bool:
    return settings.PORTICO_REQUIRE_MFA_FOR_STAFF


def needs_totp(user) -> bool:
    """Whether ``user`` must activate TOTP before going on (with the setting on)."""
    if not policy.is_privileged(user):
        return False
    has_totp = getattr(user, _TOTP_CACHE, None)
    if has_totp is None:
        has_totp = is_mfa_enabled(user, [Authenticator.Type.TOTP])
        setattr(user, _TOTP_CACHE, has_totp)
    return not has_totp


def _open_paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(prefixes, exact paths) a privileged member without TOTP may still reach."""
    prefixes = [reverse("mfa_index")]
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and url.startswith("/") and url != "/":
            prefixes.append(url)
    exact = (reverse("account_logout"), reverse("account_reauthenticate"))
    return tuple(prefixes), exact


class RequireStaffMFAMiddleware:
    """Send privileged members without an authenticator app to activate one.

    Place it after ``AuthenticationMiddleware``, ``MessageMiddleware`` and allauth's
    ``AccountMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if mfa_required() and self._must_activate(request):
            messages.warning(
                request,
                _(
                    "Your account can see everything in the portal and the admin. "
                    "Set up an authenticator app to continue."
                ),
                fail_silently=True,
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_activate(self, request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        prefixes, exact = _open_paths()
        path = request.path_info
        if path in exact or path.startswith(prefixes):
            return False
        return needs_totp(user)
