from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndexingConfig(AppConfig):
    name = "indexing"
    verbose_name = _("Search indexing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.signals import request_started

        from search.signals import stale_hits

        from . import services, signals

        signals.connect()
        # A request is never served with indexing held back (services.deferred).
        request_started.connect(
            services.end_leaked_deferral, dispatch_uid="indexing.end_leaked_deferral"
        )
        # Hits the search side found stale (gone, hidden, restricted since) are re-indexed.
        stale_hits.connect(_requeue_stale, dispatch_uid="indexing.stale_hits")


def _requeue_stale(sender, keys, **kwargs):
    from . import services

    services.enqueue(keys, "stale")
