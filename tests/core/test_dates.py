"""Dates for people: Solar Hijri with Persian digits in Persian, Django's formats elsewhere."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from core.dates import human_date, human_since, persian_digits

NOWRUZ_1405 = dt.date(2026, 3, 21)


def render(source: str, **context) -> str:
    return Template("{% load portico %}" + source).render(Context(context))


def test_persian_dates_are_solar_hijri_with_persian_digits():
    with translation.override("fa"):
        assert human_date(NOWRUZ_1405) == "۱ فروردین ۱۴۰۵"
        assert human_date(dt.date(2026, 3, 20)) == "۲۹ اسفند ۱۴۰۴"
        assert human_date(dt.date(2025, 12, 22)) == "۱ دی ۱۴۰۴"
        assert human_date(NOWRUZ_1405, "month") == "فروردین ۱۴۰۵"
        assert human_date(NOWRUZ_1405, "short") == "۱۴۰۵/۰۱/۰۱"
        assert human_date(NOWRUZ_1405, "day_month") == "۱ فروردین"


def test_persian_date_times_keep_the_local_time(settings):
    settings.TIME_ZONE = "Asia/Tehran"
    moment = dt.datetime(2026, 3, 20, 21, 0, tzinfo=ZoneInfo("UTC"))  # 00:30 in Tehran
    with translation.override("fa"):
        assert human_date(moment) == "۱ فروردین ۱۴۰۵"
        assert human_date(moment, "datetime") == "۱ فروردین ۱۴۰۵، ۰۰:۳۰"
        assert human_date(moment, "short_datetime") == "۱۴۰۵/۰۱/۰۱، ۰۰:۳۰"


def test_romanian_dates_use_romanian_month_names_in_lower_case():
    with translation.override("ro"):
        assert human_date(NOWRUZ_1405) == "21 martie 2026"
        assert human_date(NOWRUZ_1405, "month") == "martie 2026"
        assert human_date(NOWRUZ_1405, "short") == "21.03.2026"
        moment = dt.datetime(2026, 3, 21, 14, 5, tzinfo=ZoneInfo("UTC"))
        assert human_date(moment, "datetime") == "21 martie 2026, 14:05"


def test_english_dates_are_unchanged():
    with translation.override("en"):
        assert human_date(NOWRUZ_1405) == "March 21, 2026"


def test_the_template_filter_follows_the_active_language():
    source = "<time datetime=\"{{ d|date:'Y-m-d' }}\">{{ d|human_date }}</time>"
    with translation.override("fa"):
        html = render(source, d=NOWRUZ_1405)
    # The machine-readable date stays ISO; the human one is Solar Hijri.
    assert html == '<time datetime="2026-03-21">۱ فروردین ۱۴۰۵</time>'
    with translation.override("ro"):
        assert render("{{ d|human_date }}", d=NOWRUZ_1405) == "21 martie 2026"
    assert render("{{ d|human_date }}", d=None) == ""


def test_time_since_uses_persian_digits_in_persian():
    then = dt.datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC"))
    now = dt.datetime(2026, 3, 4, tzinfo=ZoneInfo("UTC"))
    with translation.override("fa"):
        assert human_since(then, now) == "۳\xa0روز"
    with translation.override("ro"):
        assert human_since(then, now) == "3\xa0zile"


def test_unknown_styles_are_refused():
    with pytest.raises(ValueError):
        human_date(NOWRUZ_1405, "fancy")
    assert persian_digits("2026-03") == "۲۰۲۶-۰۳"
