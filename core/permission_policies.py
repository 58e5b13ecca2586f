"""A Wagtail permission policy for records the admin shows but must not create or edit."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy


class DeniedActionsPolicy(ModelPermissionPolicy):
    """Model permissions, minus the actions listed in ``denied`` (for everyone)."""

    def __init__(self, model, *, denied=()):
        super().__init__(model)
        self.denied = frozenset(denied)

    def user_has_permission(self, user, action):
        if action in self.denied:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.denied]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)
