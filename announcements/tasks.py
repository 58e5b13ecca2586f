"""Background work for announcements (Celery; in-process when no broker is configured)."""

from celery import shared_task

from core.tasks import EMAIL_TASK_OPTIONS

from . import services


@shared_task(**EMAIL_TASK_OPTIONS)
def send_announcement_emails(page_id: int) -> int:
    """Email a published announcement to its subscribers.

    Idempotent: members already emailed are recorded and skipped, so retries and
    republishing never email anyone twice.
    """
    return services.send_announcement_emails(page_id)
