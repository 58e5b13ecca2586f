import pytest
from django.urls import reverse

from announcements import services
from announcements.models import ProductSubscription
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_subscriptions_list_and_filter(admin_client, member, other_member, products):
    member.display_name, other_member.display_name = "Quentin Ledgerfan", "Rosalind Relayfan"
    member.save()
    other_member.save()
    services.set_subscriptions(member, [products["ledger"]])
    services.set_subscriptions(other_member, [products["relay"]])
    url = reverse("announcement_subscriptions:index")

    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert str(member) in html and str(other_member) in html

    html = admin_client.get(url, {"product": products["relay"].pk}).content.decode()
    assert str(other_member) in html
    assert str(member) not in html


def test_subscriptions_are_read_mostly(admin_client, member, products):
    services.set_subscriptions(member, [products["ledger"]])
    subscription = ProductSubscription.objects.get()

    assert admin_client.get(reverse("announcement_subscriptions:add")).status_code != 200
    edit = reverse("announcement_subscriptions:edit", args=[subscription.pk])
    assert admin_client.get(edit).status_code != 200
    inspect = reverse("announcement_subscriptions:inspect", args=[subscription.pk])
    assert admin_client.get(inspect).status_code == 200

    delete = reverse("announcement_subscriptions:delete", args=[subscription.pk])
    assert admin_client.post(delete).status_code == 302
    assert not ProductSubscription.objects.exists()


def test_deliveries_list(admin_client):
    assert admin_client.get(reverse("announcement_deliveries:index")).status_code == 200
    assert admin_client.get(reverse("announcement_deliveries:add")).status_code != 200


def test_members_cannot_reach_the_admin(client, member):
    client.force_login(member)
    # A clear 403 page, never a redirect back to the sign-in page (which loops).
    assert client.get(reverse("announcement_subscriptions:index")).status_code == 403
