"""Periodic tasks: Celery beat with a broker, the embedded scheduler without one.

``CELERY_BEAT_SCHEDULE`` (publish scheduled pages, drain the search index queue, prune the
search log, close solved tickets, clear expired sessions) runs in one of two ways:

- With ``CELERY_BROKER_URL`` set, exactly one ``celery -A config beat`` sends it to the
  workers (deploy/systemd/portico-beat.service). The embedded scheduler stays off.
- Without a broker there is no beat: every web process has the embedded scheduler, a
  daemon thread started by ``EmbeddedBeatMiddleware`` with the process's first request,
  which wakes every ``PORTICO_SCHEDULER_TICK_SECONDS`` and runs what is due in-process (as
  every task runs without a broker). ``PORTICO_EMBEDDED_BEAT=false`` turns it off.

However many processes and hosts share the database, the embedded schedule runs once:

- **One process at a time.** The process that runs the schedule holds the lease
  (``core.SchedulerLease``), taken and renewed with one conditional ``UPDATE`` (``… WHERE
  holder = me OR expires_at <= now``; the very first time, an ``INSERT`` that only one
  process can win), atomic on SQLite and PostgreSQL alike. The holder renews it on every
  tick and between tasks; when it stops (the process died), another process takes over
  once ``PORTICO_SCHEDULER_LEASE_SECONDS`` have passed. A process that shuts down cleanly
  gives the lease back at once.
- **Once per interval.** Each entry's last run is in the database
  (``core.PeriodicTaskRun``), claimed with a conditional ``UPDATE`` (``… WHERE last_run_at
  <= now - interval``): even two holders (a lease that ran out during a long task) cannot
  run the same entry twice in one interval. A failing task is logged, recorded
  (``last_error``) and tried again at its next interval.

Times come from the hosts' clocks: keep them synchronised (NTP), as for any cluster.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

LEASE_NAME = "embedded-beat"


def _interval(entry) -> float:
    schedule = entry["schedule"]
    if hasattr(schedule, "total_seconds"):
        return schedule.total_seconds()
    if hasattr(schedule, "run_every"):
        return schedule.run_every.total_seconds()
    return float(schedule)


# --- The database side: the lease and the per-entry claims --------------------------------


def acquire_lease(name: str, holder: str, *, now: datetime, seconds: float) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``now + seconds``.

    True when ``holder`` holds it now. One conditional ``UPDATE`` decides between
    processes; the first ``INSERT`` of the row is won by one of them (unique name).
    """
    from .models import SchedulerLease

    expires_at = now + timedelta(seconds=seconds)
    taken = (
        SchedulerLease.objects.filter(name=name)
        .filter(Q(holder=holder) | Q(expires_at__lte=now))
        .update(holder=holder, expires_at=expires_at)
    )
    if taken:
        return True
    if SchedulerLease.objects.filter(name=name).exists():
        return False
    try:
        with transaction.atomic():
            SchedulerLease.objects.create(name=name, holder=holder, expires_at=expires_at)
    except IntegrityError:
        return False  # another process inserted it first
    return True


def release_lease(name: str, holder: str, *, now: datetime) -> bool:
    """Give the lease back (if ``holder`` has it), so another process may take it at once."""
    from .models import SchedulerLease

    return bool(
        SchedulerLease.objects.filter(name=name, holder=holder).update(
            expires_at=now - timedelta(seconds=1)
        )
    )


def claim_run(name: str, *, interval: float, now: datetime) -> bool:
    """Mark entry ``name`` as run at ``now`` if it has not run in the last ``interval``
    seconds. True for exactly one caller per interval, however many ask at once."""
    from .models import PeriodicTaskRun

    return bool(
        PeriodicTaskRun.objects.filter(name=name)
        .filter(Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - timedelta(seconds=interval)))
        .update(last_run_at=now)
    )


def _record_end(name: str, *, now: datetime, error: str = "") -> None:
    from .models import PeriodicTaskRun

    PeriodicTaskRun.objects.filter(name=name).update(last_finished_at=now, last_error=error)


# --- The scheduler ------------------------------------------------------------------------


class EmbeddedBeat:
    """The embedded scheduler of one process (one instance per process, ``beat``)."""

    def __init__(self, clock: Callable[[], datetime] = timezone.now):
        self.clock = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._holder: tuple[int, str] | None = None

    @staticmethod
    def enabled() -> bool:
        return bool(getattr(settings, "PORTICO_EMBEDDED_BEAT", True)) and not getattr(
            settings, "CELERY_BROKER_URL", ""
        )

    @property
    def holder(self) -> str:
        """``host:pid:random``, new in a forked child (which must not pass for its parent)."""
        pid = os.getpid()
        if self._holder is None or self._holder[0] != pid:
            token = f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}"
            self._holder = (pid, token)
        return self._holder[1]

    @staticmethod
    def lease_seconds() -> float:
        return float(getattr(settings, "PORTICO_SCHEDULER_LEASE_SECONDS", 60))

    def _renew(self, now: datetime | None = None) -> bool:
        return acquire_lease(
            LEASE_NAME, self.holder, now=now or self.clock(), seconds=self.lease_seconds()
        )

    def tick(self, now: datetime | None = None) -> list[str]:
        """Run, here and now, every entry that is due, if this process holds the lease.

        Returns the names of the entries this call ran.
        """
        if not self.enabled():
            return []
        from config.celery import app

        from .models import PeriodicTaskRun

        now = now or self.clock()
        if not self._renew(now):
            return []
        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", {})
        if not schedule:
            return []
        PeriodicTaskRun.objects.bulk_create(
            [PeriodicTaskRun(name=name) for name in schedule], ignore_conflicts=True
        )
        # Every app's tasks module, as a worker loads them (Celery's own loader would also
        # set Django up again, logging included, and run the system checks).
        autodiscover_modules("tasks")
        ran = []
        for name, entry in schedule.items():
            if not claim_run(name, interval=_interval(entry), now=now):
                continue
            ran.append(name)
            task = app.tasks.get(entry["task"])
            error = ""
            if task is None:
                error = f"Task {entry['task']} is not registered."
                logger.warning("Periodic task %s: %s", name, error)
            else:
                try:
                    task.apply(
                        args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=True
                    )
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    logger.exception("Periodic task %s failed; it runs again later.", name)
            _record_end(name, now=self.clock(), error=error[:2000])
            if not self._renew():
                break  # the lease ran out during a long task and another process has it
        return ran

    def release(self) -> None:
        """Give the lease back (clean shutdown)."""
        if self._holder is not None and self._holder[0] == os.getpid():
            release_lease(LEASE_NAME, self.holder, now=self.clock())

    # --- The background thread of a web process ---------------------------------------

    def _loop(self) -> None:
        tick_seconds = float(getattr(settings, "PORTICO_SCHEDULER_TICK_SECONDS", 5))
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                logger.exception("The embedded scheduler could not run the schedule.")
            finally:
                close_old_connections()
                connections.close_all()
            self._stop.wait(tick_seconds)

    def start(self) -> threading.Thread | None:
        """Start this process's scheduler thread (once; again in a forked child)."""
        if not self.enabled():
            return None
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return self._thread
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name="portico-embedded-beat", daemon=True
            )
            self._thread.start()
            return self._thread

    def stop(self, timeout: float = 10) -> None:
        """Stop the thread (after the task it is running) and give the lease back."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)
        try:
            self.release()
        except Exception:
            logger.warning("The embedded scheduler could not give its lease back.")
        finally:
            connections.close_all()


beat = EmbeddedBeat()


@atexit.register
def _release_at_exit() -> None:  # pragma: no cover (runs at interpreter exit)
    if beat._thread is not None:
        beat.stop(timeout=2)


class EmbeddedBeatMiddleware:
    """Starts the process's embedded scheduler thread with its first request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        thread = beat._thread
        if thread is None or not thread.is_alive():
            try:
                beat.start()
            except Exception:
                logger.exception("The embedded scheduler could not start.")
        return response
