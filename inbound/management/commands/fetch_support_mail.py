"""Read the support mailbox once (or, with ``--loop``, every ``--interval`` seconds)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inbound import imap


class Command(BaseCommand):
    help = "Read unread mail from the support mailbox (SUPPORT_IMAP_*) into tickets."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep reading, until stopped.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between two reads with --loop (default SUPPORT_IMAP_INTERVAL).",
        )
        parser.add_argument("--limit", type=int, default=None, help="At most this many.")

    def handle(self, *args, loop=False, interval=None, limit=None, **options):
        if not settings.SUPPORT_IMAP_HOST:
            raise CommandError("SUPPORT_IMAP_HOST is not set.")
        interval = settings.SUPPORT_IMAP_INTERVAL if interval is None else interval
        while True:
            try:
                result = imap.fetch_configured(limit=limit)
            except (OSError, imap.imaplib.IMAP4.error) as error:
                if not loop:
                    raise CommandError(f"Could not read the mailbox: {error}") from error
                self.stderr.write(f"Could not read the mailbox: {error}")
            else:
                summary = ", ".join(f"{n} {name}" for name, n in sorted(result.outcomes.items()))
                self.stdout.write(
                    f"{result.handled} message(s) handled"
                    + (f": {summary}" if summary else "")
                    + (f"; {result.failed} failed (left unread)" if result.failed else "")
                )
            if not loop:
                return
            time.sleep(interval)
