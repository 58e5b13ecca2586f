"""The admin permission policy for tickets: agents view and change them; nobody adds or
deletes a ticket in the admin (customers file them, agents open them from the forum).

"Agents" are active staff users with the model permissions (``view_ticket``,
``change_ticket``, granted to Wagtail's Moderators group by a migration) or superusers.
"""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

DENIED = frozenset({"add", "delete"})


class TicketPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if action in DENIED:
            return False
        if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in DENIED]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed).filter(is_active=True, is_staff=True)


def register():
    from .models import Ticket

    register_permission_policy(Ticket, TicketPermissionPolicy(Ticket))
