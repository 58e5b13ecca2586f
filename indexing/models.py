"""The index queue: one row per item whose search document must be rebuilt.

Rows are written by ``indexing.signals`` in the same database transaction as the change
they describe, so a change that commits always leaves a row, and a change that rolls back
never does. Workers take rows with a lease (``claim``/``claimed_until``), rebuild each
item's document from the database as it is *now*, write the batch to the backend, and
delete the rows. A row changed again while it was being processed has a new ``token`` and
stays for the next round; a batch that fails keeps its rows, with ``attempts``,
``last_error`` and a backoff in ``next_attempt_at``.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IndexQueueItem(models.Model):
    key = models.CharField(
        _("item"), max_length=100, unique=True, help_text=_("e.g. article:42, question:7")
    )
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    #: New with every enqueue: a row whose token changed while a worker processed it
    #: describes a newer change and stays for the next round.
    token = models.UUIDField(default=uuid.uuid4, editable=False)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    claim = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["next_attempt_at", "pk"]
        verbose_name = _("index queue item")
        verbose_name_plural = _("index queue")

    def __str__(self):
        return self.key

    @property
    def is_failing(self) -> bool:
        return self.attempts > 0


class IndexRebuildQuerySet(models.QuerySet):
    def running(self):
        """Rebuilds in progress (a rebuild silent for too long counts as dead)."""
        stale = timezone.now() - timedelta(seconds=settings.INDEXING_REBUILD_STALE_SECONDS)
        return self.filter(status=IndexRebuild.Status.RUNNING, heartbeat_at__gte=stale)


class IndexRebuild(models.Model):
    """One run of ``search_reindex``. While one runs, the queue is held, not drained."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    backend = models.CharField(_("backend"), max_length=32)
    index_name = models.CharField(_("index"), max_length=200)
    version = models.CharField(_("version"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    heartbeat_at = models.DateTimeField(_("last progress"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    documents = models.PositiveIntegerField(_("documents"), default=0)
    error = models.TextField(_("error"), blank=True)

    objects = IndexRebuildQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("index rebuild")
        verbose_name_plural = _("index rebuilds")

    def __str__(self):
        return f"{self.index_name} {self.version} ({self.status})"


class ReconcileCursor(models.Model):
    """Where the periodic comparison of database and index resumes, per type: each run
    rebuilds and compares the next slice of items, so everything is checked in turn."""

    type = models.CharField(_("type"), max_length=40, unique=True)
    last_pk = models.BigIntegerField(_("last item checked"), default=0)
    rounds = models.PositiveIntegerField(_("full rounds"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reconcile cursor")
        verbose_name_plural = _("reconcile cursors")

    def __str__(self):
        return f"{self.type} after {self.last_pk}"
