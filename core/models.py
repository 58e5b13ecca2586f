"""What the shared ground keeps in the database: the scheduler's lease and task runs."""

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
