"""Admin permission policies: model permissions, minus actions the admin must not offer.

Questions and answers are created on the site (through ``forum.services``), never in the
admin; flags and edit history are records, not editable content.
"""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy


class ForumPermissionPolicy(ModelPermissionPolicy):
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


def register():
    from .models import Answer, Flag, PostRevision, Question

    register_permission_policy(Question, ForumPermissionPolicy(Question, denied={"add"}))
    register_permission_policy(Answer, ForumPermissionPolicy(Answer, denied={"add"}))
    register_permission_policy(
        Flag, ForumPermissionPolicy(Flag, denied={"add", "change", "delete"})
    )
    register_permission_policy(
        PostRevision, ForumPermissionPolicy(PostRevision, denied={"add", "change", "delete"})
    )
