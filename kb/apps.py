from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("Knowledge base")

    def ready(self):
        from wagtail.signals import page_published

        from users.notifications import register

        from .models import ArticlePage
        from .notifications import article_published, describe_articles

        page_published.connect(
            article_published, sender=ArticlePage, dispatch_uid="kb-notify-followers"
        )
        register(ArticlePage, describe_articles)
