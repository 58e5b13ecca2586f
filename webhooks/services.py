"""Every write of webhooks: recording deliveries, attempting them, replaying, test events,
rotating a secret.

**Recording.** ``emit`` runs inside the transaction of the change that causes the event (the
receivers in ``receivers.py`` are connected to signals sent there): it writes one
``Delivery`` per active endpoint subscribed to the event and queues its first attempt
through the outbox (``core.outbox``), so a change that rolls back sends nothing and the
attempt leaves only after the commit, from the worker (in-process without a broker).

**Attempting.** ``attempt`` claims a due delivery with one conditional ``UPDATE`` (its next
attempt moves past the request's timeout), so two workers (the outbox's message and the
periodic task) never post the same attempt twice; then it POSTs outside any transaction.
A 2xx answer delivers it; anything else waits ``WEBHOOK_RETRY_BASE_SECONDS × 2^(n−1)``
(capped at ``WEBHOOK_RETRY_MAX_SECONDS``, half to all of it at random) for the periodic
task ``deliver_due``; after ``WEBHOOK_MAX_ATTEMPTS`` it is failed. An address refused by
the SSRF rules fails at once.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import metrics, outbox

from . import events, payloads, transport
from .models import Delivery, Endpoint, new_secret

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.deliver"
Status = Delivery.Status


# --- Recording ----------------------------------------------------------------------------


def subscribed_endpoints(event: str) -> list[Endpoint]:
    return [e for e in Endpoint.objects.filter(is_active=True) if e.subscribes_to(event)]


def envelope(event: str, data: dict, *, now=None) -> dict:
    """The JSON body of an event: its id (the same for every endpoint and on replays, so a
    receiver can drop duplicates), name, time and data."""
    now = now or timezone.now()
    return {"id": uuid.uuid4().hex, "event": event, "occurred_at": now.isoformat(), "data": data}


def _record(endpoint: Endpoint, event: str, payload: dict, *, now, replay_of=None) -> Delivery:
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event=event,
        payload=payload,
        status=Status.PENDING,
        next_attempt_at=now,
        created_at=now,
        replay_of=replay_of,
    )
    outbox.enqueue(DELIVER_TASK, delivery.pk, key=f"webhook-delivery:{delivery.pk}")
    return delivery


def emit(event: str, data: dict | Callable[[], dict], *, now=None) -> list[Delivery]:
    """Record ``event`` for every active endpoint subscribed to it, in the current
    transaction. ``data`` may be a function: it is only called when someone listens."""
    if event not in events.NAMES:
        raise ValueError(f"Unknown webhook event {event!r}")
    endpoints = subscribed_endpoints(event)
    if not endpoints:
        return []
    now = now or timezone.now()
    payload = envelope(event, data() if callable(data) else data, now=now)
    with transaction.atomic():
        return [_record(endpoint, event, payload, now=now) for endpoint in endpoints]


@transaction.atomic
def send_test_event(endpoint: Endpoint, user=None, *, now=None) -> Delivery:
    """A ``ping`` to ``endpoint`` (active or not: it is how an administrator tries one)."""
    now = now or timezone.now()
    data = {
        "endpoint": {"id": endpoint.pk, "url": endpoint.url, "description": endpoint.description},
        "sent_by": payloads.person(user),
        "events": list(endpoint.events or []),
    }
    return _record(endpoint, events.PING, envelope(events.PING, data, now=now), now=now)


@transaction.atomic
def replay(delivery: Delivery, *, now=None) -> Delivery:
    """A new delivery of the same payload to the same endpoint (the event id is kept)."""
    now = now or timezone.now()
    return _record(delivery.endpoint, delivery.event, delivery.payload, now=now, replay_of=delivery)


@transaction.atomic
def create_endpoint(user, *, url: str, description: str = "", event_names=(), is_active=True):
    transport.check_url(url)
    return Endpoint.objects.create(
        url=url,
        description=description,
        events=[e for e in events.NAMES if e in set(event_names)],
        is_active=is_active,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


@transaction.atomic
def rotate_secret(endpoint: Endpoint, *, now=None) -> str:
    """A new signing secret, used from the next attempt on (pending retries included)."""
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = now or timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    return endpoint.secret


# --- Attempting ---------------------------------------------------------------------------


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: exponential, capped, with jitter."""
    full = min(
        settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1),
        settings.WEBHOOK_RETRY_MAX_SECONDS,
    )
    return timedelta(seconds=full / 2 + random.uniform(0, full / 2))


def _lease() -> timedelta:
    # Connect and read may each take the timeout; leave room before another worker may try.
    return timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS + 60)


def _claim(delivery_id: int, now) -> Delivery | None:
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status not in Delivery.OPEN_STATUSES:
        return None
    if delivery.next_attempt_at is None or delivery.next_attempt_at > now:
        return None
    taken = Delivery.objects.filter(
        pk=delivery.pk,
        status__in=Delivery.OPEN_STATUSES,
        next_attempt_at=delivery.next_attempt_at,
    ).update(next_attempt_at=now + _lease(), attempts=F("attempts") + 1, last_attempt_at=now)
    if not taken:
        return None
    delivery.attempts += 1
    return delivery


def headers_for(delivery: Delivery, body: bytes, *, now) -> dict[str, str]:
    timestamp = str(int(now.timestamp()))
    return {
        "X-Portico-Event": delivery.event,
        "X-Portico-Delivery": str(delivery.uuid),
        "X-Portico-Timestamp": timestamp,
        "X-Portico-Signature": transport.sign(delivery.endpoint.secret, timestamp, body),
    }


def attempt(delivery_id: int, *, now=None) -> Delivery | None:
    """Post the delivery if it is due now; ``None`` when it is not (done, failed, waiting for
    its next attempt, or taken by another worker). Never raises for the endpoint's faults."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    body = body_of(delivery.payload)
    update: dict = {"error": "", "response_code": None, "response_body": "", "duration_ms": None}
    give_up = False
    try:
        response = transport.post(
            delivery.endpoint.url,
            body,
            headers_for(delivery, body, now=now),
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
    except transport.BlockedAddress as exc:
        update["error"] = str(exc)
        give_up = True
    except Exception as exc:  # connection refused, timeout, TLS, a malformed answer
        update["error"] = f"{type(exc).__name__}: {exc}"[:2000]
    else:
        update["response_code"] = response.status
        update["response_body"] = response.body[: settings.WEBHOOK_RESPONSE_EXCERPT_CHARS]
        update["duration_ms"] = response.duration_ms
        if 200 <= response.status < 300:
            update.update(status=Status.DELIVERED, delivered_at=now, next_attempt_at=None)
    if update.get("status") != Status.DELIVERED:
        if give_up or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            update.update(status=Status.FAILED, next_attempt_at=None)
            metrics.increment("webhooks.failed")
            logger.warning(
                "Webhook delivery %s to %s failed after %s attempt(s).",
                delivery.uuid,
                delivery.endpoint.url,
                delivery.attempts,
            )
        else:
            update.update(status=Status.RETRYING, next_attempt_at=now + backoff(delivery.attempts))
    Delivery.objects.filter(pk=delivery.pk).update(**update)
    for field, value in update.items():
        setattr(delivery, field, value)
    return delivery


def deliver_due(now=None) -> dict:
    """The periodic task: attempt every delivery whose next attempt is due; prune old ones."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(status__in=Delivery.OPEN_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[: settings.WEBHOOK_DUE_BATCH]
    )
    counts = {"attempted": 0, "delivered": 0, "retrying": 0, "failed": 0, "pruned": 0}
    for pk in due:
        delivery = attempt(pk, now=now)
        if delivery is None:
            continue
        counts["attempted"] += 1
        counts[delivery.status] = counts.get(delivery.status, 0) + 1
    keep = now - timedelta(days=settings.WEBHOOK_KEEP_DAYS)
    counts["pruned"], _ = Delivery.objects.filter(
        status__in=(Status.DELIVERED, Status.FAILED), created_at__lt=keep
    ).delete()
    return counts
