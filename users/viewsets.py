"""Wagtail admin for API tokens: administrators create a token for a person (shown once),
see every token's use and revoke it. Every change goes through ``users.tokens``."""

from __future__ import annotations

from django import forms
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log

from . import tokens
from .models import ApiToken


class ApiTokenAdminForm(WagtailAdminModelForm):
    """An administrator's token for a person: the same rules as the profile page's."""

    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiToken.Scope.choices,
        initial=[ApiToken.Scope.READ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "“Integrations” opens the integration endpoints (segment memberships, accounts "
            "by email) to this token; only a token created here can have it."
        ),
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "expires_at"]


class CreateTokenView(generic.CreateView):
    """Create through the service and show the token once, on this answer only."""

    def save_instance(self):
        data = self.form.cleaned_data
        token, self.raw_token = tokens.create_token(
            data["user"],
            name=data["name"],
            scopes=data["scopes"],
            expires_at=data.get("expires_at"),
            created_by=self.request.user,
        )
        log(instance=token, action="wagtail.create", user=self.request.user)
        return token

    def save_action(self):
        response = TemplateResponse(
            self.request,
            "users/admin/api_token_created.html",
            {
                "token": self.object,
                "raw": self.raw_token,
                "index_url": self.get_success_url(),
                "page_title": _("API token created"),
                "header_icon": "key",
            },
        )
        response["Cache-Control"] = "private, no-store"
        return response


class RevokeTokenView(generic.DeleteView):
    """ "Delete" revokes: the token stops working at once, its record stays."""

    def delete_action(self):
        log(instance=self.object, action="wagtail.delete", user=self.request.user)
        tokens.revoke_token(self.object)


class ApiTokenViewSet(ModelViewSet):
    model = ApiToken
    icon = "key"
    menu_label = _("API tokens")
    menu_order = 610
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    add_view_class = CreateTokenView
    delete_view_class = RevokeTokenView
    list_display = [
        Column("name", label=_("Name"), accessor="name"),
        Column("user", label=_("Person"), accessor="user"),
        Column("prefix", label=_("Starts with"), accessor="prefix"),
        Column("scopes", label=_("Scopes"), accessor="scope_labels"),
        DateColumn("last_used_at", label=_("Last used")),
        DateColumn("expires_at", label=_("Expires")),
        DateColumn("revoked_at", label=_("Revoked")),
    ]
    list_filter = ["scopes"]
    search_fields = ["name", "prefix", "user__email"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_fields = [
        "name", "user", "prefix", "scopes", "created_at", "created_by", "expires_at",
        "last_used_at", "revoked_at",
    ]  # fmt: skip
    edit_handler = ObjectList(
        [FieldPanel("user"), FieldPanel("name"), FieldPanel("scopes"), FieldPanel("expires_at")],
        base_form_class=ApiTokenAdminForm,
    )
    # A token's person and scopes never change: only its name (revoke and create anew).
    edit_panels = [FieldPanel("user", read_only=True), FieldPanel("name")]

    @cached_property
    def _edit_view_handler(self):
        return ObjectList(self.edit_panels).bind_to_model(self.model)

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(
            panel=self._edit_view_handler,
            form_class=self._edit_view_handler.get_form_class(),
            **kwargs,
        )

    def get_queryset(self, request):
        return ApiToken.objects.select_related("user")
