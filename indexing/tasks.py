"""Celery tasks for search indexing (in-process when no broker is configured).

``drain_queue`` is queued after every transaction that changed indexed content, and runs
every ``INDEXING_SYNC_INTERVAL`` seconds from Celery beat to pick up what is left (rows
whose batch failed and are due again, rows whose task never reached the broker).
It never raises: failures stay recorded on the queue rows.
"""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="indexing.drain_queue", ignore_result=True, acks_late=True)
def drain_queue(max_batches: int | None = None) -> dict:
    from . import services

    try:
        return services.drain(max_batches=max_batches).as_dict()
    except Exception as exc:
        logger.exception("Draining the search index queue failed; rows stay queued.")
        return {"error": f"{type(exc).__name__}: {exc}"}


@shared_task(name="indexing.reconcile", ignore_result=True, acks_late=True)
def reconcile() -> dict:
    """Compare the database with the index, queue what differs, and drain it."""
    from . import services

    try:
        result = services.reconcile()
        if result.queued:
            services.drain()
        return result.as_dict()
    except Exception as exc:
        logger.warning("Comparing the search index with the database failed: %s", exc)
        return {"error": f"{type(exc).__name__}: {exc}"}
