from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from .routing import SingleQueryViewRestrictionsMixin


class HomePage(SingleQueryViewRestrictionsMixin, Page):
    """The portal's front door: the search box first, then what is new and what to read."""

    hero_title = models.CharField(_("headline"), max_length=120, default="How can we help?")
    hero_text = models.CharField(_("text under the headline"), max_length=250, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("hero_title"), FieldPanel("hero_text")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["kb.KnowledgeBaseIndexPage", "announcements.AnnouncementIndexPage"]
    max_count = 1
    template = "pages/core/home_page.html"

    class Meta:
        verbose_name = _("home page")

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
        context.update(home_sections(request.user))
        return context


class SchedulerLease(models.Model):
    """Who runs the embedded periodic schedule now (core/periodic.py): one row per
    schedule, taken and renewed with one conditional UPDATE, so one process at a time."""

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name}: {self.holder}"


class PeriodicTaskRun(models.Model):
    """When each entry of the periodic schedule last ran (claimed by the embedded
    scheduler with a conditional UPDATE, so it runs once per interval)."""

    name = models.CharField(max_length=200, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return self.name
