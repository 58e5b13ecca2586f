"""Speed benchmark: indexing throughput and search latency on a throwaway index.

With semantic search on (``SEARCH_SEMANTIC``, the default) documents are embedded before
they are written (the embedding throughput is reported on its own; ``--vector-cache``
keeps the vectors for the next run) and every query is hybrid, its encoding included. On
the embedded backend the vector side is then measured alone, with the approximate index
and scoring every allowed vector, and the index's recall against exact scoring.
"""

import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from tqdm import tqdm

from search.analysis import language_of
from search.backends import SearchBackendError, build_backend
from search.bench import benchmark
from search.service import SearchRequest, SearchService
from search.vectors import (
    VectorCache,
    content_key,
    embed_documents,
    passage_views,
    query_vectors,
    semantic_enabled,
)


def borrowed(documents, vectors) -> dict:
    """Cache entries giving each of ``documents`` (by its number) one of ``vectors``."""
    from search.embeddings import get_encoder

    entries = {}
    for document in documents:
        version = get_encoder(language_of(document.locale)).version
        number = int(document.id.rsplit(":", 1)[1]) - 1
        for text in passage_views(document):
            entries[content_key(version, text)] = vectors[number % len(vectors)]
    return entries


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
        parser.add_argument(
            "--vector-cache", default="",
            help="SQLite file keeping document vectors between runs (default: embed again)",
        )  # fmt: skip
        parser.add_argument(
            "--distinct-vectors", type=int, default=0,
            help="embed only the first N documents; the others reuse their vectors in turn "
            "(embedding 100,000 documents takes hours of CPU); 0: embed every document",
        )  # fmt: skip
        parser.add_argument(
            "--ann-min", type=int, default=None,
            help="vectors from which the approximate index is used (default: "
            "SEARCH_VECTOR_ANN_MIN)",
        )  # fmt: skip
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["ann_min"] is not None:
            with override_settings(SEARCH_VECTOR_ANN_MIN=max(0, options["ann_min"])):
                return self.run(options)
        return self.run(options)

    def run(self, options):
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
        distinct = max(0, options["distinct_vectors"])
        if name == "embedded" and options["vector_cache"] and not distinct:
            extra["vector_cache_path"] = options["vector_cache"]
        backend = build_backend(name, prefix=prefix, **extra)
        semantic = semantic_enabled() and getattr(backend, "supports_vectors", False)
        cache = backend.vector_cache() if semantic and hasattr(backend, "vector_cache") else None
        # With --distinct-vectors the first documents are embedded (through --vector-cache)
        # and the backend's own cache is given their vectors for the others, in turn.
        own_cache = (
            VectorCache(options["vector_cache"] or Path(folder) / "distinct.sqlite3")
            if cache is not None and distinct
            else None
        )
        distinct_vectors: list[Any] = []
        try:
            backend.ensure_index()
            count, batch = options["docs"], options["batch"]
            bar = tqdm(total=count, desc=f"{name}: indexing", unit="doc", disable=quiet,
                       file=self.stderr._out)  # fmt: skip
            pending, elapsed = [], 0.0
            embedding, embedded, cached = 0.0, 0, 0

            def write(documents):
                nonlocal elapsed, embedding, embedded, cached
                if cache is not None and own_cache is not None:
                    fresh = documents[: max(0, distinct - len(distinct_vectors))]
                    if fresh:
                        started = time.perf_counter()
                        vectors, stats = embed_documents(fresh, own_cache)
                        embedding += time.perf_counter() - started
                        embedded, cached = embedded + stats.embedded, cached + stats.cached
                        distinct_vectors.extend(vectors[d.id].vector for d in fresh)
                    if distinct_vectors:
                        cache.put_many(borrowed(documents, distinct_vectors))
                elif cache is not None:
                    # Embedded first (into the cache the write then reads) to time it alone.
                    started = time.perf_counter()
                    _vectors, stats = embed_documents(documents, cache)
                    embedding += time.perf_counter() - started
                    embedded, cached = embedded + stats.embedded, cached + stats.cached
                started = time.perf_counter()
                backend.upsert(documents)
                elapsed += time.perf_counter() - started
                bar.update(len(documents))

            for document in benchmark.documents(count):
                pending.append(document)
                if len(pending) >= batch:
                    write(pending)
                    pending = []
            if pending:
                write(pending)
            started = time.perf_counter()
            backend.refresh()
            elapsed += time.perf_counter() - started
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
                + (", vectors from the cache" if cache is not None else "")
            )
            if cache is not None:
                rate = f" = {embedded / embedding:,.1f} docs/s" if embedded else ""
                reuse = (
                    f"; the other {count - len(distinct_vectors)} documents reuse those "
                    f"{len(distinct_vectors)} vectors in turn"
                    if own_cache is not None
                    else ""
                )
                self.stdout.write(
                    f"{name}: embedding: {embedded} documents embedded in {embedding:.1f} s"
                    f"{rate}, {cached} from the cache{reuse}"
                )
            kind = "hybrid: BM25 + vectors, encoding included" if semantic else "lexical"
            self.stdout.write(
                f"{name}: {len(work)} queries ({kind}; facets, snippets, ranking, "
                f"did-you-mean): p50 {percentile(latencies, 0.5):.1f} ms, p95 "
                f"{percentile(latencies, 0.95):.1f} ms, mean {statistics.fmean(latencies):.1f} "
                f"ms, max {max(latencies):.1f} ms; {results} with results"
            )
            if semantic and name == "embedded":
                self.vector_side(backend, work, people)
        finally:
            if own_cache is not None:
                own_cache.close()
            backend.drop_all()
            backend.close()
            shutil.rmtree(folder, ignore_errors=True)

    def vector_side(self, backend, work, people) -> None:
        """The vector search alone, through the approximate index and exact, and the
        index's recall@10 against exact scoring, on the benchmark's queries."""
        store = backend.vector_store(backend.current_version())
        state = store.index_state()
        rng = random.Random(5)
        sample = rng.sample(work, min(200, len(work)))
        timings: dict[bool, list[float]] = {True: [], False: []}
        overlap: list[float] = []
        for number, (text, _extra) in enumerate(sample):
            vectors = query_vectors(text, ["en"])
            person = people[number % len(people)]
            found = {}
            for use_index in (True, False):
                store.use_index = use_index
                started = time.perf_counter()
                hits = store.nearest(vectors, access=person.access, limit=100)
                timings[use_index].append((time.perf_counter() - started) * 1000)
                found[use_index] = [doc_id for doc_id, _ in hits[:10]]
            store.use_index = True
            if found[False]:
                overlap.append(len(set(found[True]) & set(found[False])) / len(found[False]))
        for model, figures in state.items():
            how = (
                f"approximate index of {figures['groups']} groups (searched for anyone "
                f"who may see more than {store.exact_max:,} of them)"
                if figures["approximate"]
                else "every vector scored (no approximate index at this size)"
            )
            self.stdout.write(f"embedded: vectors: {model}: {figures['vectors']} vectors, {how}")
        for use_index, label in ((True, "as searched"), (False, "exact")):
            values = timings[use_index]
            self.stdout.write(
                f"embedded: vector search alone ({label}, {len(values)} queries, top 100): "
                f"p50 {percentile(values, 0.5):.1f} ms, p95 {percentile(values, 0.95):.1f} ms"
            )
        if overlap:
            self.stdout.write(
                f"embedded: recall@10 of the vector search as searched against exact: "
                f"{statistics.fmean(overlap) * 100:.1f}%"
            )
