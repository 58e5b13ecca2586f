"""The "Webhooks" menu of the Wagtail admin (administrators only): endpoints and the
delivery log, with the test event, secret rotation and replay."""

from __future__ import annotations

import json

import django_filters
from django import forms
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic import CreateView, IndexView, InspectView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from . import events
from .admin_views import ReplayDeliveryView, RotateSecretView, SendTestEventView
from .forms import EndpointForm
from .models import Delivery, Endpoint


class EndpointIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons += [
            MenuItem(
                _("Send test event"),
                url=reverse("webhook_endpoints:send_test", args=[instance.pk]),
                icon_name="link-external",
                priority=40,
            ),
            MenuItem(
                _("Rotate secret"),
                url=reverse("webhook_endpoints:rotate_secret", args=[instance.pk]),
                icon_name="key",
                priority=50,
            ),
            MenuItem(
                _("Deliveries"),
                url=reverse("webhook_deliveries:index") + f"?endpoint={instance.pk}",
                icon_name="list-ul",
                priority=60,
            ),
        ]
        return buttons


class EndpointCreateView(CreateView):
    def get_success_url(self):
        # Show the new endpoint, with the secret the receiving system needs.
        return reverse("webhook_endpoints:inspect", args=[self.object.pk])


class EndpointInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        pk = self.object.pk
        return [
            *super().header_more_buttons,
            Button(
                _("Send test event"),
                url=reverse("webhook_endpoints:send_test", args=[pk]),
                icon_name="link-external",
                priority=30,
            ),
            Button(
                _("Rotate secret"),
                url=reverse("webhook_endpoints:rotate_secret", args=[pk]),
                icon_name="key",
                priority=40,
            ),
            Button(
                _("Deliveries"),
                url=reverse("webhook_deliveries:index") + f"?endpoint={pk}",
                icon_name="list-ul",
                priority=50,
            ),
        ]

    def get_field_display_value(self, field_name, field):
        if field_name == "events":
            return self.object.event_labels() or _("None")
        return super().get_field_display_value(field_name, field)


class EndpointViewSet(ModelViewSet):
    model = Endpoint
    icon = "link-external"
    menu_label = _("Endpoints")
    name = "webhook_endpoints"
    url_prefix = "webhooks/endpoints"
    index_view_class = EndpointIndexView
    add_view_class = EndpointCreateView
    inspect_view_class = EndpointInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "__str__",
        Column("url", label=_("URL"), accessor="url"),
        Column("events", label=_("Events"), accessor="event_labels"),
        BooleanColumn("is_active", label=_("Active")),
        DateColumn("created_at", label=_("Created")),
    ]
    inspect_view_fields = [
        "url",
        "description",
        "secret",
        "events",
        "is_active",
        "created_by",
        "created_at",
        "secret_rotated_at",
    ]
    search_fields = ["url", "description"]
    search_backend_name = None
    ordering = ["url"]

    def get_form_class(self, for_update=False):
        return EndpointForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/test/", SendTestEventView.as_view(), name="send_test"),
            path("<int:pk>/rotate-secret/", RotateSecretView.as_view(), name="rotate_secret"),
        ]


class DeliveryFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Delivery.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    event = django_filters.ChoiceFilter(
        label=_("Event"), choices=[*events.CHOICES, (events.PING, events.LABELS[events.PING])]
    )
    endpoint = django_filters.ModelChoiceFilter(
        label=_("Endpoint"), queryset=Endpoint.objects.all()
    )

    class Meta:
        model = Delivery
        fields = ["status", "event", "endpoint"]


class DeliveryIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("endpoint")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            MenuItem(
                _("Replay"),
                url=reverse("webhook_deliveries:replay", args=[instance.pk]),
                icon_name="rotate",
                priority=40,
            )
        )
        return buttons


class DeliveryInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            Button(
                _("Replay"),
                url=reverse("webhook_deliveries:replay", args=[self.object.pk]),
                icon_name="rotate",
                priority=30,
            ),
        ]

    def get_field_display_value(self, field_name, field):
        if field_name == "payload":
            text = json.dumps(self.object.payload, indent=2, ensure_ascii=False)
            return format_html("<pre>{}</pre>", text)
        if field_name == "response_body":
            return format_html("<pre>{}</pre>", self.object.response_body)
        if field_name == "event":
            return f"{self.object.event_label} ({self.object.event})"
        return super().get_field_display_value(field_name, field)


class DeliveryViewSet(ModelViewSet):
    model = Delivery
    icon = "list-ul"
    menu_label = _("Delivery log")
    name = "webhook_deliveries"
    url_prefix = "webhooks/deliveries"
    index_view_class = DeliveryIndexView
    inspect_view_class = DeliveryInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = DeliveryFilterSet
    list_display = [
        "event_display",
        Column("endpoint", label=_("Endpoint"), accessor="endpoint"),
        Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
        Column("attempts", label=_("Attempts"), accessor="attempts"),
        Column("response_code", label=_("Response code"), accessor="response_code"),
        Column("duration_ms", label=_("Duration (ms)"), accessor="duration_ms"),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
        DateColumn("next_attempt_at", label=_("Next attempt")),
    ]
    inspect_view_fields = [
        "uuid",
        "event",
        "endpoint",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "response_code",
        "duration_ms",
        "response_body",
        "error",
        "replay_of",
        "payload",
    ]
    ordering = ["-created_at"]
    list_per_page = 50
    # The generic forms are never used (the policy refuses adding and editing).
    form_fields = ["event"]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/replay/", ReplayDeliveryView.as_view(), name="replay"),
        ]


class WebhooksViewSetGroup(ViewSetGroup):
    menu_label = _("Webhooks")
    menu_icon = "link-external"
    menu_order = 900
    items = (EndpointViewSet, DeliveryViewSet)
