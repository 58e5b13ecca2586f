"""Background work for announcements (Celery; in-process when no broker is configured)."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def send_announcement_emails(page_id: int) -> int:
    """Email a published announcement to its subscribers.

    Idempotent: members already emailed are recorded and skipped, so retries and
    republishing never email anyone twice.
    """
    return services.send_announcement_emails(page_id)
