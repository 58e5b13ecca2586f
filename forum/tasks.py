"""Background work for the forum (Celery; in-process when no broker is configured).

Queued by ``forum.services`` with ``transaction.on_commit``. The tasks re-read everything
from the database, so a post hidden or a question restricted in the meantime emails nobody.
"""

from celery import shared_task

from . import notifications


@shared_task(acks_late=True)
def notify_new_answer(answer_id: int) -> int:
    return notifications.send_new_answer(answer_id)


@shared_task(acks_late=True)
def notify_accepted_answer(answer_id: int, accepted_by_id: int | None = None) -> int:
    return notifications.send_accepted_answer(answer_id, accepted_by_id)


@shared_task(acks_late=True)
def notify_mentions(kind: str, pk: int, exclude_user_ids: list[int] | None = None) -> int:
    return notifications.send_mentions(kind, pk, exclude_user_ids or ())
