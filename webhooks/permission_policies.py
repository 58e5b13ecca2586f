"""Webhooks are for administrators only: active superusers. Deliveries are a log: viewed
(and replayed), never added, edited or deleted in the admin."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy


def is_webhook_admin(user) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


class AdministratorsOnlyPolicy(ModelPermissionPolicy):
    def __init__(self, model, *, denied=()):
        super().__init__(model)
        self.denied = frozenset(denied)

    def user_has_permission(self, user, action):
        return action not in self.denied and is_webhook_admin(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        if not [action for action in actions if action not in self.denied]:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)

    def users_with_permission(self, action):
        return self.users_with_any_permission([action])


def register():
    from .models import Delivery, Endpoint

    register_permission_policy(Endpoint, AdministratorsOnlyPolicy(Endpoint))
    register_permission_policy(
        Delivery, AdministratorsOnlyPolicy(Delivery, denied={"add", "change", "delete"})
    )
