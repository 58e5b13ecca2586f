"""Measuring relevance on public benchmarks (``manage.py search_eval``).

A benchmark corpus is loaded as forum questions — title, body, answers — through the real
document builder (``indexing.documents.build_question``) into a throwaway index that is
removed afterwards; nothing touches the site's database or index (the questions are
never saved). Each benchmark query (title and body) goes through
``SearchService.similar``, the function behind the forum's similar questions and the
contact-support suggestions, and the rankings are scored the way
``../shared/benchmarks/evaluate.py`` scores them.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.schema import SearchDocument

METRICS = ("MAP", "MRR", "P@1", "P@5", "R@10")


def read_jsonl(path: str | Path) -> list[dict]:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- Scoring (the definitions of evaluate.py) -------------------------------------------


def score_query(ranking: Iterable, relevant: Iterable, candidates: Iterable | None) -> dict:
    seen, ranked = set(), []
    allowed = {str(c) for c in candidates} if candidates is not None else None
    for doc in ranking:
        doc = str(doc)
        if doc in seen or (allowed is not None and doc not in allowed):
            continue
        seen.add(doc)
        ranked.append(doc)
    rel = {str(r) for r in relevant}
    hits, precisions, first = 0, [], 0.0
    for k, doc in enumerate(ranked, 1):
        if doc in rel:
            hits += 1
            precisions.append(hits / k)
            if not first:
                first = 1.0 / k
    return {
        "MAP": sum(precisions) / len(rel),
        "MRR": first,
        "P@1": sum(d in rel for d in ranked[:1]) / 1.0,
        "P@5": sum(d in rel for d in ranked[:5]) / 5.0,
        "R@10": sum(d in rel for d in ranked[:10]) / len(rel),
    }


def evaluate(run: dict[str, list[str]], queries: list[dict]) -> dict:
    """Mean of each metric over the queries with relevant documents, × 100."""
    scores = []
    for query in queries:
        relevant = [str(d) for d in query.get("relevant") or []]
        if not relevant:
            continue
        scores.append(
            score_query(run.get(str(query["qid"]), []), relevant, query.get("candidates"))
        )
    count = len(scores)
    summary = {m: 100.0 * sum(s[m] for s in scores) / count if count else 0.0 for m in METRICS}
    summary["queries"] = count
    return summary


# --- Queries typed the way people type ----------------------------------------------

_FA_TYPED = str.maketrans(
    {"ی": "ي", "ک": "ك", "\u200c": "", **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_RO_CEDILLA = str.maketrans({"ș": "ş", "ț": "ţ", "Ș": "Ş", "Ț": "Ţ"})


def typed_form(text: str, language: str, position: int = 0) -> str:
    """``text`` as people often type it: Persian with Arabic ي/ك, without ZWNJ and with
    Latin digits; Romanian without diacritics (even ``position``) or with the cedilla
    letters ş/ţ (odd ``position``)."""
    if language == "fa":
        return text.translate(_FA_TYPED)
    if language == "ro":
        if position % 2:
            return text.translate(_RO_CEDILLA)
        from search.analysis import fold

        return fold(text)
    return text


# --- Loading a corpus -----------------------------------------------------------------


def corpus_type():
    """The searchable type that turns a benchmark row into a document (a question with its
    answers: what similar questions and support suggestions rank)."""
    from search.registry import registry

    for searchable in registry:
        if searchable.corpus_document is not None:
            return searchable
    raise LookupError("No searchable type can hold a benchmark corpus.")


def corpus_documents(rows: list[dict]) -> Iterator[tuple[str, SearchDocument]]:
    """``(corpus id, SearchDocument)`` for every row, built by its type's builder."""
    build = corpus_type().corpus_document
    for pk, row in enumerate(rows, start=1):
        document = build(row, pk)
        if document is not None:
            yield str(row["id"]), document


@dataclass
class EvalResult:
    summary: dict
    run: dict[str, list[str]]
    documents: int
    index_seconds: float
    query_seconds: float
    weight: float | None = None


def run_benchmark(
    corpus: list[dict],
    queries: list[dict],
    *,
    backend_name: str = "embedded",
    url: str = "",
    depth: int = 100,
    progress: Callable[[int], None] | None = None,
    language: str = "en",
    typed: bool = False,
    mode: str = "hybrid",
    weights: Sequence[float | None] = (None,),
    vector_cache: str | Path | None = None,
) -> list[EvalResult]:
    """Index ``corpus`` into a throwaway index, rank every query, score the rankings.

    ``language``: the corpus's and the reader's language; ``typed``: the queries as people
    type them (``typed_form``); ``mode``: ``lexical``, ``semantic`` (vectors only) or
    ``hybrid``; ``weights``: the vector side's weight in hybrid mode, one result per weight
    (``None``: the setting for similar questions). ``vector_cache``: a file keeping
    document vectors between runs (embedded backend)."""
    import dataclasses
    import os
    import time
    import uuid

    from django.test import override_settings

    from search.backends import build_backend
    from search.ranking import Person
    from search.service import SearchService

    folder = tempfile.mkdtemp(prefix="portico-eval-")
    prefix = f"eval-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    options: dict = {"path": folder} if backend_name == "embedded" else {"url": url}
    if backend_name == "embedded":
        options["vectors"] = mode != "lexical"
        if vector_cache:
            options["vector_cache_path"] = str(vector_cache)
    backend = build_backend(backend_name, prefix=prefix, **options)
    try:
        started = time.perf_counter()
        backend.ensure_index()
        ids: dict[str, str] = {}
        documents = []
        for corpus_id, document in corpus_documents(corpus):
            ids[document.id] = corpus_id
            documents.append(dataclasses.replace(document, locale=language))
        by_corpus_id = {v: k for k, v in ids.items()}
        for start in range(0, len(documents), 500):
            backend.upsert(documents[start : start + 500])
        backend.refresh()
        index_seconds = time.perf_counter() - started

        person = Person(access=["public"])
        results_by_weight = []
        for weight in weights:
            extra = {"SEARCH_SEMANTIC_WEIGHTS": f"similar={weight}"} if weight is not None else {}
            with override_settings(**extra):
                service = SearchService(backend, verify=False, mode=mode)
                run, query_seconds = _rank_all(
                    service, queries, by_corpus_id, ids, person, depth, language, typed, progress
                )
            results_by_weight.append(
                EvalResult(
                    summary=evaluate(run, queries),
                    run=run,
                    documents=len(documents),
                    index_seconds=index_seconds,
                    query_seconds=query_seconds,
                    weight=weight,
                )
            )
        return results_by_weight
    finally:
        try:
            backend.drop_all()
        finally:
            backend.close()
            shutil.rmtree(folder, ignore_errors=True)


def _rank_all(
    service, queries, by_corpus_id, ids, person, depth, language, typed, progress
) -> tuple[dict[str, list[str]], float]:
    """Every query through ``service.similar``: the run, and the seconds it took."""
    import time

    run: dict[str, list[str]] = {}
    started = time.perf_counter()
    for position, query in enumerate(queries):
        title, body = query.get("title") or "", query.get("body") or ""
        if typed:
            title, body = (typed_form(t, language, position) for t in (title, body))
        candidates = query.get("candidates")
        within = None
        limit = depth
        if candidates is not None:
            within = [by_corpus_id[c] for c in candidates if c in by_corpus_id]
            limit = len(within)
        results = service.similar(
            body,
            None,
            title=title,
            language=language,
            person=person,
            types=(corpus_type().key,),
            within=within,
            limit=limit,
            window=max(limit, depth),
        )
        ranking = [ids[r.id] for r in results]
        if candidates is not None:
            # Rank every candidate: those the engine did not match go last, in order.
            ranking += [c for c in candidates if c not in set(ranking)]
        run[str(query["qid"])] = ranking
        if progress:
            progress(1)
    return run, time.perf_counter() - started
