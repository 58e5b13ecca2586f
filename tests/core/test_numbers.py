"""Counts in the reader's digits: Persian digits in Persian, the plural still chosen by
the number."""

import pytest
from django.template import Context, Template
from django.utils import translation

from core.dates import LocalNumber, local_number

COUNT = Template(
    "{% load i18n portico %}{% blocktranslate count counter=n|number %}{{ counter }} answer"
    "{% plural %}{{ counter }} answers{% endblocktranslate %}"
)


@pytest.mark.parametrize(
    "language,n,expected",
    [
        ("en", 1, "1 answer"),
        ("en", 12, "12 answers"),
        ("fa", 1, "۱ پاسخ"),
        ("fa", 12, "۱۲ پاسخ"),
        ("ro", 1, "1 răspuns"),
        ("ro", 12, "12 răspunsuri"),
        ("ro", 20, "20 de răspunsuri"),
    ],
)
def test_counts_in_each_language(language, n, expected):
    with translation.override(language):
        assert COUNT.render(Context({"n": n})) == expected


def test_a_local_number_is_still_the_number():
    with translation.override("fa"):
        number = local_number(1405)
        assert str(number) == "۱۴۰۵" and f"{number}" == "۱۴۰۵"
        assert number == 1405 and number + 1 == 1406 and f"{number:05d}" == "01405"
    assert str(number) == "1405"
    assert isinstance(local_number("7"), LocalNumber)
    assert local_number("") == "" and local_number(None) is None and local_number(True) is True
    assert local_number("۳") == "۳", "text that is not an ASCII number stays as it is"


@pytest.mark.django_db
def test_the_community_list_counts_in_persian_digits(client, member, products):
    from forum import services

    services.ask_question(
        member,
        title="چطور صورتحساب را دانلود کنم؟",
        body="صورتحساب ماه گذشته را پیدا نمی‌کنم.",
        product=products["ledger"],
        tags="صورتحساب",
        enforce_limits=False,
    )
    client.cookies["django_language"] = "fa"
    html = client.get("/community/").content.decode()
    assert "<strong>۰</strong>" in html, "votes and answers are counted in Persian digits"
    assert "<strong>0</strong>" not in html
