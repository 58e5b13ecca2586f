from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "segments"
    verbose_name = _("Segments")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from core import fragments

        from .models import Segment

        # What content targets, and the segments themselves, decide who sees what:
        # cached page fragments are forgotten when they change.
        post_save.connect(fragments.bump, sender=Segment, dispatch_uid="fragments-segment")
        post_delete.connect(fragments.bump, sender=Segment, dispatch_uid="fragments-segment-del")
        m2m_changed.connect(_targeting_changed, dispatch_uid="fragments-targeting")


def _targeting_changed(sender, instance=None, model=None, action="", **kwargs):
    from core import fragments

    from .models import Segment

    if action.startswith("post_") and (model is Segment or isinstance(instance, Segment)):
        fragments.bump()
