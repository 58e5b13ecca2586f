"""Deliveries to a real receiver: signature, retries with backoff, giving up, SSRF rules,
and recording with the change (nothing for a rollback)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from core.models import OutboxMessage
from tests.factories import UserFactory
from webhooks import events, services
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return UserFactory(username="customer", display_name="Priya Customer")


def file_ticket(customer, product, **fields):
    from tickets import services as tickets

    fields.setdefault("subject", "Webhook deliveries fail with 401")
    fields.setdefault("description", "Since this morning every delivery to our endpoint fails.")
    return tickets.file_ticket(customer, product=product, enforce_limits=False, **fields)


def test_a_delivery_is_signed_with_the_endpoint_secret(
    receiver, make_endpoint, customer, products, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.url, [events.TICKET_CREATED])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = file_ticket(customer, products["relay"], notify=False)

    assert len(receiver.received) == 1
    request = receiver.received[0]
    delivery = Delivery.objects.get()
    assert request.path == "/hooks/portico"
    assert request.headers["X-Portico-Event"] == "ticket.created"
    assert request.headers["X-Portico-Delivery"] == str(delivery.uuid)
    assert request.headers["Content-Type"] == "application/json"
    assert request.signature_valid(endpoint.secret)
    assert not request.signature_valid("whsec_someone-else")
    body = request.json
    assert body["event"] == "ticket.created"
    assert body["data"]["ticket"]["number"] == ticket.number
    assert body["data"]["ticket"]["subject"] == ticket.subject
    assert body["data"]["ticket"]["url"] == f"http://testserver/support/tickets/{ticket.number}/"
    assert body == delivery.payload
    assert delivery.status == Delivery.Status.DELIVERED
    assert (delivery.attempts, delivery.response_code) == (1, 200)
    assert delivery.response_body == '{"ok": true}'
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_a_rotated_secret_signs_the_next_attempts(
    receiver, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.url)
    old = endpoint.secret
    new = services.rotate_secret(endpoint)
    assert new != old and new.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test_event(endpoint)
    assert receiver.received[0].signature_valid(new)
    assert not receiver.received[0].signature_valid(old)


def test_a_failed_attempt_is_retried_with_backoff(
    receiver, make_endpoint, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    receiver.statuses = [500, 200]
    endpoint = make_endpoint(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_test_event(endpoint)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.RETRYING
    assert (delivery.attempts, delivery.response_code) == (1, 500)
    assert delivery.response_body == "upstream exploded"
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=30) <= wait <= timedelta(seconds=60)  # 60 s with jitter

    # Not due yet: the periodic task leaves it alone.
    early = services.deliver_due(now=delivery.next_attempt_at - timedelta(seconds=1))
    assert early["attempted"] == 0 and len(receiver.received) == 1

    due = services.deliver_due(now=delivery.next_attempt_at)
    assert due["attempted"] == 1 and due["delivered"] == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert (delivery.attempts, delivery.response_code) == (2, 200)
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first.headers["X-Portico-Delivery"] == second.headers["X-Portico-Delivery"]
    assert first.json == second.json
    assert second.signature_valid(endpoint.secret)


def test_a_delivery_fails_after_the_last_attempt(
    receiver, make_endpoint, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.WEBHOOK_RETRY_MAX_SECONDS = 30
    receiver.statuses = [503]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_test_event(make_endpoint(receiver.url))

    waits = []
    for _ in range(3):
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.RETRYING
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        services.deliver_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert (delivery.attempts, delivery.response_code) == (4, 503)
    assert delivery.next_attempt_at is None
    assert len(receiver.received) == 4
    # Exponential (10, 20, then capped at 30 s), each between half and all of it.
    for wait, full in zip(waits, (10, 20, 30), strict=True):
        assert timedelta(seconds=full / 2) <= wait <= timedelta(seconds=full)

    later = services.deliver_due(now=delivery.last_attempt_at + timedelta(days=1))
    assert later["attempted"] == 0 and len(receiver.received) == 4


def test_a_refused_connection_is_a_failed_attempt(
    make_endpoint, django_capture_on_commit_callbacks
):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_test_event(make_endpoint(f"http://127.0.0.1:{port}/"))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.RETRYING
    assert delivery.response_code is None
    assert "ConnectionRefusedError" in delivery.error


def test_the_periodic_task_sends_what_the_outbox_did_not(receiver, make_endpoint):
    """A delivery whose first attempt never left (a broker outage) is sent by the periodic
    task, and only once."""
    delivery = services.send_test_event(make_endpoint(receiver.url))  # no commit hooks run
    assert OutboxMessage.objects.filter(key=f"webhook-delivery:{delivery.pk}").exists()
    from webhooks import tasks

    tasks.deliver_due.apply()
    assert services.attempt(delivery.pk) is None  # the outbox's late message: nothing to do
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert len(receiver.received) == 1


def test_a_rolled_back_change_records_no_delivery(make_endpoint, receiver):
    make_endpoint(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.emit(events.QUESTION_ASKED, {"question": {"id": 1}})
        assert Delivery.objects.count() == 1
        raise RuntimeError
    assert Delivery.objects.count() == 0
    assert not OutboxMessage.objects.filter(task="webhooks.deliver").exists()


def test_private_addresses_are_refused_unless_allowed(
    receiver, make_endpoint, settings, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    settings.DEBUG = False
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_test_event(endpoint)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED  # at once: no retry reaches it later
    assert "private or reserved" in delivery.error
    assert receiver.received == []

    # Loopback is allowed while debugging on one's own machine; other private nets are not.
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test_event(endpoint)
    assert len(receiver.received) == 1

    from webhooks import transport

    for url in (
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:192.168.1.1]/",
        "http://0.0.0.0/",
    ):
        with pytest.raises(transport.BlockedAddress):
            transport.check_url(url)
    for url in ("ftp://example.com/hook", "file:///etc/passwd", "http://user:pw@example.com/"):
        with pytest.raises(transport.BlockedAddress):
            transport.check_url(url)
    transport.check_url("https://hooks.example.com/portico")
