"""Background work for the forum (Celery; in-process when no broker is configured).

Queued by ``forum.services`` through the outbox (``core.outbox``: a row written with the
change, dispatched after commit). The tasks re-read everything
from the database, so a post hidden or a question restricted in the meantime emails nobody.

Like announcement emails, they retry with a growing delay when the mail server fails, and
are idempotent: every recipient is recorded as their email goes out
(``NotificationDelivery``), so a retry — or the same task queued twice — only emails the
members not reached yet.
"""

from celery import shared_task

from core.tasks import EMAIL_TASK_OPTIONS

from . import notifications, services


@shared_task(name="forum.repair_counters", acks_late=True)
def repair_counters() -> int:
    """Put right answer counts, statuses and scores that drifted (Celery beat, daily)."""
    return services.repair_counters().total


@shared_task(**EMAIL_TASK_OPTIONS)
def notify_new_answer(answer_id: int) -> int:
    return notifications.send_new_answer(answer_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def notify_accepted_answer(answer_id: int, accepted_by_id: int | None = None) -> int:
    return notifications.send_accepted_answer(answer_id, accepted_by_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def notify_mentions(kind: str, pk: int, exclude_user_ids: list[int] | None = None) -> int:
    return notifications.send_mentions(kind, pk, exclude_user_ids or ())


@shared_task(**EMAIL_TASK_OPTIONS)
def notify_followers(question_id: int) -> int:
    return notifications.notify_followers(question_id)
