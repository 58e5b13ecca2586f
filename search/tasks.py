"""Periodic search housekeeping (Celery beat; in-process without a broker)."""

from celery import shared_task
from django.conf import settings


@shared_task(name="search.flush_log", ignore_result=True)
def flush_log() -> int:
    """Write the searches and clicks this process has buffered."""
    from .analytics import flush

    return flush()


@shared_task(name="search.aggregate_popular", ignore_result=True)
def aggregate_popular() -> int:
    """Recompute the queries type-ahead offers from the search log."""
    from .analytics import aggregate_popular

    return aggregate_popular()


@shared_task(name="search.prune_log", ignore_result=True)
def prune_log() -> int:
    """Forget searches (and their clicks) older than ``SEARCH_LOG_DAYS``."""
    from .analytics import prune

    return prune(settings.SEARCH_LOG_DAYS)
