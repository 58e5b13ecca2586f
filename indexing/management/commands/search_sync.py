"""Apply queued search index changes now; optionally re-queue what changed since a date."""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from indexing import services
from search.backends import get_backend
from search.registry import registry


def parse_moment(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"Not a date: {value!r} (use YYYY-MM-DD or an ISO date-time).")
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Index everything waiting in the search index queue, retrying failed items now. "
        "--since DATE first re-queues every item changed since DATE (after bulk updates "
        "that bypassed signals); --all re-queues everything and removes index entries "
        "whose item is gone; --reconcile compares the database with the index (ids of "
        "everything, and the next slice of items field by field) and queues what differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="Re-queue items changed on or after this date.")
        parser.add_argument(
            "--all", action="store_true", help="Re-queue every item and prune orphans."
        )
        parser.add_argument(
            "--type",
            action="append",
            choices=sorted(t.key for t in registry.indexed()),
            help="Limit re-queuing.",
        )
        parser.add_argument(
            "--reconcile",
            action="store_true",
            help="Queue what differs between the database and the index first.",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=None,
            help="With --reconcile: items of each type compared field by field.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, since, all, type, reconcile, batch, no_progress, verbosity, **options):
        backend = get_backend()
        if since and all:
            raise CommandError("Use --since or --all, not both.")
        if reconcile:
            found = services.reconcile(backend=backend, batch=batch)
            if verbosity:
                self.stdout.write(
                    f"Compared {found.checked} item(s): {found.missing} missing, "
                    f"{found.extra} extra and {found.stale} stale queued."
                )
        if since or all:
            moment = parse_moment(since) if since else None
            queued = services.requeue(since=moment, types=type)
            if all:
                queued += services.prune(backend=backend)
            if verbosity:
                self.stdout.write(f"Queued {queued} item(s).")
        stats = services.queue_stats()
        bar = tqdm(
            total=stats["queued"],
            unit="item",
            desc=f"Syncing {backend.index_name}",
            disable=no_progress or verbosity == 0,
            file=self.stderr._out,
        )
        try:
            result = services.drain(backend=backend, include_waiting=True, progress=bar.update)
        finally:
            bar.close()
        left = services.queue_stats()
        if result.held:
            raise CommandError("A rebuild is running: queued changes are applied after it.")
        if result.error:
            raise CommandError(
                f"Indexing failed ({result.error}); {left['queued']} item(s) stay queued."
            )
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Indexed {result.indexed} document(s), removed {result.deleted}; "
                    f"{left['queued']} item(s) left in the queue ({left['failing']} failing)."
                )
            )
