from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Portal core")

    def ready(self):
        from . import checks, ratelimit  # noqa: F401
        from .fragments import connect_page_signals

        connect_page_signals()
