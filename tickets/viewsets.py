"""The "Support" menu of the Wagtail admin: the ticket queue, unanswered community questions
and the deflection funnel report."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, Value, When
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from segments.models import Segment

from .admin_views import FunnelReportView, TicketWorkspaceView, UnansweredQuestionsView
from .models import OPEN_STATUSES, Ticket
from .permissions import agents, can_view_tickets


class TicketFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Ticket.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    priority = django_filters.MultipleChoiceFilter(
        label=_("Priority"), choices=Ticket.Priority.choices, widget=forms.CheckboxSelectMultiple
    )
    product = django_filters.ModelChoiceFilter(
        label=_("Product"), queryset=Segment.objects.filter(kind=Segment.Kind.PRODUCT)
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"), queryset=lambda request: agents(), null_label=_("Nobody")
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "product", "language", "assignee"]


class TicketIndexView(IndexView):
    def get_base_queryset(self):
        # Work still to do first (new, open, pending), then solved, then closed.
        rank = Case(
            When(status__in=OPEN_STATUSES, then=Value(0)),
            When(status=Ticket.Status.SOLVED, then=Value(1)),
            default=Value(2),
        )
        return (
            super()
            .get_base_queryset()
            .select_related("requester", "product", "assignee")
            .annotate(queue_rank=rank)
        )


class TicketViewSet(ModelViewSet):
    """The queue. A row opens the ticket's workspace (the "edit" view); tickets are never
    added or deleted here (the permission policy refuses it)."""

    model = Ticket
    icon = "help"
    menu_label = _("Ticket queue")
    index_view_class = TicketIndexView
    list_display = [
        "__str__",
        Column("requester", label=_("Requester"), accessor="requester"),
        Column("product", label=_("Product"), accessor="product"),
        Column(
            "language", label=_("Language"), accessor="get_language_display", sort_key="language"
        ),
        Column(
            "priority", label=_("Priority"), accessor="get_priority_display", sort_key="priority"
        ),
        Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
        Column("assignee", label=_("Assignee"), accessor="assignee"),
        DateColumn("last_activity_at", label=_("Last activity"), sort_key="last_activity_at"),
    ]
    filterset_class = TicketFilterSet
    search_fields = ["subject", "description", "requester__email", "requester__display_name"]
    search_backend_name = None
    ordering = ["queue_rank", "-priority", "last_activity_at"]
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = False
    # The generic forms are never used (the workspace replaces the edit view).
    form_fields = ["subject"]

    @property
    def edit_view(self):
        return TicketWorkspaceView.as_view(index_url_name=self.get_url_name("index"))


class SupportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_tickets(request.user)


class UnansweredQuestionsViewSet(ViewSet):
    icon = "help"
    menu_label = _("Unanswered questions")
    name = "support_unanswered"
    url_prefix = "support/unanswered"

    @property
    def menu_item_class(self):
        return SupportMenuItem

    def get_urlpatterns(self):
        return [
            path(
                "",
                UnansweredQuestionsView.as_view(ticket_url_name="support_tickets:edit"),
                name="index",
            )
        ]


class FunnelReportViewSet(ViewSet):
    icon = "view"
    menu_label = _("Deflection funnel")
    name = "support_funnel"
    url_prefix = "support/funnel"

    @property
    def menu_item_class(self):
        return SupportMenuItem

    def get_urlpatterns(self):
        return [path("", FunnelReportView.as_view(), name="index")]


class SupportViewSetGroup(ViewSetGroup):
    menu_label = _("Support")
    menu_icon = "mail"
    menu_order = 270
    items = (
        TicketViewSet("support_tickets", url_prefix="support/tickets"),
        UnansweredQuestionsViewSet(),
        FunnelReportViewSet(),
    )
