"""Emails a write queues through the outbox (``core.outbox``; the tasks are ``forum.tasks``).

The outbox row is written in the write's transaction and sent to Celery after the commit:
a write that rolls back emails nobody, and a broker that is down delays the emails
instead of failing the write.
"""

from __future__ import annotations

from collections.abc import Iterable

from core import outbox

from .. import mentions
from ..models import Answer


def _queue(task, *args, key: str | None = None) -> None:
    outbox.enqueue(task.name, *args, key=key)


def _mentioned_ids(text: str | None) -> list[int]:
    return [user.pk for user in mentions.mentioned_users(text)]


def _queue_mentions(kind: str, pk: int, *, exclude: Iterable[int], previous: str | None = None):
    from .. import tasks

    skip = [pk_ for pk_ in exclude if pk_]
    if previous:
        skip += _mentioned_ids(previous)
    # Every edit may mention new people: one message per write (the task skips anyone
    # already emailed about this post).
    _queue(tasks.notify_mentions, kind, pk, sorted(set(skip)))


def _queue_answer_notifications(answer: Answer) -> None:
    from .. import tasks

    _queue(tasks.notify_new_answer, answer.pk, key=f"forum-new-answer:{answer.pk}")


def _queue_accepted_notifications(answer: Answer, accepted_by) -> None:
    from .. import tasks

    _queue(
        tasks.notify_accepted_answer,
        answer.pk,
        accepted_by.pk,
        key=f"forum-accepted:{answer.pk}:{accepted_by.pk}",
    )


def _queue_follower_notifications(question) -> None:
    from .. import tasks

    _queue(tasks.notify_followers, question.pk, key=f"forum-followers:{question.pk}")
