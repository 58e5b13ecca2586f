"""The editors' dashboard: what in the content needs an editor's attention.

``core`` knows no app, so each app contributes its own sections through the Wagtail hook
``register_editors_dashboard_section``: a function of the request that returns a
:class:`Section` (or ``None`` when this person may not see it). The dashboard view and
the admin home panel loop over the hook; neither names an app.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import permission_required
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

HOOK = "register_editors_dashboard_section"


@dataclass
class Section:
    """One list on the dashboard: a heading, what it means and its items.

    ``template`` renders ``items`` (included with ``section`` in its context).
    """

    key: str
    title: str | Promise  # lazily translated text is welcome
    description: str | Promise
    template: str
    items: list = field(default_factory=list)
    order: int = 100
    more_url: str = ""
    more_label: str | Promise = ""

    @property
    def count(self) -> int:
        return len(self.items)


def sections(request) -> list[Section]:
    found = []
    for fn in hooks.get_hooks(HOOK):
        section = fn(request)
        if section is not None:
            found.append(section)
    return sorted(found, key=lambda s: (s.order, s.key))


@method_decorator(permission_required("wagtailadmin.access_admin"), name="dispatch")
class EditorsDashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "core/admin/editors_dashboard.html"
    page_title = _("Editors’ dashboard")
    header_icon = "tasks"

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = sections(self.request)
        return context


class EditorsDashboardPanel(Component):
    """On the admin home page: how many items each dashboard list holds."""

    name = "editors_dashboard"
    order = 90
    template_name = "core/admin/editors_dashboard_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        return {"sections": sections(self.request)}
