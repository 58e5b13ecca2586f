"""Periodic search housekeeping (Celery beat; in-process without a broker)."""

from celery import shared_task
from django.conf import settings


@shared_task(name="search.prune_log", ignore_result=True)
def prune_log() -> int:
    """Forget searches (and their clicks) older than ``SEARCH_LOG_DAYS``."""
    from .analytics import prune

    return prune(settings.SEARCH_LOG_DAYS)
