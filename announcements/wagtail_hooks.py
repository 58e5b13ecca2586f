from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import AnnouncementDelivery, ProductSubscription
from .viewsets import (
    AnnouncementsViewSetGroup,
    ReadMostlyPermissionPolicy,
    ReadOnlyPermissionPolicy,
)

register_permission_policy(ProductSubscription, ReadMostlyPermissionPolicy(ProductSubscription))
register_permission_policy(AnnouncementDelivery, ReadOnlyPermissionPolicy(AnnouncementDelivery))


@hooks.register("register_admin_viewset")
def register_announcements_viewsets():
    return AnnouncementsViewSetGroup()
