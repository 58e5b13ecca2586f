"""Emails a write queues for after its commit (``tickets.tasks``)."""

from __future__ import annotations

from django.db import transaction


def _queue(task, *args) -> None:
    transaction.on_commit(lambda: task.delay(*args))
