from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import log

from . import services
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


# --- Memberships: every change goes through segments.services ---------------------------


class GrantMembershipView(generic.CreateView):
    """A grant made in the admin: by staff, recorded as made by the person signed in."""

    def save_instance(self):
        data = self.form.cleaned_data
        membership = services.grant(
            data["user"],
            data["segment"],
            source=SegmentMembership.Source.STAFF,
            granted_by=self.request.user,
            expires_at=data.get("expires_at"),
            note=data.get("note") or "",
        )
        log(instance=membership, action="wagtail.create", user=self.request.user)
        return membership


class EditMembershipView(generic.EditView):
    """Change a grant's expiry or note. Saving from the admin makes it a staff grant, so
    the CRM import no longer revokes it."""

    def save_instance(self):
        data = self.form.cleaned_data
        membership = services.grant(
            self.object.user,
            self.object.segment,
            source=SegmentMembership.Source.STAFF,
            granted_by=self.request.user,
            expires_at=data.get("expires_at"),
            note=data.get("note") or "",
        )
        log(
            instance=membership,
            action="wagtail.edit",
            user=self.request.user,
            content_changed=self.form.has_changed(),
        )
        return membership


class RevokeMembershipView(generic.DeleteView):
    def delete_action(self):
        log(instance=self.object, action="wagtail.delete", user=self.request.user, deleted=True)
        services.revoke(self.object.user, self.object.segment)


class SegmentMembershipViewSet(ModelViewSet):
    model = SegmentMembership
    icon = "key"
    menu_label = _("Memberships")
    list_display = ["user", "segment", "source", "granted_by", "created_at", "expires_at"]
    list_filter = ["segment", "source"]
    search_fields = ["user__email", "user__display_name", "note"]
    ordering = ["-created_at"]
    add_view_class = GrantMembershipView
    edit_view_class = EditMembershipView
    delete_view_class = RevokeMembershipView
    # A copy would be saved by Wagtail's own view, outside the service (and a membership
    # is unique per member and segment anyway).
    copy_view_enabled = False
    # The source is never chosen in the admin: grants made here are always "staff".
    panels = [
        FieldPanel("user"),
        FieldPanel("segment"),
        FieldPanel("expires_at"),
        FieldPanel("note"),
    ]
    edit_panels = [
        FieldPanel("user", read_only=True),
        FieldPanel("segment", read_only=True),
        FieldPanel("source", read_only=True),
        FieldPanel("granted_by", read_only=True),
        FieldPanel("expires_at"),
        FieldPanel("note"),
    ]

    @cached_property
    def _edit_view_handler(self):
        return ObjectList(self.edit_panels).bind_to_model(self.model)

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(
            panel=self._edit_view_handler,
            form_class=self._edit_view_handler.get_form_class(),
            **kwargs,
        )


class SegmentsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Segments")
    menu_icon = "group"
    menu_order = 250
    items = (SegmentViewSet("segments"), SegmentMembershipViewSet("segment_memberships"))
