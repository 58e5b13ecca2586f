"""The "Search" menu of the Wagtail admin: editors' synonyms and the search report."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from . import analytics
from .models import Synonym

REPORT_PERIODS = (7, 30, 90)


class SynonymViewSet(ModelViewSet):
    model = Synonym
    name = "search_synonym"
    icon = "list-ul"
    menu_label = _("Synonyms")
    list_display = ["terms", "note", "enabled", "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["terms", "note"]
    search_backend_name = None
    form_fields = ["terms", "note", "enabled"]
    copy_view_enabled = False


def can_read_reports(user) -> bool:
    return user.has_perm("search.view_searchlog")


class SearchReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "search/admin/report.html"
    page_title = _("Search report")
    header_icon = "search"

    def dispatch(self, request, *args, **kwargs):
        if not can_read_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            days = int(self.request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in REPORT_PERIODS else 30
        context["report"] = analytics.report(days)
        context["days"] = analytics.daily(days)
        context["periods"] = REPORT_PERIODS
        return context


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_read_reports(request.user)


class SearchReportViewSet(ViewSet):
    name = "search_report"
    icon = "search"
    menu_label = _("Search report")
    menu_item_class = ReportMenuItem

    @property
    def menu_url(self):
        from django.urls import reverse

        return reverse(self.get_url_name("index"))

    def get_urlpatterns(self):
        return [path("", SearchReportView.as_view(), name="index")]


class SearchViewSetGroup(ViewSetGroup):
    items = (SynonymViewSet, SearchReportViewSet)
    menu_icon = "search"
    menu_label = _("Search")
    menu_order = 450
