from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.health import register_check
        from segments.models import Segment

        from . import health, service, signals, synonyms
        from .backends import checks as backend_checks  # noqa: F401
        from .embeddings import checks  # noqa: F401
        from .models import Synonym
        from .service.cache import index_changed

        synonyms.connect()
        # The write side changed the index: kept pages of results go.
        signals.index_written.connect(index_changed, dispatch_uid="search.results-cache.index")
        # /readyz asks the search engine too.
        register_check("search", health.readiness)
        for signal in (post_save, post_delete):
            signal.connect(
                service.forget_product_names,
                sender=Segment,
                dispatch_uid=f"search.products.{signal is post_save}",
            )
            # Editors' synonyms change what a query finds: kept pages of results go.
            signal.connect(
                index_changed,
                sender=Synonym,
                dispatch_uid=f"search.results-cache.synonyms.{signal is post_save}",
            )
