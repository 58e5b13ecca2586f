"""Ids and numbers from requests: anything that is not one is ``None`` or a form error."""

import pytest

from announcements.forms import SubscriptionsForm
from core.params import MAX_ID, parse_id, parse_int
from users.forms import ProfileForm


@pytest.mark.parametrize(
    "value",
    [
        "abc", "1.5", "1e3", "", " ", "-1", "0", "٣", "１", "1 2", "0x10", None, [], 1.0, True,
        str(MAX_ID + 1), "9" * 40, "1\x00",
    ],
)  # fmt: skip
def test_what_is_not_an_id(value):
    assert parse_id(value) is None


@pytest.mark.parametrize("value,expected", [("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), (7, 7)])
def test_ids(value, expected):
    assert parse_id(value) == expected


def test_bounds():
    assert parse_int("-5", minimum=-10) == -5
    assert parse_int("11", maximum=10) is None


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["9223372036854775808", "1.5", "abc", "-1"])
def test_product_choices_refuse_ids_no_column_holds(value, products, member):
    assert not SubscriptionsForm({"products": [value]}).is_valid()
    profile = ProfileForm(
        {"display_name": "M", "declared_products": [value], "declared_role": value},
        instance=member,
    )
    assert not profile.is_valid()
    assert set(profile.errors) == {"declared_products", "declared_role"}


@pytest.mark.django_db
def test_product_choices_still_take_real_ids(products):
    form = SubscriptionsForm({"products": [str(products["relay"].pk)]})
    assert form.is_valid()
    assert list(form.cleaned_data["products"]) == [products["relay"]]
