"""The outbox end to end with a real broker and a real worker: Redis at 127.0.0.1:6379 and
``celery -A config worker`` in a subprocess (the fixtures of the indexing worker test:
a committed copy of the test database both processes open, a queue per test worker).

The worker uses the development settings, which print email to its log: the test counts
the messages there.
"""

from __future__ import annotations

import re

import pytest

from core import outbox
from core.models import OutboxMessage
from forum import services as forum
from segments.models import Segment
from tests.factories import SegmentFactory, UserFactory
from tests.indexing import test_celery_worker as worker
from tests.indexing.support import celery_broker

# The worker's fixtures (a module-scoped worker of this module's own).
redis_url = worker.redis_url
worker_env = worker.worker_env
wait_for = worker.wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

TASK = "forum.tasks.notify_mentions"


def runs_of(log_text: str) -> int:
    return len(re.findall(rf"Task {re.escape(TASK)}\[[^\]]+\] succeeded", log_text))


def test_a_mention_is_emailed_once_through_redis_even_when_sent_twice(worker_env):
    log = worker_env["log"]
    relay = SegmentFactory(kind=Segment.Kind.PRODUCT, slug="relay", name="Relay")
    asker, helper = UserFactory(username="asker"), UserFactory(username="helper")

    with celery_broker(worker_env["broker"], task_default_queue=worker_env["queue"]):
        question = forum.ask_question(
            asker,
            title="Relay agent cannot reach the proxy",
            body="It times out behind our proxy. @helper, have you seen this?",
            product=relay,
            tags="proxy",
            enforce_limits=False,
        )
        row = OutboxMessage.objects.get(task=TASK)
        assert row.args == ["question", question.pk, [asker.pk]]

        def state():
            return OutboxMessage.objects.get(pk=row.pk).state

        wait_for(lambda: state() == OutboxMessage.State.DONE, "the outbox row done", log)
        wait_for(lambda: runs_of(log.read_text()) == 1, "the task's run in the log", log)
        assert log.read_text().count(f"To: {helper.email}") == 1

        # The same message handed to the broker a second time (a late publish, a
        # redelivery): the worker finds the row done and sends nothing.
        result = outbox.dispatch([OutboxMessage.objects.get(pk=row.pk)])
        assert result.sent == 1
        wait_for(lambda: runs_of(log.read_text()) == 2, "the second delivery", log)

    final = OutboxMessage.objects.get(pk=row.pk)
    assert final.state == OutboxMessage.State.DONE
    assert final.attempts == 1 and final.dispatches == 2
    assert log.read_text().count(f"To: {helper.email}") == 1
