"""The support flow: what a person typed, what we suggested, what they opened, and how it
ended (solved by a suggestion, or a ticket). The funnel report is built from these rows."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from segments.models import Segment


class SupportFlow(models.Model):
    """One visit to "Contact support", from the first description to its outcome."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("In progress or left")
        SOLVED = "solved", _("Solved by a suggestion")
        TICKET = "ticket", _("Ticket filed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_flows",
        verbose_name=_("person"),
    )
    product = models.ForeignKey(
        Segment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": Segment.Kind.PRODUCT},
        verbose_name=_("product"),
    )
    segments = models.ManyToManyField(
        Segment,
        blank=True,
        related_name="+",
        verbose_name=_("granted segments"),
        help_text=_("The segments granted to the person when the flow started."),
    )
    subject = models.CharField(_("last subject typed"), max_length=200, blank=True)
    #: The page of a site embedding the help widget the person came from (an address on
    #: ``WIDGET_ALLOWED_ORIGINS`` only, checked by ``tickets.flow.clean_page_url``).
    page_url = models.CharField(_("page they came from"), max_length=500, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.OPEN
    )
    solved_by = models.CharField(_("solved by (item)"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(_("last activity"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("support flow")
        verbose_name_plural = _("support flows")

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    @property
    def is_finished(self) -> bool:
        return self.outcome != self.Outcome.OPEN


class FlowQuery(models.Model):
    """A description the person typed (or the site search that brought them here)."""

    class Source(models.TextChoices):
        TYPED = "typed", _("Typed in Contact support")
        SITE_SEARCH = "search", _("Site search")
        EMAIL = "email", _("Sent by email")

    flow = models.ForeignKey(SupportFlow, on_delete=models.CASCADE, related_name="queries")
    text = models.CharField(_("text"), max_length=500)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.TYPED
    )
    result_count = models.PositiveSmallIntegerField(_("suggestions"), default=0)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("support flow query")
        verbose_name_plural = _("support flow queries")

    def __str__(self):
        return self.text


class FlowSuggestion(models.Model):
    """An article or question suggested in a flow: when first shown, whether it was opened,
    whether it solved the problem."""

    flow = models.ForeignKey(SupportFlow, on_delete=models.CASCADE, related_name="suggestions")
    key = models.CharField(_("item"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16)
    title = models.CharField(_("title"), max_length=255)
    url = models.CharField(_("address"), max_length=500)
    best_rank = models.PositiveSmallIntegerField(_("best position"), default=1)
    times_shown = models.PositiveIntegerField(_("times shown"), default=1)
    first_shown_at = models.DateTimeField(_("first shown at"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    solved = models.BooleanField(_("solved the problem"), default=False)

    class Meta:
        ordering = ["first_shown_at", "best_rank", "pk"]
        constraints = [models.UniqueConstraint(fields=["flow", "key"], name="flow_suggestion_once")]
        verbose_name = _("suggestion shown")
        verbose_name_plural = _("suggestions shown")

    def __str__(self):
        return self.title


class FunnelEvent(models.Model):
    """One step of the deflection funnel, recorded at most once per flow."""

    class Name(models.TextChoices):
        STARTED = "started", _("Flow started")
        SHOWN = "shown", _("Suggestions shown")
        OPENED = "opened", _("Suggestion opened")
        SOLVED = "solved", _("Solved by a suggestion")
        FILED = "filed", _("Ticket filed")

    flow = models.ForeignKey(SupportFlow, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(_("event"), max_length=16, choices=Name.choices)
    product = models.ForeignKey(
        Segment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("product"),
    )
    item_key = models.CharField(_("item"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "name"], name="funnel_event_once_per_flow")
        ]
        indexes = [models.Index(fields=["name", "created_at"], name="funnel_event_name_at")]
        verbose_name = _("funnel event")
        verbose_name_plural = _("funnel events")

    def __str__(self):
        return f"{self.get_name_display()} ({self.flow_id})"


FUNNEL = [
    FunnelEvent.Name.STARTED,
    FunnelEvent.Name.SHOWN,
    FunnelEvent.Name.OPENED,
    FunnelEvent.Name.SOLVED,
    FunnelEvent.Name.FILED,
]


class DirectAnswerFeedback(models.Model):
    """ "Did this answer your question?" on a direct answer (``search.answers``): one row
    per direct answer shown and answered (answering again changes it), with the support
    flow it was shown in, if any. The deflection report counts the "yes" answers."""

    class Surface(models.TextChoices):
        SEARCH = "search", _("Search page")
        SUPPORT = "support", _("Contact support")
        WIDGET = "widget", _("Help widget")

    nonce = models.CharField(_("showing"), max_length=32, unique=True)
    surface = models.CharField(_("where"), max_length=16, choices=Surface.choices)
    flow = models.ForeignKey(
        SupportFlow,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="direct_answers",
        verbose_name=_("support flow"),
    )
    item_key = models.CharField(_("item"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    url = models.CharField(_("address"), max_length=500)
    helpful = models.BooleanField(_("answered the question"))
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("direct answer feedback")
        verbose_name_plural = _("direct answer feedback")

    def __str__(self):
        return f"{self.item_key} {'yes' if self.helpful else 'no'}"
