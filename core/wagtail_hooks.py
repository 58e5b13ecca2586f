from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .editors import EditorsDashboardPanel, EditorsDashboardView
from .views import markdown_preview


@hooks.register("register_admin_urls")
def register_editors_dashboard_url():
    return [
        path("editors/", EditorsDashboardView.as_view(), name="editors_dashboard"),
        path("markdown-preview/", markdown_preview, name="markdown_preview"),
    ]


@hooks.register("register_admin_menu_item")
def register_editors_dashboard_menu_item():
    return MenuItem(
        _("Editors’ dashboard"), reverse("editors_dashboard"), icon_name="tasks", order=150
    )


@hooks.register("construct_homepage_panels")
def add_editors_dashboard_panel(request, panels):
    panels.append(EditorsDashboardPanel(request))
