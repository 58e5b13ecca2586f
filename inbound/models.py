"""The log of every email that reached the support address: one row per Message-ID, so a
message fetched twice (or posted twice by a provider) is handled once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundMessage(models.Model):
    class Outcome(models.TextChoices):
        REPLY = "reply", _("Added to a ticket")
        TICKET = "ticket", _("New ticket")
        IGNORED = "ignored", _("Ignored")
        REFUSED = "refused", _("Refused")

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    sender = models.EmailField(_("sender"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    #: Why it was ignored or refused, or which attached files were left out.
    reason = models.TextField(_("reason"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ticket"),
    )
    #: When the suggested answers went to the sender of a new request (once).
    suggestions_sent_at = models.DateTimeField(_("suggestions emailed at"), null=True, blank=True)

    #: Set (not stored) by ``process_inbound`` when the message had been handled before.
    duplicate = False

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")

    def __str__(self):
        return f"{self.message_id} ({self.get_outcome_display()})"
