"""Admin screens for announcement subscriptions and deliveries (read-mostly).

Subscriptions belong to members, who change them on their account page; staff can look
them up, filter by product and remove one, but not create or edit them.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy

from .models import AnnouncementDelivery, ProductSubscription


class ReadMostlyPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, minus adding and editing (for everyone, superusers included)."""

    denied_actions = frozenset({"add", "change"})

    def user_has_permission(self, user, action):
        if action in self.denied_actions:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.denied_actions]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)


class ReadOnlyPermissionPolicy(ReadMostlyPermissionPolicy):
    denied_actions = frozenset({"add", "change", "delete"})


class ProductSubscriptionViewSet(ModelViewSet):
    model = ProductSubscription
    icon = "mail"
    menu_label = _("Subscriptions")
    list_display = ["user", "product", "created_at"]
    list_filter = ["product"]
    search_fields = ["user__email", "user__display_name"]
    ordering = ["-created_at"]
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["user", "product"]
    list_export = ["user", "product", "created_at"]


class AnnouncementDeliveryViewSet(ModelViewSet):
    model = AnnouncementDelivery
    icon = "history"
    menu_label = _("Emails sent")
    list_display = ["announcement", "user", "sent_at"]
    list_filter = ["announcement"]
    search_fields = ["user__email", "announcement__title"]
    ordering = ["-sent_at"]
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["announcement", "user"]


class AnnouncementsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Announcements")
    menu_icon = "mail"
    menu_order = 260
    items = (
        ProductSubscriptionViewSet("announcement_subscriptions"),
        AnnouncementDeliveryViewSet("announcement_deliveries"),
    )
