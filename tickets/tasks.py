"""Background work for support (Celery; in-process when no broker is configured).

Queued by ``tickets.services`` through the outbox (``core.outbox``: a row written with the
change, dispatched after commit). The tasks re-read everything
from the database and send nothing for an internal note, so no queued id can ever turn a
note into an email.
"""

from celery import shared_task

from core.tasks import EMAIL_TASK_OPTIONS

from . import notifications, satisfaction, services


@shared_task(**EMAIL_TASK_OPTIONS)
def notify_customer(message_id: int) -> int:
    return notifications.send_customer_reply(message_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def notify_assignee(message_id: int) -> int:
    return notifications.send_assignee_notice(message_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def confirm_ticket(ticket_id: int) -> int:
    return notifications.send_confirmation(ticket_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def request_satisfaction(ticket_id: int) -> int:
    return satisfaction.send_request(ticket_id)


@shared_task(name="tickets.close_solved", acks_late=True)
def close_solved() -> int:
    """Close tickets solved ``TICKETS_AUTO_CLOSE_DAYS`` ago (Celery beat, hourly)."""
    return services.close_solved_tickets()
