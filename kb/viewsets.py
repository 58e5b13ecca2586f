"""Wagtail admin for "Was this helpful?" answers (read and moderate, never write)."""

from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from segments import policy

from .models import HelpfulVote


class HelpfulVotePermissionPolicy(ModelPermissionPolicy):
    """Editors and staff read answers; only people with the delete permission remove them.

    Answers come from readers, so nobody adds or edits them in the admin.
    """

    def user_has_permission(self, user, action):
        if action in ("add", "change"):
            return False
        if action == "view":
            return policy.is_privileged(user) or super().user_has_permission(user, action)
        return super().user_has_permission(user, action)


class HelpfulVoteViewSet(ModelViewSet):
    model = HelpfulVote
    icon = "help"
    menu_label = _("Article feedback")
    menu_order = 260
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        Column("article", label=_("Article"), accessor="article"),
        BooleanColumn("helpful", label=_("Helpful")),
        Column(
            "comment",
            label=_("Comment"),
            accessor=lambda vote: Truncator(vote.comment).chars(120) if vote.comment else "—",
        ),
        Column("voter", label=_("From"), accessor="voter"),
        DateColumn("created_at", label=_("Answered")),
    ]
    list_filter = ["article", "helpful"]
    list_export = ["article", "helpful", "comment", "voter", "created_at"]
    export_headings = {"voter": _("From")}
    search_fields = ["comment"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_fields = ["article", "helpful", "comment", "user", "created_at"]
    # The add and edit views exist but the permission policy never allows them.
    form_fields = ["helpful", "comment"]

    def get_queryset(self, request):
        return HelpfulVote.objects.select_related("article", "user")
