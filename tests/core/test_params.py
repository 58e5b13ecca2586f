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


@pytest.mark.django_db
@pytest.mark.parametrize(
    "how",
    ["path", "query", "query key", "form", "multipart"],
)
def test_a_null_character_anywhere_is_a_clear_400_and_saves_nothing(client, member, how):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tickets.models import SupportFlow

    client.force_login(member)
    before = SupportFlow.objects.count()
    if how == "path":
        response = client.get("/community/tags/a%00b/")
    elif how == "query":
        response = client.get("/search/", {"q": "pass\x00word"})
    elif how == "query key":
        response = client.get("/search/?q%00=x")
    elif how == "form":
        response = client.post("/support/new/", {"subject": "a\x00b"})
    else:
        response = client.post(
            "/support/new/", {"subject": "a\x00b", "file": SimpleUploadedFile("a.txt", b"x")}
        )
    assert response.status_code == 400
    assert "null character" in response.content.decode()
    assert SupportFlow.objects.count() == before


@pytest.mark.django_db
def test_a_null_character_answers_json_to_scripts(client):
    response = client.get("/api/v1/search", {"q": "a\x00"})
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400
