"""The transactional outbox: side effects recorded with the change, sent after the commit.

A write that must cause work elsewhere (an email, a notification) calls
``enqueue("forum.tasks.notify_new_answer", answer.pk, key=f"new-answer:{answer.pk}")``
inside its transaction. That writes an ``OutboxMessage`` row in the same transaction, so the
side effect exists exactly when the change does: a rollback leaves neither, a commit both.

- **After the commit** the row is handed to Celery at once (``dispatch``): one quick
  connection attempt and no publish retries, so with the broker down the request still
  succeeds in a moment; the failure is logged and the row stays ``pending``. Without a
  broker (``task_always_eager``) the task runs in-process right there.
- **The periodic dispatcher** (``core.outbox_dispatch`` in ``CELERY_BEAT_SCHEDULE``, or the
  embedded scheduler without a broker) sends what is still pending: rows whose publish
  failed, rows whose message was lost (``sent`` for ``OUTBOX_REDISPATCH_SECONDS`` without
  running) and rows whose worker died while running them (lease expired).
- **Exactly once.** Tasks are referenced by name (``core`` imports no app); tasks built on
  ``OutboxTask`` (every email task, through ``core.tasks.EMAIL_TASK_OPTIONS``) receive the
  row's key and claim the row before running: a row already done, or run by another worker
  right now, is skipped, so a message dispatched twice (the dispatcher and a late publish,
  a broker redelivery after a worker died) runs once. A failed run gives the row back with
  a backoff; Celery's own retries reuse the key.
- **Order.** Rows that share an ``ordering_key`` (e.g. the emails of one ticket) run one
  after another in the order they were written: a row waits while an earlier one of its
  key is not done, and finishing a row sends the next.

Delivery to the outside world is still at least once at the edges (a worker killed after
the mail server accepted a message but before the row is marked done): the email tasks
record each recipient as they go (``core.mail.send_all``), which closes that gap.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from . import metrics
from .models import OutboxMessage

logger = logging.getLogger(__name__)

State = OutboxMessage.State
#: The keyword argument that carries the row's key to the task.
KEY_ARGUMENT = "outbox_key"
ERROR_LENGTH = 2000
OPEN_STATES = (State.PENDING, State.SENT, State.RUNNING)

#: Keys of the rows the current thread is running (a task run eagerly inside another).
_running: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "outbox_running", default=frozenset()
)


# --- Enqueue ------------------------------------------------------------------------------


def enqueue(
    task_name: str,
    *args: Any,
    key: str | None = None,
    ordering_key: str = "",
    dispatch_on_commit: bool = True,
) -> str:
    """Record ``task_name(*args)`` to run once the current transaction commits.

    ``args`` must be JSON values. ``key`` makes the side effect idempotent: a second
    ``enqueue`` with a key already recorded (in this transaction or earlier, as long as the
    row is kept: ``OUTBOX_KEEP_DAYS`` after it is done) adds nothing, so the task runs once.
    Without a key each call is its own message. Returns the key.

    The row is written in the caller's transaction; an error writing it fails the change
    (a change must not commit without its side effects).
    """
    key = key or f"{task_name}:{uuid.uuid4().hex}"
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                task=task_name,
                args=list(args),
                key=key,
                ordering_key=ordering_key,
                available_at=now,
                created_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    if dispatch_on_commit:
        transaction.on_commit(lambda: dispatch_keys([key]), robust=True)
    return key


# --- Dispatch -----------------------------------------------------------------------------


def _app():
    from config.celery import app

    return app


def _task(name: str):
    app = _app()
    task = app.tasks.get(name)
    if task is None:
        # Every app's tasks module, as a worker loads them.
        autodiscover_modules("tasks")
        task = app.tasks.get(name)
    return task


def _blocked(message: OutboxMessage) -> bool:
    """Whether an earlier row of ``message``'s ordering key has not finished yet."""
    if not message.ordering_key:
        return False
    return OutboxMessage.objects.filter(
        ordering_key=message.ordering_key, pk__lt=message.pk, state__in=OPEN_STATES
    ).exists()


def _head(message: OutboxMessage) -> OutboxMessage:
    """The first unfinished row of ``message``'s ordering key (``message`` without one)."""
    if not message.ordering_key:
        return message
    first = (
        OutboxMessage.objects.filter(
            ordering_key=message.ordering_key, pk__lte=message.pk, state__in=OPEN_STATES
        )
        .order_by("pk")
        .first()
    )
    return first or message


@dataclass
class DispatchResult:
    sent: int = 0
    ran: int = 0
    failed: int = 0
    waiting: int = 0
    pruned: int = 0

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "ran": self.ran,
            "failed": self.failed,
            "waiting": self.waiting,
            "pruned": self.pruned,
        }


def dispatch_keys(keys: Iterable[str]) -> DispatchResult:
    """Hand the pending rows with ``keys`` to Celery now (after their commit). Never raises."""
    try:
        messages = list(
            OutboxMessage.objects.filter(key__in=list(keys), state=State.PENDING).order_by("pk")
        )
        return dispatch(messages)
    except Exception:
        logger.exception("Could not dispatch outbox messages; the dispatcher sends them later.")
        return DispatchResult(failed=1)


def dispatch(messages: list[OutboxMessage]) -> DispatchResult:
    """Send ``messages`` to Celery, or run them in-process without a broker.

    A row whose ordering key has an earlier unfinished row waits. Publishing failures are
    logged and leave the rows as they were (the periodic dispatcher tries again).
    """
    result = DispatchResult()
    now = timezone.now()
    chosen: dict[int, OutboxMessage] = {}
    for message in messages:
        head = _head(message)
        if head.pk == message.pk:
            chosen.setdefault(message.pk, message)
        elif head.state == State.PENDING and head.available_at <= now:
            # An earlier row of its ordering key never left (a broker outage): send that
            # one; finishing it sends the next.
            chosen.setdefault(head.pk, head)
            result.waiting += 1
        else:
            result.waiting += 1  # the earlier row is on its way or waiting for its backoff
    ready = sorted(chosen.values(), key=lambda m: m.pk)
    if not ready:
        return result
    app = _app()
    if app.conf.task_always_eager:
        for message in ready:
            if _run_eagerly(message):
                result.ran += 1
            else:
                result.failed += 1
        return result
    try:
        # One quick connection attempt and no publish retries: with the broker down this
        # fails at once (not after seconds of a web request) and the rows wait.
        with app.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=settings.OUTBOX_PUBLISH_MAX_RETRIES,
                interval_start=0,
                interval_step=0.2,
                timeout=settings.OUTBOX_PUBLISH_TIMEOUT,
            )
            for message in ready:
                app.send_task(
                    message.task,
                    args=list(message.args),
                    kwargs={KEY_ARGUMENT: message.key},
                    connection=conn,
                    retry=False,
                    ignore_result=True,
                )
                now = timezone.now()
                OutboxMessage.objects.filter(pk=message.pk).update(
                    dispatches=F("dispatches") + 1, sent_at=now
                )
                # A worker may already have taken it: only a row still waiting (or one whose
                # worker died) becomes "sent".
                OutboxMessage.objects.filter(pk=message.pk, state=State.PENDING).update(
                    state=State.SENT
                )
                OutboxMessage.objects.filter(
                    pk=message.pk, state=State.RUNNING, locked_until__lt=now
                ).update(state=State.SENT, locked_until=None)
                result.sent += 1
    except Exception:
        result.failed = len(ready) - result.sent
        metrics.increment("outbox.publish_failed", result.failed)
        logger.warning(
            "Could not hand %s outbox message(s) to Celery; they stay pending for the "
            "periodic dispatcher.",
            result.failed,
            exc_info=True,
        )
    return result


def _run_eagerly(message: OutboxMessage) -> bool:
    task = _task(message.task)
    if task is None:
        _give_back(message.key, f"Task {message.task} is not registered.")
        logger.error("Outbox message %s names an unknown task %s.", message.key, message.task)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        dispatches=F("dispatches") + 1, sent_at=timezone.now()
    )
    try:
        outcome = task.apply(
            args=list(message.args), kwargs={KEY_ARGUMENT: message.key}, throw=False
        )
    except Exception:  # apply() itself failing (not the task: that is recorded on the row)
        logger.exception("Could not run outbox message %s.", message.key)
        return False
    return outcome.successful()


def due(now=None, *, limit: int | None = None) -> list[OutboxMessage]:
    """Rows the periodic dispatcher should send now, oldest first."""
    now = now or timezone.now()
    redispatch = now - timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)
    rows = (
        OutboxMessage.objects.filter(available_at__lte=now)
        .filter(
            Q(state=State.PENDING)
            | Q(state=State.SENT, sent_at__lte=redispatch)
            | Q(state=State.RUNNING, locked_until__lt=now)
        )
        .order_by("pk")
    )
    return list(rows[: limit or settings.OUTBOX_DISPATCH_BATCH])


def dispatch_pending(now=None) -> DispatchResult:
    """The periodic dispatcher: send what is due, give up on rows out of attempts, prune."""
    now = now or timezone.now()
    give_up = OutboxMessage.objects.filter(
        state__in=(State.PENDING, State.SENT), attempts__gte=settings.OUTBOX_MAX_ATTEMPTS
    ).update(state=State.FAILED, locked_until=None)
    if give_up:
        metrics.increment("outbox.given_up", give_up)
        logger.error(
            "%s outbox message(s) failed %s times and were given up.",
            give_up,
            settings.OUTBOX_MAX_ATTEMPTS,
        )
    result = dispatch(due(now))
    result.failed += give_up
    keep = now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    result.pruned, _ = OutboxMessage.objects.filter(state=State.DONE, done_at__lt=keep).delete()
    return result


def retry_failed() -> int:
    """Give the rows that were given up a fresh set of attempts (sent at the next dispatch)."""
    return OutboxMessage.objects.filter(state=State.FAILED).update(
        state=State.PENDING, attempts=0, available_at=timezone.now(), locked_until=None
    )


def stats() -> dict:
    """Counts for the operations pages: rows by state, and the oldest pending row's age."""
    counts = {state.value: 0 for state in State}
    for row in OutboxMessage.objects.values("state").order_by().annotate(n=Count("pk")):
        counts[row["state"]] = row["n"]
    oldest = OutboxMessage.objects.filter(state__in=OPEN_STATES).order_by("created_at").first()
    counts["oldest_open_seconds"] = (
        int((timezone.now() - oldest.created_at).total_seconds()) if oldest else 0
    )
    return counts


# --- Running: claim, done, give back ------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(0, attempts - 1), settings.OUTBOX_RETRY_MAX_SECONDS)
    )


def claim(key: str) -> OutboxMessage | None:
    """Take the row ``key`` to run it: ``None`` when it is done, failed, unknown, run by
    another worker now, or waiting for an earlier row of its ordering key."""
    now = timezone.now()
    message = OutboxMessage.objects.filter(key=key).first()
    if message is None or message.state not in OPEN_STATES:
        return None
    if _blocked(message):
        # Run it after the earlier one (which sends it when done, or the dispatcher does).
        OutboxMessage.objects.filter(pk=message.pk, state=State.SENT).update(state=State.PENDING)
        return None
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    taken = (
        OutboxMessage.objects.filter(pk=message.pk, state__in=OPEN_STATES)
        .filter(free)
        .update(
            state=State.RUNNING,
            locked_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    if not taken:
        return None
    message.refresh_from_db()
    return message


def mark_done(key: str) -> None:
    OutboxMessage.objects.filter(key=key).update(
        state=State.DONE, done_at=timezone.now(), locked_until=None, last_error=""
    )


def _give_back(key: str, error: str, *, retrying_at=None) -> None:
    """A run failed: the row waits (Celery's own retry, or the dispatcher after a backoff)."""
    message = OutboxMessage.objects.filter(key=key).first()
    if message is None:
        return
    now = timezone.now()
    if retrying_at is not None:
        # Celery has published the retry: the row is "sent", due for the dispatcher only
        # if that message is lost.
        state, available_at = State.SENT, retrying_at
    else:
        state, available_at = State.PENDING, now + backoff(max(message.attempts, 1))
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS and retrying_at is None:
        state = State.FAILED
        metrics.increment("outbox.given_up")
        logger.error("Outbox message %s failed %s times; giving up.", key, message.attempts)
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=state,
        available_at=available_at,
        sent_at=now if state == State.SENT else message.sent_at,
        locked_until=None,
        last_error=error[:ERROR_LENGTH],
    )


def _send_next(message: OutboxMessage) -> None:
    """Finishing a row of an ordering key sends the next one of that key."""
    if not message.ordering_key:
        return
    following = (
        OutboxMessage.objects.filter(
            ordering_key=message.ordering_key, pk__gt=message.pk, state=State.PENDING
        )
        .order_by("pk")
        .first()
    )
    if following is not None:
        dispatch([following])


@contextmanager
def running(key: str) -> Iterator[OutboxMessage | None]:
    """Claim ``key`` for the block (``None``: skip the work), mark it done after it."""
    if key in _running.get():
        yield None  # the same row, re-entered in this thread: already being run
        return
    message = claim(key)
    if message is None:
        logger.info("Outbox message %s is done or taken; skipped.", key)
        yield None
        return
    token = _running.set(_running.get() | {key})
    try:
        yield message
    except BaseException as exc:
        from celery.exceptions import Retry

        retrying_at = None
        if isinstance(exc, Retry):
            when = exc.when
            if hasattr(when, "tzinfo"):
                retrying_at = when
            else:
                retrying_at = timezone.now() + timedelta(seconds=float(when or 0))
        _give_back(key, f"{type(exc).__name__}: {exc}", retrying_at=retrying_at)
        raise
    finally:
        _running.reset(token)
    mark_done(key)
    _send_next(message)


class OutboxTask(Task):
    """Base of tasks sent through the outbox: runs once per outbox key.

    Called with ``outbox_key`` (the outbox does that), the task claims its row first and
    skips the run when the row is done or another worker has it; a success marks it done.
    Called without it (``task.delay(...)``, ``task.apply(...)``), it runs as usual.
    """

    def __call__(self, *args, **kwargs):
        # A worker (and apply()) has set up the request already: call run directly, as
        # Celery's documentation shows for a custom __call__ (retries need that request).
        key = kwargs.pop(KEY_ARGUMENT, None)
        if key is None:
            return self.run(*args, **kwargs)
        with running(key) as message:
            if message is None:
                return None
            return self.run(*args, **kwargs)
