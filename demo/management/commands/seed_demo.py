"""Load the demo: a fictional company (Tessellate), its segments, accounts and content.

Idempotent: a second run finds what exists and adds only what is missing. Search indexing
is held back while the content loads and the index is rebuilt once at the end
(``indexing.services.deferred``), so ``make demo`` runs no ``search_reindex`` after it.
The output is two progress bars (on a terminal) and ends with the demo accounts.
"""

import logging
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.seed import DemoSeeder
from indexing.services import RebuildRunning, count_indexable
from search.backends import SearchBackendError

#: Loggers that report every in-process task (an email checked for each announcement).
TASK_LOGGERS = ("celery.app.trace", "celery.worker.strategy")


@contextmanager
def quiet_tasks():
    """Tasks run in-process while the demo loads: no line per task."""
    loggers = [logging.getLogger(name) for name in TASK_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = "Load the demo company, accounts and content (safe to run again)."

    def handle(self, *args, verbosity, **options):
        seeder = DemoSeeder()
        # On a terminal: a bar for the content, then one for the search index; otherwise
        # (or with --verbosity 0) nothing until the summary.
        disable = True if verbosity == 0 else None
        out = self.stderr._out
        content = tqdm(
            total=seeder.total_steps(), desc="Demo content", unit="item", disable=disable, file=out
        )
        index: list[tqdm] = []

        def index_progress(n: int) -> None:
            if not index:
                index.append(
                    tqdm(
                        total=count_indexable(),
                        desc="Search index",
                        unit="item",
                        disable=disable,
                        file=out,
                    )
                )
            index[0].update(n)

        try:
            with quiet_tasks():
                seeder.run(progress=lambda n=1: content.update(n), index_progress=index_progress)
        except (RebuildRunning, SearchBackendError) as exc:
            raise CommandError(
                f"The demo content is loaded, but the search index could not be built "
                f"({type(exc).__name__}: {exc}). Run `manage.py seed_demo` again to build it "
                f"and load the rest (support desk, demo searches)."
            ) from exc
        finally:
            content.close()
            for bar in index:
                bar.close()
        if verbosity:
            self.stdout.write(self.style.SUCCESS(seeder.summary()))
