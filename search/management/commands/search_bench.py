"""Speed benchmark: indexing throughput and search latency on a throwaway index."""

import os
import shutil
import statistics
import tempfile
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search.backends import SearchBackendError, build_backend
from search.bench import benchmark
from search.service import SearchRequest, SearchService


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = (
        "Index N synthetic help-center documents (products, tags, access terms) into a "
        "throwaway index, then run varied queries through the search service with facets "
        "and snippets; print indexing docs/s and query latency p50/p95 per backend."
    )

    def add_arguments(self, parser):
        parser.add_argument("--docs", type=int, default=100_000)
        parser.add_argument("--queries", type=int, default=600)
        parser.add_argument(
            "--backend", choices=["embedded", "opensearch", "all"], default="embedded",
            help="all: embedded, and OpenSearch when a URL is given",
        )  # fmt: skip
        parser.add_argument("--opensearch-url", default="", help="default: OPENSEARCH_URL")
        parser.add_argument("--batch", type=int, default=1000, help="documents per bulk write")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        url = options["opensearch_url"] or settings.OPENSEARCH_URL
        names = {"all": ["embedded", *(["opensearch"] if url else [])]}.get(
            options["backend"], [options["backend"]]
        )
        if "opensearch" in names and not url:
            raise CommandError("--backend opensearch needs --opensearch-url or OPENSEARCH_URL.")
        for name in names:
            try:
                self.bench(name, url, options)
            except SearchBackendError as exc:
                raise CommandError(f"{name}: the search backend failed: {exc}") from exc

    def bench(self, name, url, options):
        quiet = options["no_progress"] or options["verbosity"] == 0
        folder = tempfile.mkdtemp(prefix="portico-bench-")
        prefix = f"bench-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        extra: dict[str, Any] = (
            {"path": folder} if name == "embedded" else {"url": url, "timeout": 60}
        )
        backend = build_backend(name, prefix=prefix, **extra)
        try:
            backend.ensure_index()
            count, batch = options["docs"], options["batch"]
            bar = tqdm(total=count, desc=f"{name}: indexing", unit="doc", disable=quiet,
                       file=self.stderr._out)  # fmt: skip
            pending, elapsed = [], 0.0
            for document in benchmark.documents(count):
                pending.append(document)
                if len(pending) >= batch:
                    started = time.perf_counter()
                    backend.upsert(pending)
                    elapsed += time.perf_counter() - started
                    bar.update(len(pending))
                    pending = []
            started = time.perf_counter()
            if pending:
                backend.upsert(pending)
            backend.refresh()
            elapsed += time.perf_counter() - started
            bar.update(len(pending))
            bar.close()

            service = SearchService(backend, verify=False)
            people = benchmark.people()
            work = benchmark.queries(options["queries"])
            for text, extra_fields in work[:20]:  # warm up caches and the page cache
                service.search(SearchRequest(q=text, **extra_fields), None, person=people[0])
            latencies, results = [], 0
            bar = tqdm(total=len(work), desc=f"{name}: querying", unit="query", disable=quiet,
                       file=self.stderr._out)  # fmt: skip
            for number, (text, extra_fields) in enumerate(work):
                person = people[number % len(people)]
                started = time.perf_counter()
                page = service.search(SearchRequest(q=text, **extra_fields), None, person=person)
                latencies.append((time.perf_counter() - started) * 1000)
                if page.error:
                    raise CommandError(f"{name}: {page.error}")
                results += bool(page.results)
                bar.update(1)
            bar.close()
            self.stdout.write(
                f"{name}: {count} documents indexed in {elapsed:.1f} s = "
                f"{count / elapsed:,.0f} docs/s (bulk batches of {batch})"
            )
            self.stdout.write(
                f"{name}: {len(work)} queries (facets, snippets, ranking, did-you-mean): "
                f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} "
                f"ms, mean {statistics.fmean(latencies):.1f} ms, max {max(latencies):.1f} ms; "
                f"{results} with results"
            )
        finally:
            backend.drop_all()
            backend.close()
            shutil.rmtree(folder, ignore_errors=True)
