"""Admin views of the search index queue and the rebuild history (Settings menu).

Both are records, not content: nobody adds or edits them in the admin. Queue rows may be
deleted (an item that can never be indexed); everything else happens through
``manage.py search_sync`` and ``search_reindex`` (see docs/indexing.md).
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import IndexQueueItem, IndexRebuild


class RecordPermissionPolicy(ModelPermissionPolicy):
    """Model permissions minus the actions listed in ``denied``."""

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


def register_permission_policies():
    register_permission_policy(
        IndexQueueItem, RecordPermissionPolicy(IndexQueueItem, denied={"add", "change"})
    )
    register_permission_policy(
        IndexRebuild, RecordPermissionPolicy(IndexRebuild, denied={"add", "change", "delete"})
    )


class IndexQueueViewSet(ModelViewSet):
    model = IndexQueueItem
    icon = "resubmit"
    menu_label = _("Index queue")
    list_display = ["key", "reason", "attempts", "next_attempt_at", "last_error", "queued_at"]
    list_filter = ["reason"]
    search_fields = ["key", "last_error"]
    search_backend_name = None
    ordering = ["next_attempt_at", "pk"]
    inspect_view_enabled = True
    copy_view_enabled = False
    exclude_form_fields = ["claim", "claimed_until"]


class IndexRebuildViewSet(ModelViewSet):
    model = IndexRebuild
    icon = "history"
    menu_label = _("Index rebuilds")
    list_display = ["index_name", "version", "status", "documents", "started_at", "finished_at"]
    list_filter = ["status"]
    search_backend_name = None
    ordering = ["-started_at"]
    inspect_view_enabled = True
    copy_view_enabled = False
    exclude_form_fields = []


class SearchIndexViewSetGroup(ViewSetGroup):
    items = (IndexQueueViewSet, IndexRebuildViewSet)
    menu_icon = "search"
    menu_label = _("Search index")
    add_to_settings_menu = True
