"""Sentence encoders: install size, memory, query latency, throughput and dense quality."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.urls import get_resolver

from search.bench import embeddings as bench
from search.embeddings import MODELS, EncoderUnavailable


class Command(BaseCommand):
    help = (
        "Measure each local sentence encoder: installed size, resident memory after "
        "loading, milliseconds per single query (p50/p95), passages per second in "
        "batches, and — with --benchmarks — dense-only retrieval quality (MAP, MRR, P@1, "
        "P@5, R@10) on the dev splits of the public benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--models", default=",".join(MODELS), help="comma-separated model keys")
        parser.add_argument(
            "--benchmarks",
            help="the benchmarks folder (../shared/benchmarks): dev queries for the speed "
            "measure and the quality scores",
        )
        parser.add_argument("--sets", default=",".join(bench.SETS), help="benchmark folders")
        parser.add_argument("--queries", type=int, default=300, help="timed single queries")
        parser.add_argument("--passages", type=int, default=512, help="passages for passages/s")
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument("--threads", type=int, help="default: SEARCH_EMBEDDINGS_THREADS")
        parser.add_argument(
            "--variants",
            action="store_true",
            help="also score queries as people type them (Persian on an Arabic keyboard, "
            "without ZWNJ; Romanian without diacritics, with cedillas)",
        )
        parser.add_argument("--no-quality", action="store_true", help="speed and memory only")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        models = [m.strip() for m in options["models"].split(",") if m.strip()]
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            raise CommandError(f"Unknown models: {', '.join(unknown)} (known: {', '.join(MODELS)})")
        root = Path(options["benchmarks"]) if options["benchmarks"] else None
        if root is not None and not (root / "README.md").is_file():
            raise CommandError(f"No benchmarks folder at {root}")
        sets = [s.strip() for s in options["sets"].split(",") if s.strip()]
        queries, passages = self.samples(root, sets, options["passages"])
        overrides = {"SEARCH_EMBEDDINGS": "auto"}
        if options["threads"]:
            overrides["SEARCH_EMBEDDINGS_THREADS"] = options["threads"]
        # What a web process has loaded before any encoder: every app, view and URL.
        get_resolver().url_patterns  # noqa: B018
        figures, quality = [], {}
        with override_settings(**overrides):
            try:
                for model in models:
                    figures.append(
                        bench.measure_model(
                            model, queries, passages, options["queries"], options["batch_size"]
                        )
                    )
                if root is not None and not options["no_quality"]:
                    for model in models:
                        quality[model] = bench.measure_quality(
                            model, root, sets, options["variants"], self.progress
                        )
            except EncoderUnavailable as exc:
                raise CommandError(str(exc)) from exc
        runtime = {p: round(bench.installed_mb(p), 1) for p in bench.RUNTIME_PACKAGES}
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "models": [vars(f) for f in figures],
                        "runtime_mb": runtime,
                        "quality": quality,
                        "rss_end_mb": bench.rss_mb(),
                    }
                )
            )
            return
        self.report(figures, runtime, quality)

    def samples(self, root, sets, count):
        """Timed queries and passages: dev queries and corpus texts when given, else samples."""
        if root is None:
            return bench.SAMPLE_QUERIES, [q * 8 for q in bench.SAMPLE_QUERIES] * 8
        queries, passages = [], []
        for set_name in sets:
            folder = root / set_name
            if (folder / "dev.jsonl").is_file():
                corpus, dev = bench.load_set(folder)
                queries += [bench.query_text(q) for q in dev[:100]]
                passages += [bench.document_text(d) for d in corpus[: max(1, count // len(sets))]]
        return queries or bench.SAMPLE_QUERIES, passages

    def progress(self, message):
        self.stderr.write(f"quality: {message}")

    def report(self, figures, runtime, quality):
        self.stdout.write(
            "model | version | package MB | graph MB | load s | RSS MB: before → loaded → "
            "after queries → after passages | query p50 / p95 ms (CPU p50 / p95 ms) | "
            "passages/s (tokens each) | load average"
        )
        for f in figures:
            self.stdout.write(
                f"{f.name} | {f.version} | {f.package_mb:.1f} | {f.graph_mb:.1f} | "
                f"{f.load_seconds:.2f} | {f.rss_before_mb:.0f} → {f.rss_loaded_mb:.0f} → "
                f"{f.rss_queries_mb:.0f} → {f.rss_passages_mb:.0f} | "
                f"{f.query_p50_ms:.1f} / {f.query_p95_ms:.1f} "
                f"({f.query_cpu_p50_ms:.1f} / {f.query_cpu_p95_ms:.1f}) | "
                f"{f.passages_per_second:.1f} ({f.tokens_per_passage:.0f}) | {f.load_average:.1f}"
            )
        shared = ", ".join(f"{name} {mb:.1f}" for name, mb in runtime.items())
        self.stdout.write(f"shared runtime (MB installed): {shared}")
        self.stdout.write(f"process RSS now: {bench.rss_mb():.0f} MB")
        if quality:
            self.stdout.write("dense-only quality on dev splits (×100):")
            for line in bench.format_quality(quality):
                self.stdout.write(line)
