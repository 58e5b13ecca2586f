"""What the shared ground keeps in the database: the scheduler's lease and task runs, and
the outbox of side effects."""

from django.db import models


class SchedulerLease(models.Model):
    """Who runs the embedded periodic schedule now (core/periodic.py): one row per
    schedule, taken and renewed with one conditional UPDATE, so one process at a time."""

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name}: {self.holder}"


class PeriodicTaskRun(models.Model):
    """When each entry of the periodic schedule last ran (claimed by the embedded
    scheduler with a conditional UPDATE, so it runs once per interval)."""

    name = models.CharField(max_length=200, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return self.name


class OutboxMessage(models.Model):
    """A side effect (a Celery task by name, with JSON arguments) recorded in the same
    transaction as the change that causes it, and handed to Celery after the commit
    (``core.outbox``). The row outlives a broker outage: the periodic dispatcher sends
    what is still pending, and the task marks the row done by its key, so a message
    delivered twice runs once."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"  # written; not (yet) handed to the broker
        SENT = "sent", "sent"  # handed to the broker, not run yet
        RUNNING = "running", "running"  # a worker holds it until locked_until
        DONE = "done", "done"
        FAILED = "failed", "failed"  # gave up after OUTBOX_MAX_ATTEMPTS runs

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    key = models.CharField(max_length=255, unique=True)
    ordering_key = models.CharField(max_length=255, blank=True, default="")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    dispatches = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["state", "available_at"], name="outbox_due"),
            models.Index(fields=["ordering_key", "state"], name="outbox_ordering"),
        ]

    def __str__(self):
        return f"{self.task} [{self.key}] {self.state}"
