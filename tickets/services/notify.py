"""Emails a write queues through the outbox (``core.outbox``; the tasks are ``tickets.tasks``).

The outbox row is written in the write's transaction and sent to Celery after the commit.
The emails of one ticket share an ordering key, so they go out in the order they were
written (the confirmation before the first reply, replies in turn).
"""

from __future__ import annotations

from core import outbox


def _queue(task, *args, key: str, ticket_id: int) -> None:
    outbox.enqueue(task.name, *args, key=key, ordering_key=f"ticket:{ticket_id}")
