"""Customer satisfaction (CSAT): the requester's "good" or "bad" for a solved request,
with an optional comment.

A model of its own rather than fields on ``Ticket``: a rating has its own life (who gave
it, through which door, when it was given and last changed, the agent it is about), most
tickets never get one, and the report reads ratings by the day they were given without
touching the queue's table. One rating per ticket (a one-to-one); the requester may change
it for ``TICKETS_CSAT_CHANGE_DAYS`` after giving it, then it is locked.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

COMMENT_MAX = 2000


class SatisfactionRating(models.Model):
    class Score(models.TextChoices):
        GOOD = "good", _("Good")
        BAD = "bad", _("Bad")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Support request page")
        EMAIL = "email", _("Email link")
        API = "api", _("API")

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="rating",
        verbose_name=_("ticket"),
    )
    score = models.CharField(_("rating"), max_length=8, choices=Score.choices, db_index=True)
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("rated by"),
    )
    #: The agent who solved the request (the last one to set it solved; its assignee when
    #: nobody did) — the person the rating is about, in the report.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="satisfaction_ratings",
        verbose_name=_("solved by"),
    )
    source = models.CharField(_("given through"), max_length=8, choices=Source.choices)
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now, db_index=True)
    changed_at = models.DateTimeField(_("last changed at"), default=timezone.now)

    class Meta:
        ordering = ["-rated_at", "-pk"]
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")

    def __str__(self):
        return f"{self.ticket_id}: {self.score}"

    @property
    def is_good(self) -> bool:
        return self.score == self.Score.GOOD

    def locks_at(self):
        return self.rated_at + timedelta(days=settings.TICKETS_CSAT_CHANGE_DAYS)

    def is_locked(self, now=None) -> bool:
        return (now or timezone.now()) >= self.locks_at()
