"""Admin permission policies: model permissions, minus actions the admin must not offer.

Questions and answers are created on the site (through ``forum.services``), never in the
admin; flags and edit history are records, not editable content.
"""

from wagtail.permissions import register_permission_policy

from core.permission_policies import DeniedActionsPolicy


def register():
    from .models import Answer, Flag, PostRevision, Question

    register_permission_policy(Question, DeniedActionsPolicy(Question, denied={"add"}))
    register_permission_policy(Answer, DeniedActionsPolicy(Answer, denied={"add"}))
    register_permission_policy(Flag, DeniedActionsPolicy(Flag, denied={"add", "change", "delete"}))
    register_permission_policy(
        PostRevision, DeniedActionsPolicy(PostRevision, denied={"add", "change", "delete"})
    )
