"""The log of inbound email in the admin (Support → Inbound email): read only, for the
people who may see tickets."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from core.permission_policies import DeniedActionsPolicy
from tickets.permissions import agents, can_view_tickets

from .models import InboundMessage


class InboundPermissionPolicy(DeniedActionsPolicy):
    def __init__(self, model):
        super().__init__(model, denied={"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action == "view" and can_view_tickets(user)

    def users_with_any_permission(self, actions):
        return agents() if "view" in actions else get_user_model().objects.none()


class InboundMessageViewSet(ModelViewSet):
    model = InboundMessage
    icon = "mail"
    menu_label = _("Inbound email")
    add_to_admin_menu = True
    menu_order = 271
    list_display = [
        "__str__",
        "sender",
        "subject",
        Column("outcome", label=_("outcome"), accessor="get_outcome_display"),
        "reason",
        "ticket",
        Column("received_at", label=_("received at")),
    ]
    list_filter = ["outcome"]
    search_fields = ["sender", "subject", "message_id"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []


def register():
    register_permission_policy(InboundMessage, InboundPermissionPolicy(InboundMessage))
