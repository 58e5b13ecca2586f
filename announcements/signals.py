"""Signal handlers, connected from ``AnnouncementsConfig.ready``."""

from wagtail.signals import page_published

from . import services
from .models import AnnouncementPage


def on_announcement_published(sender, instance, revision=None, alias=False, **kwargs):
    if alias:
        return
    services.announcement_published(instance)


page_published.connect(
    on_announcement_published, sender=AnnouncementPage, dispatch_uid="announcements_published"
)
