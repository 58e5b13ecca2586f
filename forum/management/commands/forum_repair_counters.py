"""``manage.py forum_repair_counters``: recount answer counts, statuses and scores that
drifted (the same work as the daily periodic task)."""

from django.core.management.base import BaseCommand

from forum import services


class Command(BaseCommand):
    help = "Recount the forum's stored answer counts, statuses and scores where they drifted."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="At most this many of each.")

    def handle(self, *args, limit=None, **options):
        repaired = services.repair_counters(limit=limit)
        self.stdout.write(
            self.style.SUCCESS(
                f"Repaired {repaired.questions} question(s) and {repaired.answers} answer(s)."
            )
        )
