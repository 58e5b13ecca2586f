from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import Segment, SegmentMembership


class SegmentViewSet(ModelViewSet):
    model = Segment
    icon = "group"
    menu_label = _("Segments")
    list_display = ["name", "kind", "slug", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    ordering = ["kind", "sort_order", "name"]
    panels = [
        FieldPanel("kind"),
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]


class SegmentMembershipViewSet(ModelViewSet):
    model = SegmentMembership
    icon = "key"
    menu_label = _("Memberships")
    list_display = ["user", "segment", "source", "created_at", "expires_at"]
    list_filter = ["segment", "source"]
    search_fields = ["user__email", "user__display_name", "note"]
    ordering = ["-created_at"]
    panels = [
        FieldPanel("user"),
        FieldPanel("segment"),
        FieldPanel("source"),
        FieldPanel("expires_at"),
        FieldPanel("note"),
    ]


class SegmentsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Segments")
    menu_icon = "group"
    menu_order = 250
    items = (SegmentViewSet("segments"), SegmentMembershipViewSet("segment_memberships"))
