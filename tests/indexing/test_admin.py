"""The search index queue and rebuild history in the Wagtail admin (read-only records)."""

import pytest
from django.urls import NoReverseMatch, reverse

from indexing import services
from indexing.models import IndexQueueItem, IndexRebuild
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, home):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_queue_lists_waiting_and_failing_items(admin_client):
    services.enqueue(["article:42"], "published", schedule=False)
    IndexQueueItem.objects.filter(key="article:42").update(attempts=3, last_error="Boom: down")
    response = admin_client.get(reverse("indexqueueitem:index"))
    assert response.status_code == 200
    assert b"article:42" in response.content and b"Boom: down" in response.content
    item = IndexQueueItem.objects.get()
    assert admin_client.get(reverse("indexqueueitem:inspect", args=[item.pk])).status_code == 200
    assert b"Search index" in admin_client.get(reverse("wagtailadmin_home")).content


def test_records_cannot_be_added_or_edited(admin_client):
    item = IndexQueueItem.objects.create(key="article:1")
    rebuild = IndexRebuild.objects.create(backend="embedded", index_name="x")
    for name, args in [
        ("indexqueueitem:add", []),
        ("indexqueueitem:edit", [item.pk]),
        ("indexrebuild:add", []),
        ("indexrebuild:edit", [rebuild.pk]),
        ("indexrebuild:delete", [rebuild.pk]),
    ]:
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            continue
        assert admin_client.get(url).status_code in (302, 403), name
    assert admin_client.get(reverse("indexrebuild:index")).status_code == 200


def test_members_do_not_see_it(client, member):
    client.force_login(member)
    assert client.get(reverse("indexqueueitem:index")).status_code in (302, 403)
