"""Reading ids and numbers that come from a request, and form fields that refuse what the
database could not store.

Anything a visitor sends is text: ``"abc"``, ``"1.5"``, ``"٣"`` or
``"9223372036854775808"`` must end as "no such thing" (a 404 or a form error), never as
an exception from the database driver. Ids are whole numbers from 1 to the largest the
databases store (a signed 64-bit integer).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

MAX_ID = 2**63 - 1
MAX_DIGITS = len(str(MAX_ID))


def parse_int(value, *, minimum: int = -MAX_ID, maximum: int = MAX_ID) -> int | None:
    """``value`` as an ``int`` within ``minimum..maximum``, or ``None``.

    Only plain ASCII digits (with an optional ``-``) count: no fractions, exponents,
    spaces inside, other scripts' digits, or numbers longer than any we store.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        if not isinstance(value, str):
            return None
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if not digits or len(digits) > MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
            return None
        number = int(text)
    return number if minimum <= number <= maximum else None


def parse_id(value) -> int | None:
    """A database id (1 … 2⁶³−1) from request data, or ``None``."""
    return parse_int(value, minimum=1, maximum=MAX_ID)


class IdField(forms.IntegerField):
    """An id in a form: a whole number the database can store."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def _fits_key(field, value) -> bool:
    """Whether ``value`` could be in the key column (an ``IN (…)`` with an out-of-range
    integer makes the database driver raise instead of finding nothing)."""
    name = field.to_field_name or "pk"
    model = field.queryset.model
    key = model._meta.pk if name == "pk" else model._meta.get_field(name)
    try:
        key.run_validators(key.to_python(value))
    except (ValidationError, TypeError, ValueError, OverflowError):
        return False
    return True


class ModelChoiceField(forms.ModelChoiceField):
    """``forms.ModelChoiceField`` that refuses ids out of the key column's range."""

    def to_python(self, value):
        if (
            value not in self.empty_values
            and not isinstance(value, self.queryset.model)
            and not _fits_key(self, value)
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """``forms.ModelMultipleChoiceField`` that refuses ids out of the key column's range."""

    def _check_values(self, value):
        values = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
        for item in values:
            if item not in self.empty_values and not _fits_key(self, item):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super()._check_values(value)


NUL = "\x00"


def _holds_nul(values) -> bool:
    return any(NUL in value for value in values if isinstance(value, str))


def nul_response(request):
    from django.utils.translation import gettext as _

    from .http import error_answer

    message = _(
        "What you sent contains a null character (U+0000), which no text can hold. "
        "Remove it and try again."
    )
    return error_answer(request, 400, message, "400.html")


class NulCharacterMiddleware:
    """Answer 400 to a request whose address, query or form holds a null character.

    No text a person types contains U+0000, and PostgreSQL cannot store it: left alone it
    would reach a view's query or ``save()`` and end as a database error (a 500). Checked
    once here for the path, every query value and every form value, so no view has to
    (uploaded files' names lose theirs in Django's parser). Other bodies (JSON) are left
    to the views that parse them.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or self._in_query(request) or self._in_form(request):
            return nul_response(request)
        return self.get_response(request)

    @staticmethod
    def _in_query(request) -> bool:
        return any(NUL in key or _holds_nul(values) for key, values in request.GET.lists())

    def _in_form(self, request) -> bool:
        if request.method != "POST" or request.content_type not in self.FORM_TYPES:
            return False
        return any(NUL in key or _holds_nul(values) for key, values in request.POST.lists())
