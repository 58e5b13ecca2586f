"""The agents' workspace: SLA policies (targets per priority, in business hours), saved
queue views and canned replies."""

from __future__ import annotations

import re
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ticket import Ticket

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class SLAPolicy(models.Model):
    """First-reply and resolution targets for one priority, counted in business hours
    (the default calendar, ``TICKETS_SLA_CALENDAR``, unless the policy has its own)."""

    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Ticket.Priority.choices, unique=True
    )
    first_reply_minutes = models.PositiveIntegerField(
        _("first reply within (business minutes)"),
        help_text=_("For example 240 for four business hours."),
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (business minutes)"),
        help_text=_("For example 2400 for five working days of eight hours."),
    )
    custom_hours = models.BooleanField(
        _("own business hours"),
        default=False,
        help_text=_("Leave unticked to count in the default business hours."),
    )
    weekdays = models.CharField(_("working days"), max_length=20, blank=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        ordering = ["-priority"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self):
        return str(_("SLA for %(priority)s priority") % {"priority": self.get_priority_display()})

    @property
    def weekday_list(self) -> list[int]:
        return [int(day) for day in self.weekdays.split(",") if day.strip().isdigit()]

    def calendar(self):
        from ..sla import Calendar, default_calendar

        if not self.custom_hours:
            return default_calendar()
        return Calendar(
            weekdays=frozenset(self.weekday_list),
            opens=self.opens_at,
            closes=self.closes_at,
            time_zone=self.time_zone or settings.TIME_ZONE,
        )

    def clean(self):
        if not self.custom_hours:
            return
        errors = {}
        if not self.weekday_list:
            errors["weekdays"] = _("Choose at least one working day.")
        if self.opens_at is None:
            errors["opens_at"] = _("Enter when business hours start.")
        if self.closes_at is None:
            errors["closes_at"] = _("Enter when business hours end.")
        elif self.opens_at is not None and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("Business hours must end after they start.")
        if self.time_zone and self.time_zone not in zoneinfo.available_timezones():
            errors["time_zone"] = _("Choose a time zone from the list.")
        if errors:
            raise ValidationError(errors)


class SavedView(models.Model):
    """A named filter of the ticket queue, kept by one agent or shared with the team.

    ``filters`` holds the queue's filter parameters (see ``tickets.workspace.clean_filters``);
    "assigned to me" is stored as ``me`` and means whoever looks."""

    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ticket_views",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(
        _("shared with the team"), default=False, help_text=_("Every agent sees a shared view.")
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self):
        return self.name


PLACEHOLDER = re.compile(r"{{\s*([a-z_]+)\s*}}")


class CannedReply(models.Model):
    """A reply agents insert with one click, written in each language; the ticket's
    language is chosen, English when that one is empty. ``{{ customer_name }}``,
    ``{{ ticket_number }}`` and ``{{ agent_name }}`` are filled in."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text (English)"),
        help_text=_("Placeholders: {{ customer_name }}, {{ ticket_number }}, {{ agent_name }}."),
    )
    title_fa = models.CharField(_("title (Persian)"), max_length=120, blank=True)
    body_fa = models.TextField(_("text (Persian)"), blank=True)
    title_ro = models.CharField(_("title (Romanian)"), max_length=120, blank=True)
    body_ro = models.TextField(_("text (Romanian)"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self):
        return self.title

    def variant(self, language: str) -> tuple[str, str, str]:
        """(language, title, body) in ``language``, or in English when it has no text."""
        if language in ("fa", "ro"):
            body = getattr(self, f"body_{language}")
            if body.strip():
                return language, getattr(self, f"title_{language}") or self.title, body
        return "en", self.title, self.body

    def render(self, ticket, agent=None) -> tuple[str, str, str]:
        """(language, title, text) for ``ticket``, placeholders filled in (plain text:
        nothing else in the body is interpreted)."""
        language, title, body = self.variant(ticket.language)
        requester = ticket.requester
        values = {
            "customer_name": requester.public_name if requester else "",
            "ticket_number": ticket.reference,
            "agent_name": agent.public_name if agent is not None else "",
        }
        text = PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body)
        return language, title, text
