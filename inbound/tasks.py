"""Background work for support by email (Celery; in-process without a broker)."""

from celery import shared_task

from core.tasks import EMAIL_TASK_OPTIONS

from . import notifications


@shared_task(name="inbound.send_suggestions", **EMAIL_TASK_OPTIONS)
def send_suggestions(ticket_id: int) -> int:
    return notifications.send_suggestions(ticket_id)


@shared_task(name="inbound.fetch_mail", acks_late=False, ignore_result=True)
def fetch_mail() -> int:
    """Read the support mailbox (Celery beat, every ``SUPPORT_IMAP_INTERVAL`` seconds when
    ``SUPPORT_IMAP_HOST`` is set)."""
    from . import imap

    return imap.fetch_configured().handled
