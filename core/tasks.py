from celery import shared_task
from django.core.management import call_command


@shared_task(name="core.publish_scheduled")
def publish_scheduled():
    """Publish pages whose scheduled time has come and unpublish expired ones.

    Celery beat runs it every minute (see CELERY_BEAT_SCHEDULE); without a broker, run
    `manage.py publish_scheduled` from cron instead.
    """
    call_command("publish_scheduled")
