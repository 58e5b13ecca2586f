"""A worker killed outright (SIGKILL: out of memory, a lost host) in the middle of a task:
the task is acknowledged late, so Redis hands it to the next worker once the visibility
timeout has passed, and the outbox claim makes the second run the only one that counts.

Real Redis, real ``celery -A config worker`` processes (the fixtures of the indexing
worker test: a committed copy of the test database, a queue per test worker). The
visibility timeout is 5 seconds here (600 in production); the outbox lease follows it
(half of it), so the redelivered message finds the dead worker's lease expired. No beat
and no dispatcher run: the second run can only come from the broker's redelivery.
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from core.models import OutboxMessage
from forum import services as forum
from forum.models import NotificationDelivery
from segments.models import Segment
from tests.factories import SegmentFactory, UserFactory
from tests.indexing import test_celery_worker as worker
from tests.indexing.support import celery_broker
from tests.search.support import WORKER

redis_url = worker.redis_url

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

TASK = "forum.tasks.notify_mentions"
VISIBILITY_TIMEOUT = 5
WAIT_SECONDS = 90


@pytest.fixture
def database(django_db_setup, django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        copy = worker.DatabaseCopy(tmp_path)
        copy.start()
        try:
            yield copy
        finally:
            copy.stop()


class Worker:
    """``celery worker`` in its own process group, mailing through the slow backend."""

    def __init__(self, folder: Path, name: str, *, database_url, broker, queue, delay):
        self.log = folder / f"{name}.log"
        self.started = folder / f"{name}.started"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DEBUG": "0",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker,
            "CELERY_QUEUE": queue,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "EMAIL_BACKEND": "tests.core.slow_mail.EmailBackend",
            "EMAIL_FILE_PATH": str(folder / "mail"),
            "PORTICO_TEST_MAIL_STARTED": str(self.started),
            "PORTICO_TEST_MAIL_DELAY": str(delay),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker",
             "--pool", "prefork", "--concurrency", "1", "--queues", queue,
             "--hostname", f"{name}-{queue}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel", "INFO"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool's child dies with it
        )  # fmt: skip
        wait_until(lambda: " ready." in self.log.read_text(), "the worker to start", self)

    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.running():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(condition, what: str, process: Worker | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if process is not None and not process.running():
            raise AssertionError(f"The worker exited while waiting for {what}")
        if time.monotonic() > deadline:
            tail = process.log.read_text()[-3000:] if process else ""
            rows = list(OutboxMessage.objects.values("key", "state", "attempts", "dispatches"))
            raise AssertionError(f"Timed out waiting for {what}; outbox: {rows}\n{tail}")
        time.sleep(0.1)


def emails_in(folder: Path) -> list:
    if not folder.exists():
        return []
    messages = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_text().split("-" * 79 + "\n"):
            if chunk.strip():
                messages.append(email.message_from_string(chunk))
    return messages


def test_a_task_of_a_killed_worker_runs_again_on_the_next_worker_once(
    database, redis_url, tmp_path
):
    queue = f"portico-killed-{WORKER}-{os.getpid()}"
    options = {"database_url": database.url, "broker": redis_url, "queue": queue}
    relay = SegmentFactory(kind=Segment.Kind.PRODUCT, slug="relay", name="Relay")
    asker, helper = UserFactory(username="asker"), UserFactory(username="helper")
    mail = tmp_path / "mail"

    first = Worker(tmp_path, "first", delay=600, **options)
    second = None
    try:
        with celery_broker(redis_url, task_default_queue=queue):
            forum.ask_question(
                asker,
                title="Relay agent cannot reach the proxy",
                body="It times out behind our proxy. @helper, have you seen this?",
                product=relay,
                tags="proxy",
                enforce_limits=False,
            )
        row = OutboxMessage.objects.get(task=TASK)

        # The first worker takes the task and is killed while it sends the email.
        wait_until(first.started.exists, "the first worker to start sending", first)
        first.kill()
        row.refresh_from_db()
        assert row.state == OutboxMessage.State.RUNNING and row.attempts == 1
        assert emails_in(mail) == []
        assert not NotificationDelivery.objects.exists()

        # The next worker gets the unacknowledged message back from Redis and runs it.
        second = Worker(tmp_path, "second", delay=0, **options)
        wait_until(
            lambda: OutboxMessage.objects.get(pk=row.pk).state == OutboxMessage.State.DONE,
            "the redelivered task to run",
            second,
        )
        wait_until(lambda: len(emails_in(mail)) >= 1, "the email file", second)
    finally:
        first.stop()
        if second is not None:
            second.stop()

    row.refresh_from_db()
    # Published once (no dispatcher ran), claimed twice: the dead worker's run and the
    # redelivered one, which alone finished.
    assert (row.dispatches, row.attempts) == (1, 2)
    sent = emails_in(mail)
    assert [message["To"] for message in sent] == [helper.email]
    assert list(NotificationDelivery.objects.values_list("user", flat=True)) == [helper.pk]
    assert "succeeded" in second.log.read_text()
