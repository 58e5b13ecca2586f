import pytest
from django.urls import reverse

from announcements import services
from announcements.models import ProductSubscription

pytestmark = pytest.mark.django_db

URL = "/account/subscriptions/"


def subscribed(user):
    return set(
        ProductSubscription.objects.filter(user=user).values_list("product__slug", flat=True)
    )


def test_url_name():
    assert reverse("announcements_account:subscriptions") == URL


def test_login_required(client, products):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert client.post(URL, {"products": [products["ledger"].pk]}).status_code == 302
    assert not ProductSubscription.objects.exists()


def test_shows_a_checkbox_per_product(client, member, products):
    services.set_subscriptions(member, [products["relay"]])
    client.force_login(member)

    html = client.get(URL).content.decode()

    for product in products.values():
        assert f'value="{product.pk}"' in html
        assert f">{product.name}</label>" in html
    assert html.count('type="checkbox"') == 3
    assert html.count("checked") == 1


def test_saves_and_unsubscribes(client, member, other_member, products):
    services.set_subscriptions(other_member, [products["atlas"]])
    client.force_login(member)

    response = client.post(
        URL, {"products": [products["ledger"].pk, products["relay"].pk]}, follow=True
    )
    assert response.redirect_chain[-1][0] == URL
    assert subscribed(member) == {"ledger", "relay"}
    assert "We will email you announcements about Ledger, Relay" in response.content.decode()

    client.post(URL, {"products": [products["relay"].pk]})
    assert subscribed(member) == {"relay"}

    response = client.post(URL, {}, follow=True)
    assert subscribed(member) == set()
    assert "You will not receive announcement emails" in response.content.decode()
    assert subscribed(other_member) == {"atlas"}  # untouched


def test_rejects_segments_that_are_not_products(client, member):
    from tests.factories import SegmentFactory

    role = SegmentFactory(kind="role", slug="admin")
    client.force_login(member)
    response = client.post(URL, {"products": [role.pk]})
    assert response.status_code == 200
    assert 'class="form-error"' in response.content.decode()
    assert subscribed(member) == set()


def test_set_subscriptions_reports_changes(member, products):
    added, removed = services.set_subscriptions(member, [products["ledger"], products["relay"]])
    assert {p.slug for p in added} == {"ledger", "relay"} and removed == []
    added, removed = services.set_subscriptions(member, [products["relay"], products["atlas"]])
    assert [p.slug for p in added] == ["atlas"]
    assert [p.slug for p in removed] == ["ledger"]


def test_one_click_unsubscribe(client, member, products):
    services.set_subscriptions(member, [products["ledger"], products["relay"]])
    token = services.unsubscribe_token(member, [products["ledger"]])
    url = reverse("announcements_account:unsubscribe", kwargs={"token": token})

    # Opening the link only asks (mail scanners follow links).
    response = client.get(url)
    assert response.status_code == 200
    assert "Ledger" in response.content.decode()
    assert subscribed(member) == {"ledger", "relay"}

    # Mail clients post without a CSRF token (RFC 8058).
    client.handler.enforce_csrf_checks = True
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert subscribed(member) == {"relay"}
    assert "no longer receive announcements about Ledger" in response.content.decode()


def test_tampered_unsubscribe_token(client, member, other_member, products):
    services.set_subscriptions(other_member, [products["ledger"]])
    token = services.unsubscribe_token(member, [products["ledger"]])
    forged = token.replace(token[:4], "AAAA", 1)
    url = reverse("announcements_account:unsubscribe", kwargs={"token": forged})
    assert client.post(url).status_code == 400
    assert subscribed(other_member) == {"ledger"}
