"""The embedded backend's approximate vector index (an inverted file beside the rows)."""

import sqlite3

import numpy as np
import pytest

from indexing.services import rebuild
from search.backends.vectorstore import (
    FILE_NAME,
    VectorRow,
    VectorStore,
    assign_groups,
    group_count,
    train_centroids,
)
from search.vectors import VectorCache
from tests.factories import make_article, make_category
from tests.search.support import make_backend

DIMS = 32


def clustered(count: int, *, seed: int = 1, topics: int = 40) -> np.ndarray:
    """Unit vectors around ``topics`` directions, like sentence vectors of a help center."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(topics, DIMS))
    picks = rng.integers(0, topics, size=count)
    vectors = centres[picks] + 0.35 * rng.normal(size=(count, DIMS))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def rows(vectors: np.ndarray, *, start: int = 0, restricted_every: int = 0) -> list[VectorRow]:
    out = []
    for n, vector in enumerate(vectors, start=start):
        restricted = restricted_every and n % restricted_every == 0
        out.append(
            VectorRow(
                id=f"article:{n:05d}",
                model="minilm",
                vector=vector,
                type="article",
                locale="en",
                access=["segment:9"] if restricted else ["public"],
            )
        )
    return out


@pytest.fixture
def ann(settings):
    settings.SEARCH_VECTOR_ANN_MIN = 1000


@pytest.fixture
def store(tmp_path, ann):
    store = VectorStore(tmp_path)
    store.create()
    store.exact_max = 50  # the index is used for anyone allowed to see more than 50 rows
    yield store
    store.close()


def test_centroids_are_unit_vectors_and_group_every_row():
    vectors = clustered(2000)
    centroids = train_centroids(vectors, group_count(len(vectors)))
    assert centroids.shape == (group_count(2000), DIMS)
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=1), 1.0, rtol=1e-4)
    groups = assign_groups(vectors, centroids)
    assert groups.min() >= 0 and groups.max() < len(centroids)
    # Each row's group is the centroid closest to it.
    best = np.argmax(vectors @ centroids.T, axis=1)
    assert (groups == best).all()


def test_below_the_threshold_every_vector_is_scored(tmp_path, settings):
    settings.SEARCH_VECTOR_ANN_MIN = 5000
    store = VectorStore(tmp_path)
    store.apply(upserts=rows(clustered(1200)))
    assert store.index_state() == {"minilm": {"vectors": 1200, "groups": 0, "approximate": False}}


def test_the_index_is_trained_at_the_threshold_and_finds_what_exact_scoring_finds(store):
    vectors = clustered(1500)
    store.apply(upserts=rows(vectors))
    state = store.index_state()["minilm"]
    assert state == {"vectors": 1500, "groups": group_count(1500), "approximate": True}

    rng = np.random.default_rng(7)
    overlap = []
    for n in rng.choice(len(vectors), 40, replace=False):
        query = vectors[n]
        store.use_index = True
        approximate = [doc_id for doc_id, _ in store.nearest({"minilm": query}, access=None)[:10]]
        store.use_index = False
        exact = [doc_id for doc_id, _ in store.nearest({"minilm": query}, access=None)[:10]]
        assert approximate[0] == exact[0] == f"article:{n:05d}"
        overlap.append(len(set(approximate) & set(exact)) / 10)
    assert np.mean(overlap) >= 0.9


def test_the_index_obeys_access_terms(store):
    vectors = clustered(1500)
    store.apply(upserts=rows(vectors, restricted_every=3))
    assert store.index_state()["minilm"]["approximate"]
    for n in (0, 3, 300, 1497):  # restricted rows, asked for by their own vector
        found = store.nearest({"minilm": vectors[n]}, access=["public"], limit=50)
        assert found and all(int(doc_id.split(":")[1]) % 3 for doc_id, _ in found)
        assert f"article:{n:05d}" in dict(store.nearest({"minilm": vectors[n]}, access=None))


def test_kept_prefilters_follow_each_signature_and_every_write(tmp_path):
    store = VectorStore(tmp_path)
    store.create()
    vectors = clustered(60)
    store.apply(upserts=rows(vectors, restricted_every=3))
    insiders, public = ["public", "segment:9"], ["public"]
    for _round in range(2):  # the second round reads the masks kept by the first
        for access, expected in ((public, 40), (insiders, 60), (None, 60), (public, 40)):
            found = store.nearest({"minilm": vectors[0]}, access=access, limit=100)
            assert len(found) == expected
        assert store.nearest({"minilm": vectors[0]}, access=public, locales=["ro"]) == []
    # A write turns a public row restricted: the next search sees it restricted at once.
    moved = rows(vectors[1:2], start=1)[0]
    moved.access = ["segment:9"]
    store.apply(upserts=[moved])
    found = dict(store.nearest({"minilm": vectors[1]}, access=public, limit=100))
    assert len(found) == 39 and "article:00001" not in found
    store.close()


def test_rows_written_after_training_join_a_group_and_are_found(store, tmp_path):
    store.apply(upserts=rows(clustered(1200)))
    later = clustered(20, seed=5)
    store.apply(upserts=rows(later, start=5000))
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        loose = connection.execute("SELECT count(*) FROM vectors WHERE grp < 0").fetchone()[0]
    assert loose == 0
    for n, vector in enumerate(later, start=5000):
        assert store.nearest({"minilm": vector}, access=None, limit=1)[0][0] == f"article:{n:05d}"


def test_the_index_is_trained_again_when_the_vectors_double(store):
    store.apply(upserts=rows(clustered(1000)))
    assert store.index_state()["minilm"]["groups"] == group_count(1000)
    store.apply(upserts=rows(clustered(900, seed=2), start=1000))
    assert store.index_state()["minilm"]["groups"] == group_count(1000)
    store.apply(upserts=rows(clustered(200, seed=3), start=1900))
    assert store.index_state()["minilm"]["groups"] == group_count(2100)


def test_a_file_written_before_the_index_is_read_and_indexed(tmp_path, ann):
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        connection.executescript(
            """
            CREATE TABLE vectors (id TEXT PRIMARY KEY, parent TEXT NOT NULL DEFAULT '',
                model TEXT NOT NULL, type TEXT NOT NULL, locale TEXT NOT NULL,
                access TEXT NOT NULL, vector BLOB NOT NULL);
            CREATE TABLE generation (value INTEGER NOT NULL);
            INSERT INTO generation (value) VALUES (3);
            """
        )
        vectors = clustered(1100)
        connection.executemany(
            "INSERT INTO vectors VALUES (?, '', 'minilm', 'article', 'en', '[\"public\"]', ?)",
            [(f"article:{n:05d}", v.tobytes()) for n, v in enumerate(vectors)],
        )
    store = VectorStore(tmp_path)
    assert store.nearest({"minilm": vectors[4]}, access=None, limit=1)[0][0] == "article:00004"
    assert store.train_if_due("minilm")
    store.exact_max = 50
    assert store.index_state()["minilm"]["approximate"]
    assert store.nearest({"minilm": vectors[4]}, access=None, limit=1)[0][0] == "article:00004"


def test_the_threshold_zero_turns_the_index_off(tmp_path, settings):
    settings.SEARCH_VECTOR_ANN_MIN = 0
    store = VectorStore(tmp_path)
    store.apply(upserts=rows(clustered(1200)))
    assert store.index_state()["minilm"]["groups"] == 0


# --- The cache of document vectors -------------------------------------------------------


def age(path, key, days):
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE vectors SET used = used - ? WHERE key = ?", (days, key))


def test_cached_vectors_no_index_has_used_for_a_while_are_forgotten(tmp_path):
    cache = VectorCache(tmp_path / "cache.sqlite3")
    cache.put_many({"kept": np.ones(4, np.float32), "stale": np.zeros(4, np.float32)})
    for key in ("kept", "stale"):
        age(cache.path, key, 40)
    assert set(cache.get_many(["kept"])) == {"kept"}  # read today: used again
    assert cache.prune(30) == 1
    assert set(cache.get_many(["kept", "stale"])) == {"kept"}
    assert cache.prune(30) == 0


def test_a_cache_written_before_entries_knew_their_day_is_read_and_pruned(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        connection.executemany(
            "INSERT INTO vectors VALUES (?, ?)",
            [(key, np.ones(4, np.float32).tobytes()) for key in ("a", "b")],
        )
    cache = VectorCache(path)
    assert set(cache.get_many(["a"])) == {"a"}
    assert cache.prune(30) == 1  # "b" was never used since
    assert len(cache) == 1


@pytest.mark.django_db
def test_a_rebuild_forgets_vectors_of_texts_no_longer_indexed(settings, home, request, tmp_path):
    settings.SEARCH_SEMANTIC = "on"
    settings.SEARCH_EMBEDDINGS = "auto"
    settings.SEARCH_EMBEDDINGS_MODELS = "en=minilm,fa=e5-small,ro=e5-small"
    backend = make_backend("embedded", request, tmp_path)
    make_article(make_category(), "Strikethrough formatting", body="Two tildes.")
    rebuild(backend=backend)
    cache = backend.vector_cache()
    before = len(cache)
    assert before >= 1
    cache.put_many({"gone": np.ones(384, np.float32)})
    age(cache.path, "gone", 45)
    rebuild(backend=backend)
    assert len(cache) == before, "the stale text is forgotten, the article's vector kept"
    backend.drop_all()
    backend.close()
