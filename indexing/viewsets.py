"""Admin views of the search index queue and the rebuild history (Settings menu).

Both are records, not content: nobody adds or edits them in the admin. Queue rows may be
deleted (an item that can never be indexed); everything else happens through
``manage.py search_sync`` and ``search_reindex`` (see docs/indexing.md).
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from core.permission_policies import DeniedActionsPolicy

from .models import IndexQueueItem, IndexRebuild


def register_permission_policies():
    register_permission_policy(
        IndexQueueItem, DeniedActionsPolicy(IndexQueueItem, denied={"add", "change"})
    )
    register_permission_policy(
        IndexRebuild, DeniedActionsPolicy(IndexRebuild, denied={"add", "change", "delete"})
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
    exclude_form_fields: list[str] = []


class SearchIndexViewSetGroup(ViewSetGroup):
    items = (IndexQueueViewSet, IndexRebuildViewSet)
    menu_icon = "search"
    menu_label = _("Search index")
    add_to_settings_menu = True
