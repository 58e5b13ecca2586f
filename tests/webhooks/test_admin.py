"""The "Webhooks" admin: endpoints CRUD, the delivery log, the test event, rotating a secret
and replaying a delivery — for administrators (superusers) only."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from webhooks import events, services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/webhooks/endpoints/"
DELIVERIES = "/admin/webhooks/deliveries/"


@pytest.fixture
def staff_editor(db):
    return UserFactory(username="agent", is_staff=True)


def test_an_administrator_adds_an_endpoint_and_sees_its_secret(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        ENDPOINTS + "new/",
        {
            "url": "https://hooks.example.com/portico",
            "description": "Slack bridge",
            "events": [events.TICKET_CREATED, events.QUESTION_ASKED],
            "is_active": "on",
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response.url == f"{ENDPOINTS}inspect/{endpoint.pk}/"
    assert endpoint.events == [events.TICKET_CREATED, events.QUESTION_ASKED]
    assert endpoint.created_by == admin_user and endpoint.secret.startswith("whsec_")
    page = client.get(response.url).content.decode()
    assert endpoint.secret in page
    listing = client.get(ENDPOINTS).content.decode()
    assert "Slack bridge" in listing and "Send test event" in listing


def test_the_form_refuses_internal_and_non_http_urls(client, admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    client.force_login(admin_user)
    for url in ("http://10.1.2.3/hook", "ftp://example.com/hook"):
        response = client.post(ENDPOINTS + "new/", {"url": url, "events": [events.PING]})
        assert response.status_code == 200
    assert not Endpoint.objects.exists()


def test_send_a_test_event_rotate_the_secret_and_replay(
    client, admin_user, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.url, [events.TICKET_CREATED])
    client.force_login(admin_user)

    assert client.get(f"{ENDPOINTS}{endpoint.pk}/test/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{ENDPOINTS}{endpoint.pk}/test/")
    ping = Delivery.objects.get(event=events.PING)
    assert response.url == f"{DELIVERIES}inspect/{ping.pk}/"
    assert ping.status == Delivery.Status.DELIVERED
    assert receiver.received[0].headers["X-Portico-Event"] == "ping"
    assert receiver.received[0].signature_valid(endpoint.secret)

    log = client.get(DELIVERIES).content.decode()
    assert "Test event" in log and "200" in log
    inspect = client.get(response.url).content.decode()
    assert str(ping.uuid) in inspect and "Replay" in log
    assert f"{DELIVERIES}{ping.pk}/replay/" in inspect
    endpoint_page = client.get(f"{ENDPOINTS}inspect/{endpoint.pk}/").content.decode()
    assert f"{ENDPOINTS}{endpoint.pk}/rotate-secret/" in endpoint_page

    old_secret = endpoint.secret
    client.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{DELIVERIES}{ping.pk}/replay/")
    replayed = Delivery.objects.exclude(pk=ping.pk).get()
    assert response.url == f"{DELIVERIES}inspect/{replayed.pk}/"
    assert replayed.replay_of == ping and replayed.payload == ping.payload
    assert replayed.uuid != ping.uuid and replayed.status == Delivery.Status.DELIVERED
    second = receiver.received[1]
    assert second.json["id"] == receiver.received[0].json["id"]  # the same event
    assert second.headers["X-Portico-Delivery"] == str(replayed.uuid)
    assert second.signature_valid(endpoint.secret)


def test_deliveries_are_never_edited_or_added(client, admin_user, make_endpoint):
    delivery = services.send_test_event(make_endpoint("https://hooks.example.com/"))
    client.force_login(admin_user)
    assert client.get(f"{DELIVERIES}edit/{delivery.pk}/").status_code in (302, 403, 404)
    assert client.get(f"{DELIVERIES}new/").status_code in (302, 403, 404)
    assert client.get(f"{DELIVERIES}inspect/{delivery.pk}/").status_code == 200


def test_only_administrators_reach_webhooks(client, staff_editor, make_endpoint):
    endpoint = make_endpoint("https://hooks.example.com/")
    delivery = services.send_test_event(endpoint)
    client.force_login(staff_editor)
    for url in (
        ENDPOINTS,
        f"{ENDPOINTS}edit/{endpoint.pk}/",
        f"{ENDPOINTS}inspect/{endpoint.pk}/",
        f"{ENDPOINTS}{endpoint.pk}/test/",
        DELIVERIES,
        f"{DELIVERIES}inspect/{delivery.pk}/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert endpoint.secret not in response.content.decode()
    for url in (
        f"{ENDPOINTS}{endpoint.pk}/test/",
        f"{ENDPOINTS}{endpoint.pk}/rotate-secret/",
        f"{DELIVERIES}{delivery.pk}/replay/",
    ):
        assert client.post(url).status_code in (302, 403), url
    assert Delivery.objects.count() == 1
    assert "Webhooks" not in client.get("/admin/").content.decode()
