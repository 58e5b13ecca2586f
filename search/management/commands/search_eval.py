"""Relevance benchmark: MAP, MRR, P@1, P@5 and R@10 of the similar-questions ranking."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search.backends import SearchBackendError
from search.bench.evaluation import METRICS, read_jsonl, run_benchmark


class Command(BaseCommand):
    help = (
        "Load a benchmark corpus as forum questions into a throwaway index (never the "
        "site's), rank every query through the similar-questions function and print MAP, "
        "MRR, P@1, P@5 and R@10 (x100), as ../shared/benchmarks/evaluate.py computes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--corpus", required=True, help="corpus.jsonl or corpus.jsonl.gz")
        parser.add_argument("--queries", required=True, help="dev.jsonl (a split)")
        parser.add_argument("--backend", choices=["embedded", "opensearch"], default="embedded")
        parser.add_argument(
            "--opensearch-url",
            default="",
            help="default: OPENSEARCH_URL (for --backend opensearch)",
        )
        parser.add_argument("--run-out", help="write the run (one ranking per query) here")
        parser.add_argument(
            "--depth", type=int, default=100, help="results per query (full corpus)"
        )
        parser.add_argument(
            "--language",
            choices=["en", "fa", "ro"],
            default="en",
            help="the corpus's and the reader's language (its analysis)",
        )
        parser.add_argument(
            "--typed",
            action="store_true",
            help="queries as people type them: Persian with Arabic ي/ك, no ZWNJ, Latin "
            "digits; Romanian without diacritics or with cedillas",
        )
        parser.add_argument(
            "--mode",
            choices=["lexical", "semantic", "hybrid"],
            default="hybrid",
            help="lexical (BM25 and ranking), semantic (sentence vectors only) or hybrid "
            "(both fused, as the site searches with SEARCH_SEMANTIC=on)",
        )
        parser.add_argument(
            "--weights",
            default="",
            help="hybrid: the vector side's weights to try, comma-separated (one index, "
            "one score line per weight; default: the similar-questions setting)",
        )
        parser.add_argument(
            "--vector-cache",
            default="",
            help="a file that keeps document vectors between runs (default: none, every "
            "run embeds its corpus)",
        )
        parser.add_argument("--json", action="store_true", help="print the scores as JSON")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        for name in ("corpus", "queries"):
            if not Path(options[name]).is_file():
                raise CommandError(f"No such file: {options[name]}")
        try:
            corpus = read_jsonl(options["corpus"])
            queries = read_jsonl(options["queries"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the benchmark: {exc}") from exc
        weights: list[float | None] = [None]
        if options["weights"]:
            try:
                given = [float(w) for w in options["weights"].split(",") if w.strip()]
            except ValueError:
                raise CommandError(f"--weights: not numbers: {options['weights']!r}") from None
            if not given or any(not 0.0 <= w <= 1.0 for w in given):
                raise CommandError("--weights: give weights between 0 and 1.")
            weights = list(given)
            if options["mode"] != "hybrid":
                raise CommandError("--weights applies to --mode hybrid only.")
        url = options["opensearch_url"] or settings.OPENSEARCH_URL
        if options["backend"] == "opensearch" and not url:
            raise CommandError("--backend opensearch needs --opensearch-url or OPENSEARCH_URL.")
        bar = tqdm(
            total=len(queries) * len(weights),
            desc="Ranking queries",
            unit="query",
            disable=options["no_progress"] or options["verbosity"] == 0,
            file=self.stderr._out,
        )
        try:
            results = run_benchmark(
                corpus,
                queries,
                backend_name=options["backend"],
                url=url,
                depth=options["depth"],
                progress=bar.update,
                language=options["language"],
                typed=options["typed"],
                mode=options["mode"],
                weights=weights,
                vector_cache=options["vector_cache"] or None,
            )
        except SearchBackendError as exc:
            raise CommandError(f"The search backend failed: {exc}") from exc
        finally:
            bar.close()
        result = results[-1]
        if options["run_out"]:
            with open(options["run_out"], "w", encoding="utf-8") as handle:
                for qid, ranking in result.run.items():
                    handle.write(json.dumps({"qid": qid, "ranking": ranking}) + "\n")
        if options["json"]:
            rows = [
                {
                    **r.summary,
                    "backend": options["backend"],
                    "language": options["language"],
                    "typed": options["typed"],
                    "mode": options["mode"],
                    "weight": r.weight,
                }
                for r in results
            ]
            self.stdout.write(json.dumps(rows[0] if len(rows) == 1 else rows))
            return
        for r in results:
            summary = r.summary
            each = 1000 * r.query_seconds / max(1, len(queries))
            weight = f", weight {r.weight:g}" if r.weight is not None else ""
            self.stdout.write(
                f"{options['backend']} ({options['language']}"
                f"{', typed' if options['typed'] else ''}, {options['mode']}{weight}): "
                f"{r.documents} documents indexed in {r.index_seconds:.1f} s; "
                f"{summary['queries']} queries in {r.query_seconds:.1f} s ({each:.1f} ms each)"
            )
            self.stdout.write("  ".join(f"{m} {summary[m]:.1f}" for m in METRICS))
