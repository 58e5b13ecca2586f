"""Rebuild the whole search index into a fresh version and switch to it atomically."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from indexing import services
from search.backends import SearchBackendError, get_backend


class Command(BaseCommand):
    help = (
        "Build every search document into a new index version, switch searches to it "
        "atomically and remove the old version. Searches keep answering meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=200)
        parser.add_argument(
            "--force", action="store_true", help="Run even if another rebuild seems to run."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, chunk_size, force, no_progress, verbosity, **options):
        backend = get_backend()
        total = services.count_indexable()
        bar = tqdm(
            total=total,
            unit="item",
            desc=f"Indexing into {backend.index_name}",
            disable=no_progress or verbosity == 0,
            file=self.stderr._out,
        )
        try:
            result = services.rebuild(
                backend=backend, chunk_size=chunk_size, progress=bar.update, force=force
            )
        except services.RebuildRunning as exc:
            raise CommandError(f"A rebuild is already running ({exc}); use --force.") from exc
        except SearchBackendError as exc:
            raise CommandError(f"The search backend failed: {exc}") from exc
        finally:
            bar.close()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Indexed {result.documents} documents from {total} items into "
                    f"{backend.index_name} {result.version}; removed {len(result.dropped)} "
                    f"old version(s); applied {len(result.drained.keys)} queued change(s)."
                )
            )
