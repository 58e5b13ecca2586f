"""Tasks and a worker process for the scheduler tests (importable by spawned processes)."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta

from celery import shared_task


@shared_task(name="tests.core.record_run")
def record_run(path: str, label: str) -> None:
    """Append ``label`` to the file at ``path`` (one short write: atomic with O_APPEND)."""
    with open(path, "a", encoding="utf-8") as out:
        out.write(label + "\n")


@shared_task(name="tests.core.fail")
def fail() -> None:
    raise RuntimeError("the periodic task broke")


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()


def create_tables(database_url: str) -> None:
    """Create the scheduler's two tables in a fresh database (SQLite file)."""
    _setup_django(database_url)
    from django.db import connection

    from core.models import PeriodicTaskRun, SchedulerLease

    with connection.schema_editor() as editor:
        editor.create_model(SchedulerLease)
        editor.create_model(PeriodicTaskRun)
    connection.close()


def run_worker(
    database_url: str,
    *,
    threads: int,
    rounds: int,
    step: float,
    start: str,
    schedule: dict,
    lease_seconds: float,
    barrier,
    results_path: str,
) -> None:
    """One process with ``threads`` schedulers (each its own holder) that tick together
    with every other process, round after round, at ``start + round * step``."""
    _setup_django(database_url)
    from django.conf import settings
    from django.db import connections

    from core.periodic import EmbeddedBeat

    settings.PORTICO_EMBEDDED_BEAT = True
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_BEAT_SCHEDULE = schedule
    settings.PORTICO_SCHEDULER_LEASE_SECONDS = lease_seconds
    origin = datetime.fromisoformat(start)

    def scheduler(index: int) -> None:
        now = {"value": origin}
        beat = EmbeddedBeat(clock=lambda: now["value"])
        try:
            for round_number in range(rounds):
                now["value"] = origin + timedelta(seconds=round_number * step)
                barrier.wait()
                ran = beat.tick()
                with open(results_path, "a", encoding="utf-8") as out:
                    for name in ran:
                        out.write(f"{round_number} {name} {beat.holder}\n")
                barrier.wait()
        finally:
            connections.close_all()

    workers = [threading.Thread(target=scheduler, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
