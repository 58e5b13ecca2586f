"""The benchmark commands: search_eval (relevance) and search_bench (speed)."""

import gzip
import json
import re

import pytest
from django.core.management import CommandError, call_command

from forum.models import Question
from search.bench.evaluation import evaluate, score_query

pytestmark = pytest.mark.django_db

CORPUS = [
    {"id": "d1", "title": "Strikethrough text in Markdown", "body": "Wrap words in ~~tildes~~."},
    {"id": "d2", "title": "Strikethrough text in Markdown", "body": "Use the del tag."},
    {"id": "d3", "title": "Delete a Facebook account", "body": "Open settings, deactivate."},
    {"id": "d4", "title": "Export Gmail contacts", "body": "Contacts, export, CSV."},
    {
        "id": "d5",
        "title": "Mobile phone prices",
        "body": "Which phone is best?",
        "answers": ["Buy the cheaper phone.", "Prices drop in winter."],
    },
]
QUERIES = [
    {"qid": "q1", "title": "cross out words in markdown", "body": "", "candidates": None,
     "relevant": ["d1", "d2"]},
    {"qid": "q2", "title": "remove my facebook account", "body": "", "candidates": None,
     "relevant": ["d3"]},
    {"qid": "q3", "title": "best phone", "body": "cheap phone prices?",
     "candidates": ["d4", "d5"], "relevant": ["d5"]},
]  # fmt: skip


def test_scores_follow_the_benchmark_definitions():
    # Relevant at ranks 1 and 3 of 2 relevant: AP = (1/1 + 2/3) / 2.
    scores = score_query(["a", "x", "b", "a"], ["a", "b"], None)
    assert scores["MAP"] == pytest.approx((1 + 2 / 3) / 2)
    assert scores["MRR"] == 1.0 and scores["P@1"] == 1.0
    assert scores["P@5"] == pytest.approx(2 / 5) and scores["R@10"] == 1.0
    # Re-ranking: ids outside the candidates are ignored.
    assert score_query(["z", "b"], ["b"], ["a", "b"])["MRR"] == 1.0
    summary = evaluate(
        {"q": ["b"]}, [{"qid": "q", "relevant": ["a"]}, {"qid": "r", "relevant": []}]
    )
    assert summary["queries"] == 1 and summary["MAP"] == 0.0


def write(tmp_path):
    corpus = tmp_path / "corpus.jsonl.gz"
    with gzip.open(corpus, "wt") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in CORPUS)
    queries = tmp_path / "dev.jsonl"
    queries.write_text("".join(json.dumps(row) + "\n" for row in QUERIES))
    return corpus, queries


def test_search_eval_ranks_through_the_similar_function_in_a_throwaway_index(
    tmp_path, capsys, site_backend, sync_search
):
    corpus, queries = write(tmp_path)
    before = site_backend.all_ids()
    run = tmp_path / "run.jsonl"
    call_command(
        "search_eval", corpus=str(corpus), queries=str(queries), run_out=str(run), no_progress=True
    )
    out = capsys.readouterr().out
    assert "5 documents indexed" in out
    assert "MAP 100.0" in out and "P@1 100.0" in out
    rows = {row["qid"]: row["ranking"] for row in map(json.loads, run.read_text().splitlines())}
    assert rows["q1"][:2] in (["d1", "d2"], ["d2", "d1"])
    assert rows["q3"] == ["d5", "d4"], "every candidate ranked, nothing else"
    assert not Question.objects.exists(), "the corpus never enters the database"
    assert site_backend.all_ids() == before, "nor the site's index"


@pytest.mark.parametrize("site_backend", ["osmem"], indirect=True)
def test_search_eval_on_opensearch(tmp_path, capsys, osmem, site_backend):
    corpus, queries = write(tmp_path)
    call_command(
        "search_eval",
        corpus=str(corpus),
        queries=str(queries),
        backend="opensearch",
        opensearch_url=osmem.url,
        json=True,
        no_progress=True,
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["backend"] == "opensearch" and summary["MAP"] == 100.0


def test_search_eval_reports_bad_input(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("search_eval", corpus=str(tmp_path / "x"), queries=str(tmp_path / "y"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("search_eval", corpus=str(bad), queries=str(bad))


def test_search_bench_prints_throughput_and_latency(capsys):
    call_command("search_bench", docs=400, queries=60, no_progress=True)
    out = capsys.readouterr().out
    assert "embedded: 400 documents indexed" in out and "docs/s" in out
    assert "60 queries" in out and "p50" in out and "p95" in out


def test_search_bench_with_vectors_reports_embedding_and_the_approximate_index(
    settings, capsys, tmp_path
):
    settings.SEARCH_SEMANTIC = "on"
    settings.SEARCH_EMBEDDINGS = "auto"
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=e5-small,ro=e5-small"
    cache = tmp_path / "vectors.sqlite3"
    options = {"docs": 200, "queries": 20, "distinct_vectors": 20, "ann_min": 100}
    options.update(vector_cache=str(cache), no_progress=True)
    call_command("search_bench", **options)
    out = capsys.readouterr().out
    assert "embedding: 20 documents embedded" in out
    assert "the other 180 documents reuse those 20 vectors" in out
    assert "hybrid: BM25 + vectors, encoding included" in out
    assert re.search(r"minilm: 200 vectors, approximate index of \d+ groups", out)
    assert "vector search alone (exact" in out and "recall@10" in out
    # The second run embeds nothing: the vectors are kept in the cache file.
    call_command("search_bench", **options)
    assert "embedding: 0 documents embedded" in capsys.readouterr().out
