"""The language a member reads the portal in.

First visits follow the browser (``Accept-Language``, through Django's
``LocaleMiddleware``); a choice made with the language switcher is kept in Django's
language cookie, never in a session, so reading anonymously creates no session. A
signed-in member's choice is also kept on their account (``User.language``): it applies
on every request, on every device, and to the emails they receive. At sign-in, an
account without a language keeps the one the member was reading in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from core.languages import supported_language


def account_language(user) -> str:
    """The language kept on ``user``'s account, or ``""`` (anonymous, or none chosen)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return supported_language(getattr(user, "language", ""))


def set_language_cookie(response, language: str) -> None:
    """The same cookie Django's ``set_language`` view writes."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _activate(request, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = language


class AccountLanguageMiddleware:
    """A signed-in member reads in their account's language.

    Place it after ``LocaleMiddleware`` and ``AuthenticationMiddleware``. It also writes
    the language cookie when it differs from the account's, so the choice survives
    signing out on that browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = account_language(getattr(request, "user", None))
        if language:
            _activate(request, language)
        response = self.get_response(request)
        # The member may have signed in (or changed their language) during this request.
        language = account_language(getattr(request, "user", None))
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            set_language_cookie(response, language)
        return response


@receiver(user_logged_in, dispatch_uid="users.language.apply_at_sign_in")
def apply_at_sign_in(sender, request, user, **kwargs):
    """At sign-in, the account's language applies; an account without one keeps the
    language the member was reading in."""
    language = account_language(user)
    if language:
        if request is not None:
            _activate(request, language)
        return
    current = supported_language(
        getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    )
    if current:
        from .services import set_language

        set_language(user, current)
