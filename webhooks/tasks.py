from celery import shared_task

from core.outbox import OutboxTask


@shared_task(name="webhooks.deliver", base=OutboxTask, ignore_result=True, acks_late=True)
def deliver(delivery_id: int) -> None:
    """The first attempt of a delivery, queued through the outbox after its commit. A failed
    attempt is rescheduled on the delivery itself (``deliver_due`` retries it)."""
    from . import services

    services.attempt(delivery_id)


@shared_task(name="webhooks.deliver_due", ignore_result=True, acks_late=True)
def deliver_due() -> dict:
    """Celery beat (or the embedded scheduler), every ``WEBHOOK_RETRY_INTERVAL`` seconds."""
    from . import services

    return services.deliver_due()
