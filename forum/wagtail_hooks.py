from wagtail import hooks

from . import editors
from .permission_policies import register as register_permission_policies
from .viewsets import CommunityViewSetGroup

register_permission_policies()


@hooks.register("register_admin_viewset")
def register_community_viewsets():
    return CommunityViewSetGroup()


hooks.register("register_editors_dashboard_section", editors.unanswered_section)
