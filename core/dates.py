"""Dates as people read them, in the active language: the one formatting helper.

Persian readers get the Solar Hijri (Jalali) calendar with Persian digits
(``۱ فروردین ۱۴۰۵``); every other language gets Django's own localized formats
(``21 martie 2026`` in Romanian). Machine formats (ISO dates in ``<time datetime>``,
feeds, sitemaps, JSON) never come through here.

Styles: ``date`` (the default), ``datetime``, ``month`` (month and year), ``short`` and
``short_datetime`` (numeric), ``day_month``.
"""

from __future__ import annotations

import datetime as dt

import jdatetime
from django.utils import dateformat, formats, timezone, translation
from django.utils.timesince import timesince

# Languages that read dates in the Solar Hijri calendar.
JALALI_LANGUAGES = frozenset({"fa"})

DJANGO_FORMATS = {
    "date": "DATE_FORMAT",
    "datetime": "DATETIME_FORMAT",
    "month": "YEAR_MONTH_FORMAT",
    "short": "SHORT_DATE_FORMAT",
    "short_datetime": "SHORT_DATETIME_FORMAT",
    "day_month": "MONTH_DAY_FORMAT",
}

# Languages that write month names in lower case (Django's catalogue capitalises them).
LOWER_CASE_MONTHS = frozenset({"ro"})

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def persian_digits(text: str) -> str:
    """``text`` with its ASCII digits written as Persian digits."""
    return str(text).translate(PERSIAN_DIGITS)


def _language(language: str | None = None) -> str:
    return (language or translation.get_language() or "").split("-")[0].lower()


def uses_jalali(language: str | None = None) -> bool:
    return _language(language) in JALALI_LANGUAGES


def _jalali(value: dt.date | dt.datetime, style: str) -> str:
    if isinstance(value, dt.datetime):
        j = jdatetime.datetime.fromgregorian(datetime=value)
    else:
        j = jdatetime.date.fromgregorian(date=value)
    month = jdatetime.date.j_months_fa[j.month - 1]
    if style == "month":
        text = f"{month} {j.year}"
    elif style == "day_month":
        text = f"{j.day} {month}"
    elif style in {"short", "short_datetime"}:
        text = f"{j.year}/{j.month:02d}/{j.day:02d}"
    else:
        text = f"{j.day} {month} {j.year}"
    if style in {"datetime", "short_datetime"} and isinstance(value, dt.datetime):
        text = f"{text}، {value.hour:02d}:{value.minute:02d}"
    return persian_digits(text)


def human_date(value, style: str = "date") -> str:
    """``value`` (a date or datetime) written for people in the active language.

    Aware datetimes are shown in the current time zone; ``""`` for an empty value.
    """
    if value in (None, ""):
        return ""
    if style not in DJANGO_FORMATS:
        raise ValueError(f"unknown date style {style!r}")
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if uses_jalali():
        return _jalali(value, style)
    if not isinstance(value, dt.datetime) and style in {"datetime", "short_datetime"}:
        style = "date" if style == "datetime" else "short"
    format_string = formats.get_format(DJANGO_FORMATS[style])
    if _language() in LOWER_CASE_MONTHS and "F" in format_string:
        month = dateformat.format(value, "F").lower()
        format_string = format_string.replace("F", "".join("\\" + c for c in month))
    return dateformat.format(value, format_string)


def human_since(value, now=None) -> str:
    """How long ago ``value`` was (``3 days``), with Persian digits in Persian."""
    if value in (None, ""):
        return ""
    text = timesince(value, now)
    return persian_digits(text) if uses_jalali() else text


# Languages whose numbers are written with their own digits.
NATIVE_DIGIT_LANGUAGES = frozenset({"fa"})


class LocalNumber(int):
    """A whole number that prints with the active language's digits (``۱۲`` in Persian)
    and still counts as itself: ``{% blocktranslate count counter=n|number %}`` picks the
    plural form from the number and shows it in the reader's digits."""

    def __str__(self) -> str:
        text = int.__repr__(self)
        return persian_digits(text) if _language() in NATIVE_DIGIT_LANGUAGES else text

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else int.__format__(self, spec)

    def __repr__(self) -> str:
        return f"LocalNumber({int.__repr__(self)})"


def local_number(value):
    """``value`` as a ``LocalNumber`` when it is a whole number (or the text of one),
    else unchanged."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return LocalNumber(value)
    return value
