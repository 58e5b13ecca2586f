"""Semantic search on the embedded backend: document vectors stored with each index
version and cached by content hash, the vector side filtered by access like the lexical
side, hybrid fusion in the search service, and lexical search whatever the encoders do.

Corpora are tiny: the encoders are real (MiniLM for English) and slow on small machines.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest
from django.core.checks import run_checks

from core import metrics
from search.backends import SearchBackendError
from search.backends.vectorstore import FILE_NAME, VectorStore
from search.ranking import Person
from search.schema import SearchHit, SearchQuery
from search.service import SearchService
from search.service.hybrid import fuse, parse_weights, query_language, semantic_weights
from search.vectors import VectorCache, embed_documents, encoder_text, query_vectors
from tests.search import test_access
from tests.search.support import BACKENDS, doc, make_backend

# The service reads editors' synonyms from the database.
pytestmark = pytest.mark.django_db

PUBLIC = ["public"]
INSIDERS = ["segment:9"]


def corpus():
    return [
        doc(
            1,
            "Strikethrough formatting",
            text="Wrap words in two tildes to draw a line through them.",
        ),
        doc(2, "Reset your password", text="Use the sign-in page link to choose a new one."),
        doc(3, "Export invoices", text="Download every invoice as a spreadsheet file."),
        doc(
            4,
            "Restricted: renewal discounts for partners",
            text="Partners renewing early get a price reduction on the yearly plan.",
            access=INSIDERS,
        ),
    ]


@pytest.fixture
def semantic(settings):
    settings.SEARCH_SEMANTIC = "on"
    settings.SEARCH_EMBEDDINGS = "auto"
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=e5-small,ro=e5-small"
    settings.SEARCH_SEMANTIC_WEIGHTS = ""
    return settings


@pytest.fixture
def indexed(semantic, request, tmp_path):
    backend = make_backend("embedded", request, tmp_path)
    backend.ensure_index()
    backend.upsert(corpus())
    yield backend
    backend.drop_all()
    backend.close()


def similar(service, text, access=PUBLIC, **options):
    return [
        r.id
        for r in service.similar(
            text, None, person=Person(access=access), language="en", types=["article"], **options
        )
    ]


def store_ids(backend) -> set[str]:
    return VectorStore(backend.root / backend.current_version()).ids()


# --- Writes ------------------------------------------------------------------------------


def test_documents_get_vectors_beside_their_index_version(indexed):
    assert store_ids(indexed) == {"article:1", "article:2", "article:3", "article:4"}
    assert (indexed.root / indexed.current_version() / FILE_NAME).is_file()
    indexed.delete(["article:3"])
    assert "article:3" not in store_ids(indexed)


def test_a_rebuild_reuses_cached_vectors_and_switches_them_with_the_index(indexed):
    old = indexed.current_version()
    cache = indexed.vector_cache()
    assert len(cache) == 4
    new = indexed.create_version()
    changed = [*corpus()[:3]]
    changed[2].text = "Download every invoice as a PDF."
    indexed.upsert(changed, version=new)
    assert len(cache) == 5, "only the changed text is embedded again"
    # Searches read the old version's vectors until the switch.
    assert store_ids(indexed) == {"article:1", "article:2", "article:3", "article:4"}
    indexed.switch_to(new)
    assert store_ids(indexed) == {"article:1", "article:2", "article:3"}
    indexed.drop_old_versions()
    assert not (indexed.root / old).exists()


def test_embedding_is_cached_by_content_hash(semantic, tmp_path):
    cache = VectorCache(tmp_path / "cache.sqlite3")
    documents = corpus()[:2]
    first, stats = embed_documents(documents, cache)
    assert (stats.embedded, stats.cached, stats.failed) == (2, 0, 0)
    again, stats = embed_documents(documents, cache)
    assert (stats.embedded, stats.cached) == (0, 2)
    assert (first["article:1"].vector == again["article:1"].vector).all()
    documents[0].title = "Cross out text"
    _, stats = embed_documents(documents, cache)
    assert (stats.embedded, stats.cached) == (1, 1)


def test_a_thread_is_embedded_as_its_whole_text_and_its_opening(semantic, tmp_path):
    from search.embeddings import get_encoder

    cache = VectorCache(tmp_path / "cache.sqlite3")
    question = "How do I cross out words in a post?"
    answers = "Thanks, that worked.\n\nAlso, my printer jams when I print the invoice."
    thread = doc(7, "Crossing out text", text=f"{question}\n\n{answers}")
    found, stats = embed_documents([thread], cache)
    assert (stats.embedded, len(cache)) == (1, 2)
    encoder = get_encoder("en")
    whole, opening = encoder.encode_passages(
        [
            "Crossing out text\n" + " ".join(f"{question}\n\n{answers}".split()),
            f"Crossing out text\n{question}",
        ]
    )
    mean = (whole + opening) / np.linalg.norm(whole + opening)
    assert np.allclose(found["article:7"].vector, mean, atol=1e-5)
    assert abs(float(np.linalg.norm(found["article:7"].vector)) - 1.0) < 1e-5
    # A new answer changes the whole text only: the opening comes from the cache.
    thread.text += "\n\nUse two tildes."
    _, stats = embed_documents([thread], cache)
    assert (stats.embedded, len(cache)) == (1, 3)
    # A one-paragraph document is one view: its vector is the encoder's own.
    single = doc(8, "Export invoices", text="Download every invoice as a spreadsheet file.")
    found, _ = embed_documents([single], cache)
    expected = encoder.encode_passages(
        ["Export invoices\nDownload every invoice as a spreadsheet file."]
    )[0]
    assert np.allclose(found["article:8"].vector, expected, atol=1e-6)
    assert len(cache) == 4


def test_letters_typed_two_ways_reach_the_encoder_one_way(semantic):
    assert encoder_text("Aceşti paşi ţin", "ro") == "Acești pași țin"
    assert encoder_text("ŞI ŢARA", "ro-RO") == "ȘI ȚARA"
    assert encoder_text("كيف يمكنني", "fa") == "کیف یمکننی"
    assert encoder_text("Beşiktaş", "en") == "Beşiktaş"  # other languages as written
    # A question typed with cedillas is the question typed with commas, on both sides.
    typed, written = (
        "Cum îmi schimb setările contului şi ţara?",
        "Cum îmi schimb setările contului și țara?",
    )
    assert np.array_equal(
        query_vectors(typed, ["ro"])["e5-small"], query_vectors(written, ["ro"])["e5-small"]
    )
    found, _stats = embed_documents(
        [
            doc(1, typed, locale="ro"),
            doc(2, written, locale="ro"),
            doc(3, "كتاب", locale="fa"),
            doc(4, "کتاب", locale="fa"),
        ]
    )
    assert np.array_equal(found["article:1"].vector, found["article:2"].vector)
    assert np.array_equal(found["article:3"].vector, found["article:4"].vector)


def test_an_encoder_failure_never_blocks_lexical_indexing(semantic, request, tmp_path, caplog):
    semantic.SEARCH_EMBEDDINGS_MODELS = "en=no-such-model"
    backend = make_backend("embedded", request, tmp_path)
    before = metrics.snapshot().get("search.embedding_failed", 0)
    with caplog.at_level(logging.WARNING, logger="search.vectors"):
        backend.upsert(corpus())
    assert "without vectors" in caplog.text
    assert metrics.snapshot().get("search.embedding_failed", 0) == before + 4
    assert store_ids(backend) == set()
    service = SearchService(backend, verify=False)
    assert similar(service, "strikethrough formatting") == ["article:1"]
    backend.drop_all()


# --- Reads -------------------------------------------------------------------------------


def test_a_paraphrase_finds_the_article_by_meaning(indexed):
    paraphrase = "how can I cross out my text"
    assert similar(SearchService(indexed, verify=False, mode="lexical"), paraphrase) == []
    found = similar(SearchService(indexed, verify=False), paraphrase)
    assert found[0] == "article:1"
    assert similar(SearchService(indexed, verify=False), "xylophone quarterly zebra") == []


def test_the_vector_side_obeys_access_terms(indexed):
    paraphrase = "cheaper yearly price when a partner renews ahead of time"
    service = SearchService(indexed, verify=False)
    assert "article:4" not in similar(service, paraphrase, access=PUBLIC)
    assert similar(service, paraphrase, access=[*PUBLIC, *INSIDERS])[0] == "article:4"
    assert similar(service, paraphrase, access=None)[0] == "article:4"  # staff
    # The backend's own vector search, whatever the service does.
    vectors = {"minilm": _query_vector(paraphrase)}
    hits = indexed.vector_search(SearchQuery(access=PUBLIC), vectors, limit=10).hits
    assert "article:4" not in {h.id for h in hits} and hits
    # Filters apply too.
    only = SearchQuery(access=None, filters={"id": ["article:2"]})
    assert [h.id for h in indexed.vector_search(only, vectors, limit=10).hits] == ["article:2"]


def test_documents_the_query_found_lexically_are_not_looked_up_again(indexed):
    vectors = {"minilm": _query_vector("forgot my password, how do I choose a new one")}
    query = SearchQuery(access=PUBLIC)
    plain = indexed.vector_search(query, vectors, limit=10).hits
    lexical = {h.id: h.document for h in plain if h.id == "article:2"}
    assert lexical, "the password article is among the vector candidates"
    known = {"article:2": replace(lexical["article:2"], title="as the lexical side read it")}
    hits = indexed.vector_search(query, vectors, limit=10, confirmed=known).hits
    assert [(h.id, h.score) for h in hits] == [(h.id, h.score) for h in plain]
    by_id = {h.id: h.document for h in hits}
    assert by_id["article:2"] is known["article:2"]  # taken as given, not read again
    assert by_id["article:3"] == next(h.document for h in plain if h.id == "article:3")
    # Only what this query's own rules let through counts: the restricted article is
    # still refused to the public, whatever a caller claims to have confirmed.
    claimed = {"article:4": replace(lexical["article:2"], id="article:4")}
    refused = indexed.vector_search(query, vectors, limit=10, confirmed=claimed).hits
    assert "article:4" not in {h.id for h in refused}


def test_hybrid_keeps_lexical_matches_on_top(indexed):
    service = SearchService(indexed, verify=False)
    assert similar(service, "forgot my password")[0] == "article:2"
    assert similar(service, "export invoices spreadsheet")[0] == "article:3"


def test_search_page_fuses_and_explains_both_parts(indexed):
    from search.service import SearchRequest

    service = SearchService(indexed, verify=False)
    page = service.search(
        SearchRequest(q="how can I cross out my text", debug=True, reader_language="en"),
        None,
        person=Person(access=PUBLIC),
    )
    assert page.results and page.results[0].id == "article:1"
    labels = dict(page.results[0].explanation)
    assert labels["lexical score (BM25)"] == "not found this way"
    assert float(labels["semantic score (cosine)"]) > 0.3
    assert page.total >= 1


def test_query_encoding_failure_leaves_lexical_search_working(indexed, semantic, caplog):
    lexical = similar(SearchService(indexed, verify=False, mode="lexical"), "password reset")
    semantic.SEARCH_EMBEDDINGS_MODELS = "en=no-such-model"
    before = metrics.snapshot().get("search.semantic_unavailable", 0)
    assert similar(SearchService(indexed, verify=False), "password reset") == lexical
    assert similar(SearchService(indexed, verify=False), "cross out my text") == []
    assert metrics.snapshot().get("search.semantic_unavailable", 0) > before


def test_semantic_off_is_lexical_only(indexed, semantic):
    semantic.SEARCH_SEMANTIC = "off"
    assert similar(SearchService(indexed, verify=False), "how can I cross out my text") == []


def test_a_failing_vector_search_is_not_a_failed_search(indexed, monkeypatch):
    def broken(*args, **kwargs):
        raise SearchBackendError("vectors unreadable")

    monkeypatch.setattr(indexed, "vector_search", broken)
    assert similar(SearchService(indexed, verify=False), "password reset") == ["article:2"]


# --- Fusion and settings -----------------------------------------------------------------


def _hit(doc_id, score):
    return SearchHit(id=doc_id, score=score, document=doc(doc_id.split(":")[1]))


def test_fuse_normalises_each_side_and_weights_them():
    lexical = [_hit("article:1", 12.0), _hit("article:2", 6.0), _hit("article:3", 2.0)]
    semantic = [_hit("article:3", 0.9), _hit("article:4", 0.5)]
    fused = {h.id: h for h in fuse(lexical, semantic, 0.5)}
    assert fused["article:1"].score == pytest.approx(0.5)
    assert fused["article:2"].score == pytest.approx(0.5 * 0.4)
    assert fused["article:3"].score == pytest.approx(0.5)
    assert fused["article:4"].score == pytest.approx(0.0)
    assert (fused["article:3"].lexical, fused["article:3"].semantic) == (2.0, 0.9)
    assert fused["article:4"].lexical is None
    assert [h.id for h in fuse(lexical, semantic, 1.0)][:1] == ["article:3"]
    assert [h.id for h in fuse(lexical, [], 0.5)] == ["article:1", "article:2", "article:3"]


def test_weights_and_switch_are_checked_at_start(settings):
    assert parse_weights("search=0.2, related=1") == {"search": 0.2, "related": 1.0}
    for bad in ("typeahead=0.5", "search=2", "search=x"):
        with pytest.raises(ValueError):
            parse_weights(bad)
    settings.SEARCH_SEMANTIC_WEIGHTS = "search=1.5"
    settings.SEARCH_SEMANTIC = "maybe"
    ids = {m.id for m in run_checks()}
    assert {"portico.E024", "portico.E025"} <= ids


def test_a_language_can_have_its_own_weights(settings):
    settings.SEARCH_SEMANTIC_WEIGHTS = ""
    # Built in: Romanian leans less on its vectors than English and Persian do.
    assert semantic_weights("ro")["similar"] == 0.5
    assert semantic_weights("ro-RO")["suggestions"] == 0.5
    assert semantic_weights("en")["similar"] == semantic_weights("fa")["similar"] == 0.8
    assert semantic_weights(None)["similar"] == 0.8  # several languages: the use's weight
    assert semantic_weights("ro")["search"] == semantic_weights()["search"]
    # What the setting says beats the built-in defaults; its language entries beat its uses.
    settings.SEARCH_SEMANTIC_WEIGHTS = "similar=0.7"
    assert semantic_weights("ro")["similar"] == semantic_weights("en")["similar"] == 0.7
    settings.SEARCH_SEMANTIC_WEIGHTS = "similar=0.7, RO:similar=0.6, fa:search=0.4"
    assert semantic_weights("ro")["similar"] == 0.6
    assert semantic_weights("en")["similar"] == 0.7
    assert (semantic_weights("fa")["search"], semantic_weights("en")["search"]) == (0.4, 0.5)
    assert parse_weights("ro:similar=0.6") == {"ro:similar": 0.6}
    for bad in ("de:similar=0.5", "ro:typeahead=0.5", "ro:similar=1.5"):
        with pytest.raises(ValueError):
            parse_weights(bad)
    assert (query_language(["ro"]), query_language(["fa-IR"])) == ("ro", "fa")
    assert query_language(["en", "ro"]) is None


def test_a_query_is_fused_with_its_languages_weight(indexed, settings):
    service = SearchService(indexed, verify=False)
    settings.SEARCH_SEMANTIC_WEIGHTS = "similar=0.8,ro:similar=0.3"
    assert service.semantic_weight("similar", ("ro",)) == 0.3
    assert service.semantic_weight("similar", ("en",)) == 0.8
    assert service.semantic_weight("similar", ("en", "ro")) == 0.8
    # A paraphrase with no word in common ranks by meaning alone, in either language...
    assert similar(service, "how can I cross out my text")[:1] == ["article:1"]
    # ... and with the Romanian weight at 0 the vector side is not asked at all.
    settings.SEARCH_SEMANTIC_WEIGHTS = "ro:similar=0"
    query = SearchQuery(access=PUBLIC, languages=("ro",))
    assert (
        service.semantic_hits(query, "how can I cross out my text", use="similar", limit=5) is None
    )
    assert service.semantic_hits(
        SearchQuery(access=PUBLIC, languages=("en",)), "cross out text", use="similar", limit=5
    )


def _query_vector(text):
    from search.embeddings import get_encoder

    return get_encoder("en").encode_queries([text])[0]


# --- Site content through the indexing queue and the database re-check -------------------

secret = test_access.secret  # the restricted article and question of the access tests

ARTICLE_PARAPHRASE = "experimental integration that continuously sends my data store content"
QUESTION_PARAPHRASE = "new trial integration losing records overnight"
RESTRICTED_TITLES = {"Warehouse beta connector", "Quetzalcoatl connector drops rows"}


def _search(user, text):
    from search import service
    from search.service import SearchRequest

    return service.search(SearchRequest(q=text), user).results


def _reachable_titles(user) -> set[str]:
    from search import service
    from search.service import SearchRequest

    titles = set()
    for text in (ARTICLE_PARAPHRASE, QUESTION_PARAPHRASE):
        titles |= {r.title for r in service.search(SearchRequest(q=text), user).results}
        titles |= {r.title for r in service.similar(text, user)}
    return titles


@pytest.mark.parametrize("site_backend", [*BACKENDS, "knn"], indirect=True)
def test_a_restricted_items_paraphrase_finds_nothing_for_outsiders(
    semantic, secret, products, other_member, site_backend
):
    from tests.factories import grant

    other_member.declared_products.set([products["ledger"]])  # declaring unlocks nothing
    for user in (None, other_member):
        assert not _reachable_titles(user) & RESTRICTED_TITLES
    grant(other_member, products["ledger"])
    member = type(other_member).objects.get(pk=other_member.pk)
    reachable = _reachable_titles(member)
    if site_backend.vector_mode in ("exact", "knn"):
        # The same paraphrases reach them once access is granted: by meaning alone.
        assert reachable >= RESTRICTED_TITLES
    else:
        # OpenSearch without k-NN re-ranks what the words find: the paraphrases share
        # no word with the restricted items, so they stay out of reach for everyone.
        assert site_backend.vector_mode == "rerank"
        assert not reachable & RESTRICTED_TITLES
        found = {r.title for r in _search(member, "warehouse beta connector streams tables")}
        assert "Warehouse beta connector" in found
        # The vector side re-ranks only what the outsider's access lets the words find.
        assert "Warehouse beta connector" not in {
            r.title for r in _search(None, "warehouse beta connector streams tables")
        }


# --- OpenSearch (osmem-server): vectors in the source, the lexical candidates re-ranked ---


@pytest.fixture
def indexed_os(semantic, request, tmp_path):
    backend = make_backend("osmem", request, tmp_path, vector_cache_path=tmp_path / "c.sqlite3")
    backend.ensure_index()
    backend.upsert(corpus())
    backend.refresh()
    yield backend
    backend.drop_all()
    backend.close()


def test_opensearch_reranks_lexical_candidates_by_stored_vectors(indexed_os):
    assert indexed_os.vector_mode == "rerank"
    assert len(indexed_os.vector_cache()) == 4
    vectors = {"minilm": _query_vector("cheaper yearly price when a partner renews")}
    everything = [f"article:{n}" for n in range(1, 5)]
    public = indexed_os.vector_search(SearchQuery(access=PUBLIC), vectors, exempt=everything)
    assert "article:4" not in public.ids and len(public.ids) == 3
    staff = indexed_os.vector_search(SearchQuery(access=None), vectors, exempt=everything)
    assert staff.ids[0] == "article:4"
    # Only the candidates given are scored: nothing is found by meaning alone.
    assert indexed_os.vector_search(SearchQuery(access=None), vectors, exempt=[]).hits == []
    # Searches do not carry the vectors back.
    hit = indexed_os.search(SearchQuery(text="password")).hits[0]
    assert hit.id == "article:2"


def test_opensearch_hybrid_ranks_and_survives_an_encoder_failure(indexed_os, semantic):
    service = SearchService(indexed_os, verify=False)
    # "export" and "password" both match lexically; the meaning decides.
    assert similar(service, "export my forgotten password reset link")[0] == "article:2"
    semantic.SEARCH_EMBEDDINGS_MODELS = "en=no-such-model"
    assert similar(SearchService(indexed_os, verify=False), "password") == ["article:2"]
