from smtplib import SMTPException

from celery import shared_task
from django.core.management import call_command

from .outbox import OutboxTask

#: Options of every task that sends email: a failing mail server is retried with a growing
#: delay (30 s up to 30 min, 8 times). The tasks record whom they reached, so a retry
#: emails only the people not reached yet. They are sent through the outbox
#: (``core.outbox``): sent by the outbox, a task runs once per outbox key.
EMAIL_TASK_OPTIONS = {
    "base": OutboxTask,
    "autoretry_for": (SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(name="core.publish_scheduled")
def publish_scheduled():
    """Publish pages whose scheduled time has come and unpublish expired ones.

    Celery beat runs it every minute (see CELERY_BEAT_SCHEDULE); without a broker, the web
    process runs the same schedule (core/periodic.py).
    """
    call_command("publish_scheduled")


@shared_task(name="core.clear_sessions")
def clear_sessions():
    """Delete expired sessions (Django's ``clearsessions``); Celery beat runs it daily."""
    call_command("clearsessions")


@shared_task(name="core.outbox_dispatch", ignore_result=True, acks_late=True)
def outbox_dispatch() -> dict:
    """Send the outbox rows still pending (Celery beat, every ``OUTBOX_DISPATCH_INTERVAL``)."""
    from . import outbox

    return outbox.dispatch_pending().as_dict()
