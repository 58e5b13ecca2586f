from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from core.routing import SingleQueryViewRestrictionsMixin


class HomePage(SingleQueryViewRestrictionsMixin, Page):
    """The portal's front door: the search box first, then what is new and what to read."""

    hero_title = models.CharField(_("headline"), max_length=120, default="How can we help?")
    hero_text = models.CharField(_("text under the headline"), max_length=250, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("hero_title"), FieldPanel("hero_text")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["kb.KnowledgeBaseIndexPage", "announcements.AnnouncementIndexPage"]
    template = "pages/portal/home_page.html"

    @classmethod
    def can_create_at(cls, parent):
        # One home per content language: the first, and its translations (made with
        # "Translate" in the admin, which copies the whole tree into the new locale).
        return super().can_create_at(parent) and not cls.objects.exists()

    class Meta:
        verbose_name = _("home page")
        # The table was created when the home page lived in ``core``; it keeps its name.
        db_table = "core_homepage"

    def route(self, request, path_components):
        """Find the section (knowledge base, announcements) in one typed query."""
        if path_components:
            from announcements.models import AnnouncementIndexPage
            from kb.models import KnowledgeBaseIndexPage

            slug, *remaining = path_components
            for section in (KnowledgeBaseIndexPage, AnnouncementIndexPage):
                child = section.objects.child_of(self).filter(slug=slug).first()
                if child is not None:
                    child._cached_parent_obj = self
                    return child.route(request, remaining)
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from .home import home_sections

        context = super().get_context(request, *args, **kwargs)
        context.update(home_sections(request.user, self.locale_id))
        return context
