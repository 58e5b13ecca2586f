"""The "Support" menu of the Wagtail admin: the ticket queue (saved views with counts, SLA
timers, bulk assign and close, cards on small screens), unanswered community questions,
the deflection funnel and customer satisfaction reports, SLA policies and canned replies."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, Min, OuterRef, Subquery, Value, When
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from segments.models import Segment

from . import sla
from .admin_views import (
    BulkActionView,
    FunnelReportView,
    SatisfactionReportView,
    SavedViewDeleteView,
    SavedViewSaveView,
    TicketWorkspaceView,
    UnansweredQuestionsView,
)
from .forms import SLAPolicyForm
from .models import OPEN_STATUSES, CannedReply, SLAPolicy, Ticket, TicketMessage, TicketTag
from .permissions import agents, can_view_tickets, is_agent
from .workspace import (
    breached_q,
    clean_filters,
    due_soon_q,
    rating_q,
    view_counts,
    visible_views,
)


def assignee_choices():
    return [
        ("me", _("Me")),
        ("null", _("Nobody")),
        *((str(user.pk), user.public_name) for user in agents()),
    ]


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
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"), choices=assignee_choices, method="filter_assignee"
    )
    tag = django_filters.ModelMultipleChoiceFilter(
        label=_("Tags"),
        field_name="tags__name",
        to_field_name="name",
        queryset=TicketTag.objects.order_by("name"),
        method="filter_tags",
    )
    sla = django_filters.ChoiceFilter(
        label=_("SLA"),
        choices=[("breached", _("Breached")), ("due_soon", _("Due soon"))],
        method="filter_sla",
    )
    rating = django_filters.ChoiceFilter(
        label=_("Satisfaction"),
        choices=[("bad", _("Rated bad")), ("good", _("Rated good")), ("none", _("Not rated"))],
        method="filter_rating",
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "product", "language", "assignee"]

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee_id=self.request.user.pk)
        if value == "null":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value))

    def filter_tags(self, queryset, name, value):
        if not value:
            return queryset
        names = [tag.name for tag in value]
        return queryset.filter(pk__in=Ticket.objects.filter(tags__name__in=names).values("pk"))

    def filter_rating(self, queryset, name, value):
        return queryset.filter(rating_q(value))

    def filter_sla(self, queryset, name, value):
        now = timezone.now()
        if value == "breached":
            return queryset.filter(breached_q(now))
        return queryset.filter(due_soon_q(now, sla.soon()))


def first_reply_at():
    replies = TicketMessage.objects.filter(
        ticket=OuterRef("pk"), from_agent=True, is_internal=False
    )
    return Subquery(
        replies.order_by().values("ticket").annotate(first=Min("created_at")).values("first")[:1]
    )


class TicketIndexView(IndexView):
    template_name = "tickets/admin/queue.html"

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
            .select_related("requester", "product", "assignee", "rating")
            .annotate(queue_rank=rank, first_reply_at=first_reply_at())
        )

    @cached_property
    def columns(self):
        # The first of ``list_display`` links to the ticket; agents get a checkbox before it.
        columns = super().columns
        return [SelectColumn(), *columns] if is_agent(self.request.user) else columns

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        views = list(visible_views(user))
        counts = view_counts(views, user)
        current = clean_filters(self.request.GET)
        for view in views:
            view.count = counts.get(view.pk, 0)
            view.query = urlencode(view.filters, doseq=True)
            view.is_current = view.filters == current and bool(current)
        context.update(
            saved_views=views,
            current_filters=current,
            current_filter_items=[
                (key, value)
                for key, values in current.items()
                for value in (values if isinstance(values, list) else [values])
            ],
            can_act=is_agent(user),
            bulk_assignees=list(agents()),
            bulk_url=reverse("support_tickets:bulk"),
            save_view_url=reverse("support_tickets:save_view"),
        )
        return context


def assignee_name(ticket) -> str:
    return ticket.assignee.public_name if ticket.assignee else _("Unassigned")


class LabelledColumn(Column):
    """A cell that says what it holds on the small-screen cards (``data-label``)."""

    cell_template_name = "tickets/admin/includes/labelled_cell.html"


class SelectColumn(Column):
    """A checkbox for the bulk actions (its form is outside the table)."""

    cell_template_name = "tickets/admin/includes/select_cell.html"
    header_template_name = "tickets/admin/includes/select_header.html"

    def __init__(self):
        super().__init__("select", label=_("Select"), accessor="pk")


class RatingColumn(Column):
    """The customer's satisfaction rating, as a badge (nothing until they rate)."""

    cell_template_name = "tickets/admin/includes/rating_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["rating"] = getattr(instance, "rating", None)
        return context


class SLAColumn(Column):
    cell_template_name = "tickets/admin/includes/sla_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        policies = getattr(request, "_sla_policies", None)
        if policies is None:
            policies = sla.policies()
            if request is not None:
                request._sla_policies = policies
        context["timers"] = sla.timers_for(
            instance,
            policy=policies.get(instance.priority),
            first_reply_at=getattr(instance, "first_reply_at", None),
        )
        return context


class TicketViewSet(ModelViewSet):
    """The queue. A row opens the ticket's workspace (the "edit" view); tickets are never
    added or deleted here (the permission policy refuses it)."""

    model = Ticket
    icon = "help"
    menu_label = _("Ticket queue")
    index_view_class = TicketIndexView
    list_display = [
        "__str__",
        SLAColumn("sla", label=_("SLA")),
        LabelledColumn("requester", label=_("Requester"), accessor="requester"),
        LabelledColumn("product", label=_("Product"), accessor="product"),
        LabelledColumn(
            "language", label=_("Language"), accessor="get_language_display", sort_key="language"
        ),
        LabelledColumn(
            "priority", label=_("Priority"), accessor="get_priority_display", sort_key="priority"
        ),
        LabelledColumn(
            "status", label=_("Status"), accessor="get_status_display", sort_key="status"
        ),
        LabelledColumn("assignee", label=_("Assignee"), accessor=assignee_name),
        RatingColumn("rating", label=_("Satisfaction"), accessor="pk"),
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

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("bulk/", BulkActionView.as_view(), name="bulk"),
            path("views/", SavedViewSaveView.as_view(), name="save_view"),
            path("views/<int:pk>/delete/", SavedViewDeleteView.as_view(), name="delete_view"),
        ]


class SLAPolicyViewSet(ModelViewSet):
    """Targets per priority, in business hours. Changing one updates the due dates of the
    open tickets of that priority."""

    model = SLAPolicy
    icon = "time"
    menu_label = _("SLA policies")

    def get_form_class(self, for_update=False):
        return SLAPolicyForm

    list_display = [
        "__str__",
        Column("first_reply_minutes", label=_("First reply (business minutes)")),
        Column("resolution_minutes", label=_("Resolution (business minutes)")),
        Column("custom_hours", label=_("Own business hours")),
    ]
    copy_view_enabled = False
    inspect_view_enabled = False

    @property
    def create_view(self):
        return self.construct_view(SLAPolicyCreateView, **self.get_add_view_kwargs())

    @property
    def edit_view(self):
        return self.construct_view(SLAPolicyEditView, **self.get_edit_view_kwargs())

    @property
    def delete_view(self):
        return self.construct_view(SLAPolicyDeleteView, **self.get_delete_view_kwargs())


class RescheduleMixin:
    def save_instance(self):
        from . import services

        old = getattr(self, "_old_priority", None)
        instance = super().save_instance()
        services.reschedule(instance.priority)
        if old is not None and old != instance.priority:
            services.reschedule(old)
        return instance


class SLAPolicyCreateView(RescheduleMixin, CreateView):
    pass


class SLAPolicyEditView(RescheduleMixin, EditView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        self._old_priority = obj.priority
        return obj


class SLAPolicyDeleteView(DeleteView):
    def delete_action(self):
        from . import services

        priority = self.object.priority
        super().delete_action()
        services.reschedule(priority)


class CannedReplyViewSet(ModelViewSet):
    """Replies agents insert into the reply box, in English, Persian and Romanian."""

    model = CannedReply
    icon = "openquote"
    menu_label = _("Canned replies")
    form_fields = ["title", "body", "title_fa", "body_fa", "title_ro", "body_ro"]
    list_display = ["title", Column("created_at", label=_("Created"))]
    search_fields = ["title", "body", "title_fa", "title_ro"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = False


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


class SatisfactionReportViewSet(ViewSet):
    icon = "tick"
    menu_label = _("Customer satisfaction")
    name = "support_satisfaction"
    url_prefix = "support/satisfaction"

    @property
    def menu_item_class(self):
        return SupportMenuItem

    def get_urlpatterns(self):
        return [path("", SatisfactionReportView.as_view(), name="index")]


class SupportViewSetGroup(ViewSetGroup):
    menu_label = _("Support")
    menu_icon = "mail"
    menu_order = 270
    items = (
        TicketViewSet("support_tickets", url_prefix="support/tickets"),
        UnansweredQuestionsViewSet(),
        FunnelReportViewSet(),
        SatisfactionReportViewSet(),
        SLAPolicyViewSet("support_sla", url_prefix="support/sla"),
        CannedReplyViewSet("support_canned_replies", url_prefix="support/canned-replies"),
    )
