"""Report the outbox of side effects and send what is waiting (``core.outbox``)."""

from django.core.management.base import BaseCommand

from core import outbox


class Command(BaseCommand):
    help = (
        "Show the outbox rows by state. --dispatch sends what is due now (as the periodic "
        "dispatcher does); --retry-failed first gives the rows that were given up a fresh "
        "set of attempts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dispatch", action="store_true", help="Send what is due now.")
        parser.add_argument(
            "--retry-failed", action="store_true", help="Send the given-up rows again."
        )

    def handle(self, *args, dispatch, retry_failed, verbosity, **options):
        if retry_failed:
            count = outbox.retry_failed()
            self.stdout.write(f"{count} failed row(s) queued again.")
            dispatch = True
        if dispatch:
            result = outbox.dispatch_pending()
            self.stdout.write(
                "Sent {sent}, ran {ran}, failed {failed}, waiting {waiting}, "
                "pruned {pruned}.".format(**result.as_dict())
            )
        counts = outbox.stats()
        oldest = counts.pop("oldest_open_seconds")
        self.stdout.write(", ".join(f"{state}: {n}" for state, n in counts.items()))
        if oldest:
            self.stdout.write(f"Oldest unfinished row: {oldest} s old.")
