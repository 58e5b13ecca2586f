from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Support")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from search.signals import page_searched

        from . import checks  # noqa: F401  (registers the system checks)

        # A support request that follows a site search shows agents what was searched.
        page_searched.connect(_remember_search, dispatch_uid="tickets.remember_search")


def _remember_search(sender, request, query, **kwargs):
    from .flow import remember_search

    remember_search(request, query)
