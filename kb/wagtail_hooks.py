from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from . import editors
from .admin_views import WriteArticleView
from .models import HelpfulVote
from .viewsets import HelpfulVotePermissionPolicy, HelpfulVoteViewSet

register_permission_policy(HelpfulVote, HelpfulVotePermissionPolicy(HelpfulVote))


@hooks.register("register_admin_viewset")
def register_helpful_votes_viewset():
    return HelpfulVoteViewSet("helpful_votes")


@hooks.register("register_admin_urls")
def register_kb_admin_urls():
    return [path("kb/write-article/", WriteArticleView.as_view(), name="kb_write_article")]


hooks.register("register_editors_dashboard_section", editors.unhelpful_section)
hooks.register("register_editors_dashboard_section", editors.stale_section)
