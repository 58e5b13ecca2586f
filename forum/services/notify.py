"""Emails a write queues for after its commit (``forum.tasks``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .. import mentions
from ..models import Answer


def _queue(task, *args) -> None:
    transaction.on_commit(lambda: task.delay(*args))


def _mentioned_ids(text: str | None) -> list[int]:
    return [user.pk for user in mentions.mentioned_users(text)]


def _queue_mentions(kind: str, pk: int, *, exclude: Iterable[int], previous: str | None = None):
    from .. import tasks

    skip = [pk_ for pk_ in exclude if pk_]
    if previous:
        skip += _mentioned_ids(previous)
    _queue(tasks.notify_mentions, kind, pk, sorted(set(skip)))


def _queue_answer_notifications(answer: Answer) -> None:
    from .. import tasks

    _queue(tasks.notify_new_answer, answer.pk)


def _queue_accepted_notifications(answer: Answer, accepted_by) -> None:
    from .. import tasks

    _queue(tasks.notify_accepted_answer, answer.pk, accepted_by.pk)
