from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .models import HelpfulVote
from .viewsets import HelpfulVotePermissionPolicy, HelpfulVoteViewSet

register_permission_policy(HelpfulVote, HelpfulVotePermissionPolicy(HelpfulVote))


@hooks.register("register_admin_viewset")
def register_helpful_votes_viewset():
    return HelpfulVoteViewSet("helpful_votes")
