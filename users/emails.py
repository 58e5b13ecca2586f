"""Email addresses as people really have them, internationalised ones included.

Django's ``EmailValidator`` (and allauth's email field built on it) accepts only ASCII in
the part before the ``@``. Addresses such as ``josé@example.com`` or ``مریم@example.ir``
are valid (RFC 6531) and are imported from CRMs and created by staff, so the portal's
sign-in and sign-up forms accept them too: any non-ASCII letter is allowed in the local
part, and the domain is checked by Django's own rules (IDNA domains included).
"""

from __future__ import annotations

import re

from django import forms
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

# A dot-atom of anything but spaces, ``@`` and the characters RFC 5322 reserves; quoted
# local parts are not accepted (no provider hands them out).
_LOCAL_PART = re.compile(r"^[^\s@\"(),:;<>\[\\\]]+(?:\.[^\s@\"(),:;<>\[\\\]]+)*\Z")


class InternationalEmailValidator(EmailValidator):
    user_regex = _LOCAL_PART
    message = _("Enter a valid email address.")


validate_international_email = InternationalEmailValidator()


class InternationalEmailField(forms.CharField):
    """An email address, internationalised ones included, lower-cased like allauth's."""

    default_validators = [validate_international_email]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Email"))
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault(
            "widget",
            # ``type="email"`` would let the browser refuse a non-ASCII local part.
            forms.TextInput(
                attrs={
                    "autocomplete": "email",
                    "inputmode": "email",
                    "spellcheck": "false",
                    "autocapitalize": "none",
                    "placeholder": _("Email address"),
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return value.lower() if value else value
