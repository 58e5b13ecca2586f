"""The agents' side in the Wagtail admin: a ticket's workspace (conversation, internal notes,
audit log, what the customer tried first, and every action), the unanswered community
questions that can become tickets, and the deflection funnel report.

Every action calls ``tickets.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.dates import local_number
from segments.models import Segment, SegmentMembership

from . import reports, services, sla
from .errors import TicketError
from .forms import (
    AgentReplyForm,
    ArticleDraftForm,
    EscalateForm,
    InternalNoteForm,
    TicketPropertiesForm,
)
from .models import SatisfactionRating, SavedView, Ticket, TicketAttachment, TicketMessage
from .permissions import can_view_tickets, is_agent
from .workspace import canned_replies_for, clean_filters, customer_activity

# One page, four forms: each gets its own element ids (its field names stay plain).
REPLY_IDS, NOTE_IDS, TICKET_IDS, ARTICLE_IDS = "reply-%s", "note-%s", "ticket-%s", "article-%s"


class AgentRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_view_tickets(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class TicketWorkspaceView(AgentRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """One ticket: read everything, reply, add a note, change status, priority, assignee
    and tags, draft a KB article once it is solved."""

    template_name = "tickets/admin/workspace.html"
    header_icon = "help"
    index_url_name = None
    actions = ("reply", "note", "update", "draft_article")

    def get_ticket(self) -> Ticket:
        return get_object_or_404(
            Ticket.objects.select_related(
                "requester", "product", "assignee", "question", "flow", "kb_article"
            ),
            pk=self.kwargs["pk"],
        )

    def get_page_title(self):
        return f"{self.ticket.reference} {self.ticket.subject}"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse(self.index_url_name), "label": _("Ticket queue")},
            {"url": "", "label": f"{self.ticket.reference} {self.ticket.subject}"},
        ]

    def dispatch(self, request, *args, **kwargs):
        if can_view_tickets(request.user):
            self.ticket = self.get_ticket()
        return super().dispatch(request, *args, **kwargs)

    # --- reading ---------------------------------------------------------------------

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ticket = self.ticket
        files = TicketAttachment.objects.order_by("created_at", "pk")
        thread = list(
            TicketMessage.objects.filter(ticket=ticket)
            .select_related("author")
            .prefetch_related(Prefetch("attachments", queryset=files))
        )
        flow = ticket.flow
        requester = ticket.requester
        can_act = is_agent(self.request.user)
        forms = {
            "reply_form": AgentReplyForm(auto_id=REPLY_IDS),
            "note_form": InternalNoteForm(auto_id=NOTE_IDS),
            "properties_form": TicketPropertiesForm.for_ticket(ticket, auto_id=TICKET_IDS),
            "article_form": ArticleDraftForm(
                initial={"title": ticket.subject}, auto_id=ARTICLE_IDS
            ),
        }
        forms.update(kwargs.pop("bound", {}))
        context.update(
            forms,
            ticket=ticket,
            thread=thread,
            files=list(ticket.attachments.filter(message=None).order_by("created_at", "pk")),
            changes=list(ticket.changes.select_related("actor")),
            queries=list(flow.queries.all()) if flow else [],
            suggestions=list(flow.suggestions.all()) if flow else [],
            flow=flow,
            rating=SatisfactionRating.objects.filter(ticket=ticket).select_related("agent").first(),
            granted=list(
                Segment.objects.filter(
                    memberships__in=SegmentMembership.objects.active().filter(user=requester)
                )
            )
            if requester
            else [],
            other_tickets=list(
                Ticket.objects.filter(requester=requester)
                .exclude(pk=ticket.pk)
                .select_related("product")
                .order_by("-created_at")[:5]
            )
            if requester
            else [],
            can_act=can_act,
            can_draft=can_act and ticket.status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED),
            tags=sorted(tag.name for tag in ticket.tags.all()),
            customer_url=ticket.get_absolute_url(),
            timers=sla.timers_for(ticket),
            canned_replies=canned_replies_for(ticket, self.request.user) if can_act else [],
            activity=customer_activity(requester, self.request.user),
            bulk_url=reverse("support_tickets:bulk"),
            queue_url=reverse(self.index_url_name),
        )
        return context

    # --- acting ----------------------------------------------------------------------

    def post(self, request, *args, **kwargs):
        if not is_agent(request.user):
            raise PermissionDenied
        action = request.POST.get("action")
        if action not in self.actions:
            messages.error(request, _("That action was not understood."))
            return redirect(request.path)
        return getattr(self, f"do_{action}")(request)

    def _invalid(self, name, form):
        context = self.get_context_data(bound={name: form})
        return self.render_to_response(context, status=400)

    def do_reply(self, request):
        form = AgentReplyForm(request.POST, request.FILES, auto_id=REPLY_IDS)
        if form.is_valid():
            try:
                message = services.reply_as_agent(
                    self.ticket,
                    request.user,
                    form.cleaned_data["body"],
                    files=form.cleaned_data["attachments"],
                    status=form.cleaned_data["status"],
                )
            except TicketError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your reply is sent to the customer."))
                return redirect(f"{request.path}#message-{message.pk}")
        return self._invalid("reply_form", form)

    def do_note(self, request):
        form = InternalNoteForm(request.POST, request.FILES, auto_id=NOTE_IDS)
        if form.is_valid():
            try:
                message = services.add_internal_note(
                    self.ticket,
                    request.user,
                    form.cleaned_data["body"],
                    files=form.cleaned_data["attachments"],
                )
            except TicketError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your internal note is saved."))
                return redirect(f"{request.path}#message-{message.pk}")
        return self._invalid("note_form", form)

    def do_update(self, request):
        form = TicketPropertiesForm(request.POST, auto_id=TICKET_IDS)
        if form.is_valid():
            data = form.cleaned_data
            ticket, agent = self.ticket, request.user
            try:
                changed = [
                    services.assign(ticket, agent, data["assignee"]),
                    services.change_priority(ticket, agent, data["priority"]),
                    services.change_status(ticket, agent, data["status"]),
                ]
                before = sorted(tag.name for tag in ticket.tags.all())
                if sorted(data["tags"]) != before:
                    services.set_tags(ticket, agent, data["tags"])
                    changed.append(True)
            except TicketError as error:
                form.add_error(None, error.message)
            else:
                if any(changed):
                    messages.success(request, _("The ticket is updated."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect(request.path)
        return self._invalid("properties_form", form)

    def do_draft_article(self, request):
        form = ArticleDraftForm(request.POST, auto_id=ARTICLE_IDS)
        if form.is_valid():
            try:
                article = services.draft_article(
                    self.ticket,
                    request.user,
                    category=form.cleaned_data["category"],
                    title=form.cleaned_data["title"],
                )
            except TicketError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("A draft article is saved from %(ref)s. Edit it for everyone, then publish.")
                    % {"ref": self.ticket.reference},
                )
                return redirect("wagtailadmin_pages:edit", article.pk)
        return self._invalid("article_form", form)


class UnansweredQuestionsView(AgentRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """Community questions nobody answered: open a ticket for the author in one click."""

    template_name = "tickets/admin/unanswered.html"
    page_title = gettext_lazy("Unanswered community questions")
    header_icon = "help"
    ticket_url_name = None

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        from . import conf

        context = super().get_context_data(**kwargs)
        context["questions"] = list(services.unanswered_questions()[:100])
        context["hours"] = conf.get("TICKETS_UNANSWERED_AFTER_HOURS")
        context["can_act"] = is_agent(self.request.user)
        return context

    def post(self, request):
        from forum.models import Question

        if not is_agent(request.user):
            raise PermissionDenied
        form = EscalateForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("That action was not understood."))
            return redirect(request.path)
        question = (
            Question.objects.select_related("author", "product")
            .filter(pk=form.cleaned_data["question"])
            .first()
        )
        if question is None:
            raise Http404
        try:
            ticket = services.ticket_from_question(
                question, request.user, message=form.cleaned_data.get("message") or ""
            )
        except TicketError as error:
            messages.error(request, error.message)
            return redirect(request.path)
        messages.success(
            request,
            _("Ticket %(ref)s is open for %(name)s.")
            % {"ref": ticket.reference, "name": question.author.public_name},
        )
        return redirect(self.ticket_url_name, ticket.pk)


class FunnelReportView(AgentRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """The deflection funnel and rate over time, per product and segment."""

    template_name = "tickets/admin/funnel.html"
    page_title = gettext_lazy("Deflection funnel")
    header_icon = "view"

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def _choice(self, name, queryset):
        value = self.request.GET.get(name) or ""
        return queryset.filter(pk=value).first() if value.isdigit() else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            days = int(self.request.GET.get("days") or reports.DEFAULT_PERIOD)
        except ValueError:
            days = reports.DEFAULT_PERIOD
        products = Segment.objects.filter(kind=Segment.Kind.PRODUCT)
        segments = Segment.objects.exclude(kind=Segment.Kind.PRODUCT)
        product = self._choice("product", products)
        segment = self._choice("segment", segments)
        report = reports.build_report(days=days, product=product, segment=segment)
        context.update(
            report=report,
            chart=reports.chart(report.weeks),
            periods=reports.PERIODS,
            products=list(products),
            segments=list(segments),
        )
        return context


class SatisfactionReportView(AgentRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """How customers rated solved requests over a date range."""

    template_name = "tickets/admin/satisfaction.html"
    page_title = gettext_lazy("Customer satisfaction")
    header_icon = "tick"

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        from . import satisfaction_report

        context = super().get_context_data(**kwargs)
        start, end = satisfaction_report.date_range(
            self.request.GET.get("from"), self.request.GET.get("to")
        )
        context["report"] = satisfaction_report.build_report(start, end)
        return context


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class BulkActionView(View):
    """Assign or close the tickets ticked in the queue (or one ticket, from a shortcut):
    one transaction, one history entry per ticket changed."""

    def post(self, request):
        if not is_agent(request.user):
            raise PermissionDenied
        back = _next_url(request, reverse("support_tickets:index"))
        ids = [value for value in request.POST.getlist("ticket") if value.isdigit()]
        action = request.POST.get("action")
        try:
            if action == "close":
                changed = services.bulk_close(ids, request.user)
                message = ngettext(
                    "%(count)s ticket closed.", "%(count)s tickets closed.", changed
                ) % {"count": local_number(changed)}
            elif action in ("assign", "assign_me"):
                assignee = request.user
                if action == "assign":
                    value = request.POST.get("assignee") or ""
                    if value == "null":
                        assignee = None
                    else:
                        from .permissions import agents

                        assignee = agents().filter(pk=value).first() if value.isdigit() else None
                        if assignee is None:
                            raise TicketError(_("Choose who the tickets go to."))
                changed = services.bulk_assign(ids, request.user, assignee)
                message = ngettext(
                    "%(count)s ticket assigned.", "%(count)s tickets assigned.", changed
                ) % {"count": local_number(changed)}
            else:
                raise TicketError(_("That action was not understood."))
        except TicketError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
        return redirect(back)


class SavedViewSaveView(View):
    """Save the queue's current filters under a name (private, or shared with the team)."""

    def post(self, request):
        if not is_agent(request.user):
            raise PermissionDenied
        filters = clean_filters(request.POST)
        try:
            view = services.save_view(
                request.user,
                request.POST.get("name", ""),
                filters,
                shared=request.POST.get("shared") == "on",
            )
        except TicketError as error:
            messages.error(request, error.message)
            return redirect(reverse("support_tickets:index"))
        messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
        from django.utils.http import urlencode

        return redirect(f"{reverse('support_tickets:index')}?{urlencode(view.filters, doseq=True)}")


class SavedViewDeleteView(View):
    def post(self, request, pk):
        if not is_agent(request.user):
            raise PermissionDenied
        view = get_object_or_404(SavedView, pk=pk)
        try:
            services.delete_view(view, request.user)
        except TicketError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
        return redirect(reverse("support_tickets:index"))
