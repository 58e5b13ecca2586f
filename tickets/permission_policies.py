"""The admin permission policy for tickets: agents view and change them; nobody adds or
deletes a ticket in the admin (customers file them, agents open them from the forum).

"Agents" are active staff users with the model permissions (``view_ticket``,
``change_ticket``, granted to Wagtail's Moderators group by a migration) or superusers.
"""

from wagtail.permissions import register_permission_policy

from core.permission_policies import DeniedActionsPolicy


class TicketPermissionPolicy(DeniedActionsPolicy):
    def __init__(self, model):
        super().__init__(model, denied={"add", "delete"})

    def user_has_permission(self, user, action):
        if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission(actions).filter(is_active=True, is_staff=True)


def register():
    from .models import Ticket

    register_permission_policy(Ticket, TicketPermissionPolicy(Ticket))
