"""Periodic tasks without a broker: the embedded stand-in for Celery beat.

With ``CELERY_BROKER_URL`` set, ``celery -A config beat`` runs ``CELERY_BEAT_SCHEDULE``
(publish scheduled pages, drain the search index queue, prune the search log, close
solved tickets). A small install has no broker and no beat, so the web process runs the
same schedule itself: ``EmbeddedBeatMiddleware`` looks at the clock after each response
and, when a task is due, runs it in one background thread, in-process (as every task runs
without a broker). Nothing is run twice at once; a failing task is logged and tried again
at its next interval. ``PORTICO_EMBEDDED_BEAT=false`` turns it off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)


def _interval(entry) -> float:
    schedule = entry["schedule"]
    if hasattr(schedule, "total_seconds"):
        return schedule.total_seconds()
    if hasattr(schedule, "run_every"):
        return schedule.run_every.total_seconds()
    return float(schedule)


class EmbeddedBeat:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.last_run: dict[str, float] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @staticmethod
    def enabled() -> bool:
        return bool(getattr(settings, "PORTICO_EMBEDDED_BEAT", True)) and not getattr(
            settings, "CELERY_BROKER_URL", ""
        )

    def due(self) -> list[tuple[str, str]]:
        """``(entry name, task name)`` of every entry whose interval has passed; marks them."""
        now = self.clock()
        found = []
        for name, entry in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).items():
            last = self.last_run.get(name)
            if last is None or now - last >= _interval(entry):
                self.last_run[name] = now
                found.append((name, entry["task"]))
        return found

    def run(self, tasks: list[tuple[str, str]], *, background: bool = False) -> None:
        """Run ``tasks`` one after the other; a background run uses (and closes) its own
        database connections."""
        from django.db import close_old_connections, connections

        from config.celery import app

        app.loader.import_default_modules()  # every app's tasks module, as a worker does
        try:
            for name, task_name in tasks:
                task = app.tasks.get(task_name)
                if task is None:
                    logger.warning("Periodic task %s (%s) is not registered.", name, task_name)
                    continue
                try:
                    task.apply(throw=True)
                except Exception:
                    logger.exception("Periodic task %s failed; it runs again later.", name)
                if background:
                    close_old_connections()
        finally:
            if background:
                connections.close_all()

    def tick(self, *, blocking: bool = False) -> threading.Thread | None:
        """Run what is due: in a background thread (at most one), or here if ``blocking``."""
        if not self.enabled():
            return None
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return self._thread
            tasks = self.due()
            if not tasks:
                return None
            if blocking:
                self.run(tasks)
                return None
            self._thread = threading.Thread(
                target=self.run,
                args=(tasks,),
                kwargs={"background": True},
                name="portico-embedded-beat",
                daemon=True,
            )
            self._thread.start()
            return self._thread


beat = EmbeddedBeat()


class EmbeddedBeatMiddleware:
    """Gives the embedded beat a chance to run after every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            beat.tick()
        except Exception:
            logger.exception("The embedded beat could not start.")
        return response
