"""The language and direction of a piece of content.

Pages carry a Wagtail ``locale``; forum posts and other plain models may carry a
``language`` code. Content is marked up with its own ``lang`` and ``dir`` so a Persian
answer reads right-to-left on an English page (and an English article left-to-right in
the Persian interface).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils import translation

# Locale ids → language codes: locales are created once and never change their code, so
# one query fills this for the life of the process (and again only for a new locale).
_locale_codes: dict[int, str] = {}
_lock = threading.Lock()


def _locale_code(locale_id: int) -> str:
    code = _locale_codes.get(locale_id)
    if code is None:
        from wagtail.models import Locale

        with _lock:
            _locale_codes.update(Locale.objects.values_list("pk", "language_code"))
        code = _locale_codes.get(locale_id, "")
    return code


def content_language(obj) -> str:
    """The language code ``obj``'s text is written in, or ``""`` when it does not say
    (text people typed in, such as an answer, in whatever language they wrote)."""
    code = getattr(obj, "language", "") or ""
    if not code:
        cached = getattr(obj, "_state", None)
        locale = cached.fields_cache.get("locale") if cached is not None else None
        if locale is not None:
            code = locale.language_code
        elif getattr(obj, "locale_id", None):
            code = _locale_code(obj.locale_id)
    return code.split("-")[0].lower()


def is_bidi(code: str) -> bool:
    try:
        return bool(translation.get_language_info(code)["bidi"])
    except KeyError:
        return code in settings.LANGUAGES_BIDI


def direction(code: str) -> str:
    return "rtl" if is_bidi(code) else "ltr"


def supported_language(code: str | None) -> str:
    """``code`` as one of ``LANGUAGES`` (``fa-IR`` → ``fa``), or ``""``."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return ""


def writing_language(*candidates: str | None) -> str:
    """The first of ``candidates`` that the site offers (``"fa-IR"`` counts as ``"fa"``),
    else the active interface language, else the site's default: the language new content
    is filed under when its author did not say."""
    for candidate in (*candidates, translation.get_language(), settings.LANGUAGE_CODE):
        code = supported_language(candidate)
        if code:
            return code
    return "en"


def language_choices() -> list[tuple[str, str]]:
    """Each offered language under its own name ("فارسی", "Română"), for choosing the
    language something is written in."""
    choices = []
    for code, name in settings.LANGUAGES:
        try:
            local = translation.get_language_info(code)["name_local"]
        except KeyError:
            local = str(name)
        choices.append((code, local))
    return choices


def language_form_field(**kwargs):
    """A form field for the language a text is written in, starting at the interface's
    language (``initial`` is computed per form, at render time)."""
    from django import forms
    from django.utils.translation import gettext_lazy as _

    kwargs.setdefault("label", _("Language"))
    kwargs.setdefault("required", False)
    return forms.TypedChoiceField(choices=language_choices, coerce=writing_language, **kwargs)
