"""Vectors on OpenSearch: the mode chosen at start (k-NN hybrid queries, or the lexical
candidates re-ranked by stored vectors), the request bodies of both, and what the test
server really does with them.

``osmem-server`` accepts ``knn_vector`` mappings but has no ``knn`` query, no search
pipelines and no plugins: on it the backend re-ranks, and the k-NN requests are checked as
bodies (contract tests). With ``OPENSEARCH_URL`` pointing at a cluster that has the k-NN
and neural-search plugins, the same tests run the hybrid query for real.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from django.core.checks import run_checks

from core import metrics
from search.backends import SearchBackendError, build_backend
from search.backends.opensearch import (
    RERANK_CANDIDATES,
    index_body,
    knn_field,
    pipeline_body,
)
from search.ranking import Person
from search.schema import SearchQuery
from search.service import SearchRequest, SearchService
from search.service.hybrid import DEFAULT_WEIGHTS, semantic_weights
from tests.search.support import CLUSTER_URL, doc, make_backend, unique_prefix
from tests.search.test_semantic import INSIDERS, PUBLIC, corpus, similar

pytestmark = pytest.mark.django_db

SERVERS = ["osmem", *(["cluster"] if CLUSTER_URL else [])]


@pytest.fixture
def semantic(settings):
    settings.SEARCH_SEMANTIC = "on"
    settings.SEARCH_EMBEDDINGS = "auto"
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=e5-small,ro=e5-small"
    settings.SEARCH_SEMANTIC_WEIGHTS = ""
    return settings


def server_url(request, server: str) -> str:
    return request.getfixturevalue("osmem").url if server == "osmem" else CLUSTER_URL


@pytest.fixture(params=SERVERS)
def server(request):
    return server_url(request, request.param)


@pytest.fixture
def opensearch(server, tmp_path):
    backend = build_backend(
        "opensearch",
        prefix=unique_prefix(),
        url=server,
        timeout=5,
        vector_cache_path=tmp_path / "vectors.sqlite3",
    )
    yield backend
    backend.drop_all()
    backend.close()


def offline_backend(**options):
    """A backend whose request bodies are inspected (nothing is sent)."""
    return build_backend("opensearch", prefix="contract", url="http://127.0.0.1:9", **options)


def _vector(seed: int, dim: int = 384) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


# --- Mapping and pipelines (contract) ----------------------------------------------------


def test_a_knn_index_maps_a_knn_vector_per_model():
    body = index_body(knn_models={"minilm": 384, "e5-small": 384})
    assert body["settings"]["index"]["knn"] is True
    properties = body["mappings"]["properties"]
    for model in ("minilm", "e5-small"):
        field = properties[knn_field(model)]
        assert field["type"] == "knn_vector"
        assert field["dimension"] == 384
        # The encoders' vectors are L2-normalised: cosine similarity is their inner product.
        assert field["method"]["name"] == "hnsw"
        assert field["method"]["space_type"] in ("cosinesimil", "innerproduct")
    assert knn_field("e5-small") == "vector_e5_small"
    assert body["mappings"]["_meta"]["vectors"] == {
        "mode": "knn",
        "fields": {"e5-small": "vector_e5_small", "minilm": "vector_minilm"},
    }
    # The vector stays in the source too (re-ranking, debugging, cosine floors).
    assert properties["semantic"] == {"type": "object", "enabled": False}
    plain = index_body()
    assert "knn" not in plain["settings"]["index"]
    assert not [f for f in plain["mappings"]["properties"].values() if f["type"] == "knn_vector"]
    assert plain["mappings"]["_meta"]["vectors"]["mode"] == "rerank"


def test_knn_dimensions_come_from_the_configured_encoders(semantic):
    from search.embeddings import get_model

    backend = offline_backend()
    assert backend.knn_models() == {
        "minilm": get_model("minilm").dim,
        "e5-small": get_model("e5-small").dim,
    }
    semantic.SEARCH_EMBEDDINGS_MODELS = "en=no-such-model,fa=e5-small"
    assert backend.knn_models() == {"e5-small": get_model("e5-small").dim}


def test_each_use_has_a_pipeline_with_its_semantic_weight(settings):
    settings.SEARCH_SEMANTIC_WEIGHTS = "search=0.3"
    assert semantic_weights()["search"] == 0.3
    for use, weight in semantic_weights().items():
        body = pipeline_body(use, weight)
        (processor,) = body["phase_results_processors"]
        normalization = processor["normalization-processor"]
        assert normalization["normalization"] == {"technique": "min_max"}
        assert normalization["combination"]["technique"] == "arithmetic_mean"
        # [lexical, semantic]: the order of the hybrid query's sub-queries.
        assert normalization["combination"]["parameters"]["weights"] == pytest.approx(
            [1 - weight, weight]
        )
    backend = offline_backend()
    names = {backend.pipeline_name(use) for use in DEFAULT_WEIGHTS}
    assert names == {f"contract-content-hybrid-{use}" for use in DEFAULT_WEIGHTS}


# --- Query bodies (contract) -------------------------------------------------------------


def _query(**fields):
    return SearchQuery(
        text="reset password",
        groups=[("reset",), ("password", "passphrase")],
        phrases=["sign in"],
        exclude=["sso"],
        access=[*PUBLIC, *INSIDERS],
        filters={"type": ["article"], "locale": ["en"]},
        **fields,
    )


def test_the_hybrid_query_carries_the_lexical_access_filter_to_the_knn_side():
    backend = offline_backend()
    query = _query()
    fields = {"minilm": "vector_minilm"}
    body = backend.hybrid_body(query, {"minilm": _vector(1)}, limit=50, fields=fields)
    json.dumps(body)  # what is sent
    lexical, semantic = body["query"]["hybrid"]["queries"]
    assert lexical == backend._query(query)
    knn = semantic["knn"]["vector_minilm"]
    assert knn["k"] == 50 and len(knn["vector"]) == 384
    vector_side = knn["filter"]["bool"]
    # The same access terms and filters, exclusions and required phrases as the text.
    assert vector_side["filter"] == lexical["bool"]["filter"]
    assert {"terms": {"access": ["public", "segment:9"]}} in vector_side["filter"]
    assert vector_side["must_not"] == lexical["bool"]["must_not"]
    assert vector_side["must"] == [backend._match("sign in", query.weights, query.variants())]
    assert body["size"] == 50
    # Vectors do not come back in the hits (the cosine is read from ``semantic``).
    assert "vector_minilm" in body["_source"]["excludes"]


def test_an_outsider_without_access_terms_still_gets_a_filtered_vector_side():
    backend = offline_backend()
    query = SearchQuery(text="renewal discount", access=[])
    body = backend.hybrid_body(
        query, {"minilm": _vector(2)}, limit=10, fields={"minilm": "vector_minilm"}
    )
    knn = body["query"]["hybrid"]["queries"][1]["knn"]["vector_minilm"]
    assert knn["filter"]["bool"]["filter"] == [{"terms": {"access": []}}]


def test_staff_have_no_filter_and_several_models_are_each_searched():
    backend = offline_backend()
    staff = SearchQuery(text="renewal", access=None)
    fields = {"minilm": "vector_minilm", "e5-small": "vector_e5_small"}
    vectors = {"minilm": _vector(3), "e5-small": _vector(4), "other": _vector(5)}
    body = backend.hybrid_body(staff, vectors, limit=20, fields=fields)
    semantic = body["query"]["hybrid"]["queries"][1]
    clauses = semantic["bool"]["should"]
    assert [next(iter(c["knn"])) for c in clauses] == ["vector_minilm", "vector_e5_small"]
    assert all("filter" not in next(iter(c["knn"].values())) for c in clauses)
    # No field for the query's model: no hybrid query (the service stays lexical).
    assert backend.hybrid_body(staff, {"other": _vector(6)}, limit=20, fields=fields) is None


def test_without_knn_the_lexical_top_100_and_the_hits_found_are_reranked():
    backend = offline_backend()
    query = _query()
    body = backend.rerank_body(query, ["article:1", "article:2"])
    by_id, by_text = body["query"]["bool"]["should"]
    assert by_text == backend._query(query)
    assert {"terms": {"id": ["article:1", "article:2"]}} in by_id["bool"]["filter"]
    assert {"terms": {"access": ["public", "segment:9"]}} in by_id["bool"]["filter"]
    assert body["size"] == 2 + RERANK_CANDIDATES
    assert backend.rerank_body(SearchQuery(access=None), []) is None


# --- The mode, chosen at start -----------------------------------------------------------


def test_the_mode_follows_the_setting_and_what_the_cluster_has(server, opensearch):
    mode = opensearch.vector_mode
    assert opensearch.vector_mode_settled
    missing = opensearch.knn_missing()
    if missing:
        assert (mode, opensearch.vector_reason) == ("rerank", missing)
    else:
        assert mode == "knn"
    if server != CLUSTER_URL:
        # osmem-server: no plugins at all.
        assert "k-NN plugin" in opensearch.vector_reason
    rerank = build_backend("opensearch", prefix="p", url=server, vector_setting="rerank")
    assert (rerank.vector_mode, rerank.vector_reason) == ("rerank", "OPENSEARCH_VECTORS=rerank")
    off = build_backend("opensearch", prefix="p", url=server, vector_setting="off")
    assert (off.vector_mode, off.supports_vectors) == ("off", False)
    with pytest.raises(SearchBackendError):
        build_backend("opensearch", prefix="p", url=server, vector_setting="sometimes")


def test_a_cluster_that_does_not_answer_is_asked_again():
    backend = offline_backend(max_retries=0, timeout=1)
    assert backend.vector_mode == "rerank"
    assert not backend.vector_mode_settled
    assert "did not answer" in backend.vector_reason


@pytest.mark.parametrize("site_backend", ["osmem"], indirect=True)
def test_the_system_check_reports_the_mode(settings, site_backend):
    from search.backends import reset_backends

    def ids():
        reset_backends()
        return {m.id for m in run_checks() if m.id.startswith("portico.") and "26" in m.id}

    settings.OPENSEARCH_VECTORS = "auto"
    assert ids() == {"portico.W026"}  # osmem-server has no k-NN: re-ranking, said loudly
    settings.OPENSEARCH_VECTORS = "rerank"
    assert ids() == {"portico.I026"}
    settings.OPENSEARCH_VECTORS = "off"
    assert ids() == {"portico.I026"}
    settings.OPENSEARCH_VECTORS = "knn"
    assert {m.id for m in run_checks()} >= {"portico.E027"}
    settings.OPENSEARCH_VECTORS = "sometimes"
    assert {m.id for m in run_checks()} >= {"portico.E026"}
    settings.SEARCH_BACKEND = "embedded"
    settings.OPENSEARCH_VECTORS = "auto"
    assert ids() == set()


# --- Writes ------------------------------------------------------------------------------


def _knn_version(backend) -> str:
    """A version with knn_vector fields, as ``create_version`` makes it in ``knn`` mode
    (osmem-server accepts the mapping: it has no k-NN search, not no k-NN fields)."""
    if backend.vector_mode == "knn":
        return backend.create_version()
    version = "v20990101000000000000"
    backend.client.indices.create(
        index=backend._physical(version), body=index_body(knn_models=backend.knn_models())
    )
    return version


def test_documents_carry_their_vector_in_the_knn_field_of_their_model(semantic, opensearch):
    version = _knn_version(opensearch)
    opensearch.switch_to(version)
    opensearch.upsert(corpus())
    opensearch.refresh()
    stored = opensearch.client.get(index=opensearch.alias, id="article:1")["_source"]
    assert stored["semantic"]["model"] == "minilm"
    assert stored["vector_minilm"] == stored["semantic"]["vector"]
    assert len(stored["vector_minilm"]) == 384
    assert len(opensearch.vector_cache()) == 4, "computed once, cached by content hash"
    # Searches work whatever the mode; only what the vector side can find differs.
    service = SearchService(opensearch, verify=False)
    assert similar(service, "forgot my password")[0] == "article:2"
    paraphrase = "cheaper yearly price when a partner renews ahead of time"
    assert "article:4" not in similar(service, paraphrase, access=PUBLIC)


def test_an_embedding_failure_never_blocks_lexical_indexing(semantic, opensearch, caplog):
    semantic.SEARCH_EMBEDDINGS_MODELS = "en=no-such-model"
    with caplog.at_level(logging.WARNING, logger="search.vectors"):
        opensearch.upsert(corpus())
    opensearch.refresh()
    assert "without vectors" in caplog.text
    assert opensearch.all_ids() == {f"article:{n}" for n in range(1, 5)}
    stored = opensearch.client.get(index=opensearch.alias, id="article:2")["_source"]
    assert "semantic" not in stored
    service = SearchService(opensearch, verify=False)
    assert similar(service, "reset password") == ["article:2"]
    page = service.search(
        SearchRequest(q="password", reader_language="en", debug=True),
        None,
        person=Person(access=PUBLIC),
    )
    assert [r.id for r in page.results] == ["article:2"]
    assert page.vectors.startswith(opensearch.vector_mode)


# --- k-NN for real: osmem-server with the plugins' APIs (tests/search/knn_server.py) ------


@pytest.fixture
def knn(semantic, request, tmp_path):
    backend = make_backend(
        "knn", request, tmp_path, timeout=5, vector_cache_path=tmp_path / "vectors.sqlite3"
    )
    yield backend
    backend.drop_all()
    backend.close()


@pytest.fixture
def knn_indexed(knn):
    knn.ensure_index()
    knn.upsert(corpus())
    knn.refresh()
    return knn


def _hybrid_requests(cluster, use: str) -> list[dict]:
    """The hybrid searches sent through ``use``'s pipelines (any language's)."""
    return [
        s for s in cluster.searches if f"-hybrid-{use}" in s["params"].get("search_pipeline", "")
    ]


def test_a_cluster_with_knn_gets_knn_fields_and_a_pipeline_per_use(knn, knn_cluster):
    assert knn.vector_mode == "knn", knn.vector_reason
    version = knn.ensure_index()
    mapping = knn.client.indices.get_mapping(index=knn._physical(version))
    properties = next(iter(mapping.values()))["mappings"]["properties"]
    assert properties["vector_minilm"]["type"] == "knn_vector"
    assert properties["vector_minilm"]["dimension"] == 384
    for use, weight in DEFAULT_WEIGHTS.items():
        assert knn_cluster.pipelines[knn.pipeline_name(use)] == pipeline_body(use, weight)


def test_a_language_with_a_weight_of_its_own_has_its_own_pipeline(semantic):
    backend = offline_backend()
    wanted = backend.wanted_pipelines()
    for use, weight in DEFAULT_WEIGHTS.items():
        assert wanted[backend.pipeline_name(use)] == pipeline_body(use, weight)
    # One per use and language too; Romanian's similar questions lean less on vectors.
    for language in ("en", "fa", "ro"):
        for use, weight in semantic_weights(language).items():
            name = backend.pipeline_name(use, language)
            assert wanted[name] == pipeline_body(use, weight, language)
    assert semantic_weights("ro")["similar"] < semantic_weights("en")["similar"]
    assert backend.query_pipeline("similar", ["ro"]) == backend.pipeline_name("similar", "ro")
    assert backend.query_pipeline("similar", ["en", "ro"]) == backend.pipeline_name("similar")


def test_a_romanian_question_goes_through_the_romanian_pipeline(knn, knn_cluster, semantic):
    knn.ensure_index()
    knn.upsert(
        [
            *corpus(),
            doc(
                7,
                "Resetarea parolei",
                text="Alegeți o parolă nouă din pagina de conectare.",
                locale="ro",
            ),
        ]
    )
    knn.refresh()
    service = SearchService(knn, verify=False)
    found = service.similar(
        "am uitat parola", None, person=Person(access=PUBLIC), language="ro", types=["article"]
    )
    assert [r.id for r in found][:1] == ["article:7"]
    sent = [s["params"].get("search_pipeline") for s in knn_cluster.searches]
    assert knn.pipeline_name("similar", "ro") in sent
    similar(service, "forgot my password")
    assert [s["params"].get("search_pipeline") for s in knn_cluster.searches][-1] == (
        knn.pipeline_name("similar", "en")
    )


def test_pipelines_follow_the_weights_at_a_rebuild(knn, knn_cluster, semantic):
    knn.ensure_index()
    semantic.SEARCH_SEMANTIC_WEIGHTS = "similar=0.6"
    new = knn.create_version()
    knn.switch_to(new)
    stored = knn_cluster.pipelines[knn.pipeline_name("similar")]
    assert stored == pipeline_body("similar", 0.6)
    ours = {n: b for n, b in knn_cluster.pipelines.items() if n.startswith(f"{knn.alias}-")}
    assert knn.ensure_pipelines(force=True) == ours  # the same: nothing changes


def test_the_hybrid_query_finds_by_meaning_and_keeps_lexical_matches_on_top(
    knn_indexed, knn_cluster
):
    service = SearchService(knn_indexed, verify=False)
    paraphrase = "how can I cross out my text"
    assert similar(SearchService(knn_indexed, verify=False, mode="lexical"), paraphrase) == []
    assert similar(service, paraphrase)[0] == "article:1"  # no word in common
    assert similar(service, "forgot my password")[0] == "article:2"
    assert similar(service, "xylophone quarterly zebra") == []
    sent = _hybrid_requests(knn_cluster, "similar")[-1]
    assert sent["path"] == f"/{knn_indexed.alias}/_search"
    assert "hybrid" in sent["body"]["query"]


def test_the_knn_side_obeys_access_terms(knn_indexed, knn_cluster):
    paraphrase = "cheaper yearly price when a partner renews ahead of time"
    service = SearchService(knn_indexed, verify=False)
    assert "article:4" not in similar(service, paraphrase, access=PUBLIC)
    sent = _hybrid_requests(knn_cluster, "similar")[-1]["body"]
    knn = sent["query"]["hybrid"]["queries"][1]["knn"]["vector_minilm"]
    assert {"terms": {"access": PUBLIC}} in knn["filter"]["bool"]["filter"]
    assert similar(service, paraphrase, access=[*PUBLIC, *INSIDERS])[0] == "article:4"
    assert similar(service, paraphrase, access=None)[0] == "article:4"  # staff
    # The backend's own vector search (the service's semantic mode) is filtered too.
    from search.embeddings import get_encoder

    vectors = {"minilm": get_encoder("en").encode_queries([paraphrase])[0]}
    hits = knn_indexed.vector_search(SearchQuery(access=PUBLIC), vectors, limit=10).hits
    assert hits and "article:4" not in {h.id for h in hits}


def test_the_search_page_explains_the_hybrid_scores(knn_indexed):
    service = SearchService(knn_indexed, verify=False)
    page = service.search(
        SearchRequest(q="how can I cross out my text", debug=True, reader_language="en"),
        None,
        person=Person(access=PUBLIC),
    )
    assert page.results[0].id == "article:1"
    labels = dict(page.results[0].explanation)
    assert labels["lexical score (BM25)"] == "not found this way"
    assert float(labels["semantic score (cosine)"]) > 0.3
    assert page.vectors.startswith("knn")


def test_an_index_built_without_knn_is_reranked_until_rebuilt(semantic, request, tmp_path):
    prefix = unique_prefix()
    plain = make_backend(
        "knn",
        request,
        tmp_path,
        prefix=prefix,
        vector_setting="rerank",
        vector_cache_path=tmp_path / "v.sqlite3",
    )
    plain.ensure_index()
    plain.upsert(corpus())
    plain.refresh()
    knn = make_backend(
        "knn", request, tmp_path, prefix=prefix, vector_cache_path=tmp_path / "v.sqlite3"
    )
    try:
        assert knn.vector_mode == "knn" and not knn.knn_ready()
        service = SearchService(knn, verify=False)
        assert similar(service, "forgot my password")[0] == "article:2"
        assert similar(service, "how can I cross out my text") == []  # re-ranked only
        version = knn.create_version()
        knn.upsert(corpus(), version=version)
        knn.switch_to(version)
        knn.index_vectors()  # read again after the switch
        assert knn.knn_ready()
        assert similar(service, "how can I cross out my text")[0] == "article:1"
    finally:
        knn.drop_all()
        knn.close()
        plain.close()


def test_a_refused_hybrid_query_leaves_lexical_search(knn_indexed, knn_cluster, caplog):
    lexical = similar(SearchService(knn_indexed, verify=False, mode="lexical"), "password")
    # The cluster lost its pipelines (restored from a snapshot, deleted by hand): the
    # hybrid query is refused, and the search is lexical.
    knn_cluster.pipelines.clear()
    before = metrics.snapshot().get("search.semantic_unavailable", 0)
    with caplog.at_level(logging.WARNING, logger="search.service.hybrid"):
        assert similar(SearchService(knn_indexed, verify=False), "password") == lexical
    assert "hybrid query failed" in caplog.text
    assert metrics.snapshot().get("search.semantic_unavailable", 0) > before
    # The next rebuild (or process) puts them back.
    knn_indexed.switch_to(knn_indexed.current_version())
    assert set(knn_cluster.pipelines) == set(knn_indexed.wanted_pipelines())
    assert len(knn_cluster.pipelines) == len(DEFAULT_WEIGHTS) * 4  # per use, and per language


def test_a_missing_encoder_leaves_lexical_search_on_knn(knn_indexed, semantic):
    semantic.SEARCH_EMBEDDINGS_MODELS = "en=no-such-model"
    service = SearchService(knn_indexed, verify=False)
    assert similar(service, "password reset") == ["article:2"]
    assert similar(service, "how can I cross out my text") == []
    # Writes go on too: the document is indexed without a vector.
    knn_indexed.upsert([corpus()[0]])
    knn_indexed.refresh()
    stored = knn_indexed.client.get(index=knn_indexed.alias, id="article:1")["_source"]
    assert "vector_minilm" not in stored and "semantic" not in stored
    assert similar(service, "strikethrough formatting") == ["article:1"]
