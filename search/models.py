"""Search data kept in the database: editors' synonyms and the search analytics log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .backends.text import query_words


class Synonym(models.Model):
    """Words and phrases that mean the same thing to people searching ("log in", "sign in").

    Applied when a query is understood, not when content is indexed: a change takes effect
    on the next search, on every backend, without a reindex.
    """

    terms = models.CharField(
        _("equivalent terms"),
        max_length=500,
        help_text=_(
            "Comma-separated words or phrases that mean the same, e.g. "
            "“log in, sign in, login”. A search for any of them finds the others."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["terms"]
        verbose_name = _("synonym set")
        verbose_name_plural = _("synonyms")

    def __str__(self):
        return self.terms

    @property
    def term_list(self) -> list[str]:
        """The distinct terms, normalized the way queries are (lower case, single spaces)."""
        found = []
        for part in self.terms.split(","):
            term = " ".join(query_words(part))
            if term and term not in found:
                found.append(term)
        return found

    def clean(self):
        from django.core.exceptions import ValidationError

        if len(self.term_list) < 2:
            raise ValidationError({"terms": _("List at least two terms, separated by commas.")})


class SearchLog(models.Model):
    """One search someone ran (page, API, type-ahead, suggestions)."""

    class Source(models.TextChoices):
        PAGE = "page", _("Search page")
        API = "api", _("API")
        SUGGEST = "suggest", _("Type-ahead")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    #: Known before the row is written (logs are written in batches after the response):
    #: result links carry it, and clicks find their search by it.
    uid = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    query = models.CharField(_("query"), max_length=500, blank=True)
    normalized = models.CharField(_("normalized query"), max_length=500, blank=True, db_index=True)
    #: The interface language the person searched in (what a new article for it is written in).
    language = models.CharField(_("language"), max_length=8, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    result_count = models.PositiveIntegerField(_("results"), default=0)
    page = models.PositiveIntegerField(_("page"), default=1)
    #: The person's segments, as keys ("product:ledger", "role:developer", "anonymous").
    segment = models.CharField(_("segment"), max_length=300, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_key = models.CharField(_("session"), max_length=64, blank=True, db_index=True)
    latency_ms = models.FloatField(_("latency (ms)"), default=0)
    backend = models.CharField(_("backend"), max_length=32, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("search")
        verbose_name_plural = _("search log")
        indexes = [models.Index(fields=["source", "created_at"], name="search_log_source_time")]

    def __str__(self):
        return self.query


class SearchClick(models.Model):
    """A result someone opened from a search."""

    search = models.ForeignKey(SearchLog, on_delete=models.CASCADE, related_name="clicks")
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    rank = models.PositiveIntegerField(_("rank"))
    item = models.CharField(_("item"), max_length=100)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("search click")
        verbose_name_plural = _("search clicks")
        constraints = [
            models.UniqueConstraint(fields=["search", "rank", "item"], name="search_click_once")
        ]

    def __str__(self):
        return f"{self.item} (#{self.rank})"


class PopularQuery(models.Model):
    """A query many different signed-in people searched and found results for: what
    type-ahead offers. Aggregated from the search log by a periodic task, so a keystroke
    reads one small indexed table, and nobody can plant a suggestion without many
    accounts."""

    normalized = models.CharField(_("query"), max_length=500, unique=True)
    people = models.PositiveIntegerField(_("people"), default=0)
    searches = models.PositiveIntegerField(_("searches"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-people", "normalized"]
        verbose_name = _("popular query")
        verbose_name_plural = _("popular queries")

    def __str__(self):
        return self.normalized
