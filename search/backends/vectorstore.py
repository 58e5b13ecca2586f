"""Document vectors beside an embedded index version, searched exactly with numpy.

One SQLite file per index version (``<version>/portico-vectors.sqlite3``): it is created,
switched and dropped with the tantivy folder it sits in, so the atomic switch of
``CURRENT`` covers both. A row holds a document's vector, the model that made it and the
fields the vector side filters on before scoring (access terms, type, locale); hits are
then confirmed by the lexical index with the query's own access terms and filters
(``EmbeddedBackend.vector_search``), so both sides apply exactly the same rules.

Readers keep the vectors of a version in memory, one matrix per model, and reload them
when a write has changed the file (a generation counter in the file).

Up to ``SEARCH_VECTOR_ANN_MIN`` vectors of a model (50,000 by default) every vector a
person may see is scored. From there on the writer keeps an approximate index beside the
rows (an inverted file): the model's vectors are grouped around ``sqrt(n)`` centroids
(spherical k-means on a sample, trained again when the model has twice as many vectors)
and every row carries the number of its group. A search scores the centroids, then only
the rows of the closest fifth of the groups (``PROBE_SHARE``) and rows not yet grouped;
a person allowed to see few rows (at most ``EXACT_MAX``) has those scored exactly, and
candidate lists (``ids``) are always scored exactly. ``search_bench --vectors`` reports
the index's recall against exact scoring.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FILE_NAME = "portico-vectors.sqlite3"
#: Vectors of one model from which the approximate index is kept and used (a setting,
#: ``SEARCH_VECTOR_ANN_MIN``; 0 turns it off).
ANN_MIN = 50_000
#: Share of the groups whose rows a search scores.
PROBE_SHARE = 0.2
#: A person allowed to see at most this many of a model's rows has them scored exactly.
EXACT_MAX = 20_000
#: Pre-filter masks kept per loaded matrix (one per access signature and filters).
MASKS_KEPT = 64
#: Rows k-means learns the centroids from, and its rounds.
TRAIN_SAMPLE = 16_384
TRAIN_ROUNDS = 8


def ann_min() -> int:
    try:
        from django.conf import settings

        value = getattr(settings, "SEARCH_VECTOR_ANN_MIN", ANN_MIN)
    except Exception:  # used without Django settings (benchmarks, scripts)
        value = ANN_MIN
    return max(0, int(value))


def group_count(rows: int) -> int:
    """Groups of the inverted file for ``rows`` vectors: about their square root."""
    return max(16, min(4096, round(math.sqrt(rows))))


def train_centroids(vectors: np.ndarray, groups: int, *, seed: int = 0) -> np.ndarray:
    """Spherical k-means on a sample of ``vectors`` (unit rows): ``groups`` unit centroids."""
    rng = np.random.default_rng(seed)
    sample = vectors
    if len(vectors) > TRAIN_SAMPLE:
        sample = vectors[np.sort(rng.choice(len(vectors), TRAIN_SAMPLE, replace=False))]
    groups = min(groups, len(sample))
    centroids = sample[rng.choice(len(sample), groups, replace=False)].astype(np.float32)
    for _ in range(TRAIN_ROUNDS):
        assigned = np.argmax(sample @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assigned, sample)
        counts = np.bincount(assigned, minlength=groups)
        empty = np.flatnonzero(counts == 0)
        if len(empty):  # an empty group starts again from a random row
            sums[empty] = sample[rng.choice(len(sample), len(empty), replace=False)]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centroids = (sums / np.maximum(norms, 1e-12)).astype(np.float32)
    return centroids


def assign_groups(vectors: np.ndarray, centroids: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """The closest centroid of each row."""
    out = np.empty(len(vectors), dtype=np.int32)
    for start in range(0, len(vectors), chunk):
        part = vectors[start : start + chunk]
        out[start : start + len(part)] = np.argmax(part @ centroids.T, axis=1)
    return out


_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    id TEXT PRIMARY KEY,
    parent TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL,
    type TEXT NOT NULL,
    locale TEXT NOT NULL,
    access TEXT NOT NULL,
    vector BLOB NOT NULL,
    grp INTEGER NOT NULL DEFAULT -1
);
CREATE INDEX IF NOT EXISTS vectors_parent ON vectors (parent);
CREATE TABLE IF NOT EXISTS generation (value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS centroids (
    model TEXT PRIMARY KEY,
    trained_on INTEGER NOT NULL,
    vectors BLOB NOT NULL
);
"""


@dataclass
class VectorRow:
    id: str
    model: str
    vector: np.ndarray
    type: str
    locale: str
    access: list[str]
    parent: str = ""


@dataclass
class _Matrix:
    """The vectors of one model, with what the pre-filter needs (types and locales as
    small integer codes, access terms as row numbers)."""

    ids: list[str]
    vectors: np.ndarray
    types: np.ndarray
    type_codes: dict[str, int]
    locales: np.ndarray
    locale_codes: dict[str, int]
    access: dict[str, np.ndarray] = field(default_factory=dict)  # term -> row numbers
    rows: dict[str, int] = field(default_factory=dict)  # id -> row number
    #: The approximate index: unit centroids, the slice of rows of each group, and the
    #: slices of rows in none.
    centroids: np.ndarray | None = None
    members: list[tuple[int, int]] = field(default_factory=list)
    loose: list[tuple[int, int]] | None = None

    #: Pre-filter masks already built, by access terms, types and locales (read-only).
    masks: dict[tuple, np.ndarray] = field(default_factory=dict)

    def codes(self, kind: str, values: Sequence[str]) -> np.ndarray:
        table = self.type_codes if kind == "type" else self.locale_codes
        return np.array([table[v] for v in values if v in table], dtype=np.int32)

    def allowed(
        self,
        access: Sequence[str] | None,
        types: Sequence[str] | None,
        locales: Sequence[str] | None,
    ) -> np.ndarray:
        """The rows ``access`` allows (``None``: every row) of ``types`` and ``locales``
        (``None``: any), as a read-only mask. Kept per matrix (a write loads a new one):
        the same few access signatures and filters come back on every search."""
        key = (
            None if access is None else tuple(sorted(access)),
            None if types is None else tuple(sorted(types)),
            None if locales is None else tuple(sorted(locales)),
        )
        mask = self.masks.get(key)
        if mask is not None:
            return mask
        count = len(self.ids)
        mask = np.ones(count, dtype=bool)
        if access is not None:
            allowed = np.zeros(count, dtype=bool)
            for term in access:
                found_rows = self.access.get(term)
                if found_rows is not None:
                    allowed[found_rows] = True
            mask &= allowed
        if types is not None:
            mask &= np.isin(self.types, self.codes("type", types))
        if locales is not None:
            mask &= np.isin(self.locales, self.codes("locale", locales))
        mask.setflags(write=False)
        if len(self.masks) >= MASKS_KEPT:
            with contextlib.suppress(StopIteration, RuntimeError):  # another thread's
                self.masks.pop(next(iter(self.masks)), None)
        self.masks[key] = mask
        return mask


def _encode(values: list[str]) -> tuple[np.ndarray, dict[str, int]]:
    table: dict[str, int] = {}
    codes = np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int32)
    return codes, table


@dataclass
class _Loaded:
    generation: int
    models: dict[str, _Matrix]


class VectorStore:
    def __init__(self, folder: str | Path):
        self.path = Path(folder) / FILE_NAME
        self._local = threading.local()
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    # --- Connection -------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            columns = {row[1] for row in connection.execute("PRAGMA table_info(vectors)")}
            if "grp" not in columns:  # a file written before the approximate index
                with connection:
                    connection.execute(
                        "ALTER TABLE vectors ADD COLUMN grp INTEGER NOT NULL DEFAULT -1"
                    )
            with connection:
                if connection.execute("SELECT count(*) FROM generation").fetchone()[0] == 0:
                    connection.execute("INSERT INTO generation (value) VALUES (0)")
            self._local.connection = connection
        return connection

    def create(self) -> None:
        self._connection()

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
            self._local.connection = None
        self._loaded = None

    # --- Writes -----------------------------------------------------------------------

    def _write(self, statements: Iterable[tuple[str, Sequence]]) -> None:
        connection = self._connection()
        with connection:
            for sql, params in statements:
                if params and isinstance(params[0], tuple | list):
                    connection.executemany(sql, params)
                else:
                    connection.execute(sql, params)
            connection.execute("UPDATE generation SET value = value + 1")

    def apply(
        self,
        *,
        upserts: Sequence[VectorRow] = (),
        without_vector: Sequence[str] = (),
        deletes: Sequence[str] = (),
        replace_children_of: Sequence[str] = (),
    ) -> None:
        """One transaction: children of the given parents go, then rows are written (and
        documents indexed without a vector lose an old one), then deletes. Written rows
        join the closest group of their model's approximate index, if it has one; a model
        that has reached ``ann_min()`` vectors (or doubled since) has its index trained."""
        statements: list[tuple[str, Sequence]] = []
        if replace_children_of:
            statements.append(
                ("DELETE FROM vectors WHERE parent = ?", [(p,) for p in replace_children_of])
            )
        if upserts:
            groups = self._groups_of(upserts)
            statements.append(
                (
                    "INSERT OR REPLACE INTO vectors (id, parent, model, type, locale, access, "
                    "vector, grp) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            r.id,
                            r.parent or "",
                            r.model,
                            r.type,
                            r.locale,
                            json.dumps(sorted(set(r.access))),
                            np.asarray(r.vector, dtype=np.float32).tobytes(),
                            groups.get(r.id, -1),
                        )
                        for r in upserts
                    ],
                )
            )
        gone = [*without_vector, *deletes]
        if gone:
            statements.append(("DELETE FROM vectors WHERE id = ?", [(i,) for i in gone]))
        if statements:
            self._write(statements)
        if upserts:
            for model in sorted({r.model for r in upserts}):
                self.train_if_due(model)

    # --- The approximate index ----------------------------------------------------------

    def _centroids(self, model: str) -> tuple[int, np.ndarray] | None:
        row = (
            self._connection()
            .execute("SELECT trained_on, vectors FROM centroids WHERE model = ?", (model,))
            .fetchone()
        )
        if row is None:
            return None
        return int(row[0]), np.frombuffer(row[1], dtype=np.float32)

    def _groups_of(self, upserts: Sequence[VectorRow]) -> dict[str, int]:
        groups: dict[str, int] = {}
        by_model: dict[str, list[VectorRow]] = {}
        for row in upserts:
            by_model.setdefault(row.model, []).append(row)
        for model, rows in by_model.items():
            found = self._centroids(model)
            if found is None:
                continue
            flat = found[1]
            dims = len(rows[0].vector)
            if not dims or len(flat) % dims:
                continue
            centroids = flat.reshape(-1, dims)
            matrix = np.stack([np.asarray(r.vector, dtype=np.float32) for r in rows])
            for row, group in zip(rows, assign_groups(matrix, centroids), strict=True):
                groups[row.id] = int(group)
        return groups

    def train_if_due(self, model: str, *, force: bool = False) -> bool:
        """Train ``model``'s approximate index when it has reached ``ann_min()`` vectors and
        has none, or twice as many as it was trained on; every row is grouped again."""
        threshold = ann_min()
        if not threshold and not force:
            return False
        connection = self._connection()
        count = int(
            connection.execute("SELECT count(*) FROM vectors WHERE model = ?", (model,)).fetchone()[
                0
            ]
        )
        found = self._centroids(model)
        due = force or (count >= threshold and (found is None or count >= 2 * max(1, found[0])))
        if not due or count < 16:
            return False
        ids, blobs = [], []
        for doc_id, blob in connection.execute(
            "SELECT id, vector FROM vectors WHERE model = ? ORDER BY id", (model,)
        ):
            ids.append(doc_id)
            blobs.append(blob)
        vectors = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)
        centroids = train_centroids(vectors, group_count(len(ids)))
        groups = assign_groups(vectors, centroids)
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO centroids (model, trained_on, vectors) "
                    "VALUES (?, ?, ?)",
                    (model, len(ids), centroids.astype(np.float32).tobytes()),
                ),
                (
                    "UPDATE vectors SET grp = ? WHERE id = ?",
                    [(int(g), doc_id) for doc_id, g in zip(ids, groups, strict=True)],
                ),
            ]
        )
        return True

    def ids(self) -> set[str]:
        return {row[0] for row in self._connection().execute("SELECT id FROM vectors")}

    # --- Reads ------------------------------------------------------------------------

    def _generation(self) -> int:
        return int(self._connection().execute("SELECT value FROM generation").fetchone()[0])

    def _load(self) -> _Loaded:
        generation = self._generation()
        loaded = self._loaded
        if loaded is not None and loaded.generation == generation:
            return loaded
        with self._lock:
            loaded = self._loaded
            if loaded is not None and loaded.generation == generation:
                return loaded
            rows: dict[str, list[tuple]] = {}
            cursor = self._connection().execute(
                # In group order, so that a group's vectors are one slice of the matrix.
                "SELECT model, id, type, locale, access, vector, grp FROM vectors ORDER BY grp, id"
            )
            for model, *rest in cursor:
                rows.setdefault(model, []).append(tuple(rest))
            models = {}
            for model, items in rows.items():
                access: dict[str, list[int]] = {}
                for number, item in enumerate(items):
                    for term in json.loads(item[3]):
                        access.setdefault(term, []).append(number)
                types, type_codes = _encode([item[1] for item in items])
                locales, locale_codes = _encode([item[2] for item in items])
                ids = [item[0] for item in items]
                matrix = _Matrix(
                    ids=ids,
                    vectors=np.frombuffer(b"".join(item[4] for item in items), dtype=np.float32)
                    .reshape(len(items), -1)
                    .copy(),
                    types=types,
                    type_codes=type_codes,
                    locales=locales,
                    locale_codes=locale_codes,
                    access={t: np.array(n, dtype=np.int64) for t, n in access.items()},
                    rows={doc_id: number for number, doc_id in enumerate(ids)},
                )
                self._attach_index(
                    matrix, model, np.fromiter((item[5] for item in items), dtype=np.int32)
                )
                models[model] = matrix
            self._loaded = _Loaded(generation=generation, models=models)
            return self._loaded

    def _attach_index(self, matrix: _Matrix, model: str, groups: np.ndarray) -> None:
        """The model's centroids and the slice of rows of each group (rows are read in
        group order), if it has an index."""
        found = self._centroids(model)
        dims = matrix.vectors.shape[1] if len(matrix.ids) else 0
        if found is None or not dims or len(found[1]) % dims:
            return
        centroids = found[1].reshape(-1, dims)
        bounds = np.searchsorted(groups, np.arange(len(centroids) + 1))
        matrix.centroids = centroids
        matrix.members = [(int(bounds[g]), int(bounds[g + 1])) for g in range(len(centroids))]
        # Rows in no group (written before it was trained, or by an older file): always read.
        matrix.loose = [(0, int(bounds[0])), (int(bounds[-1]), len(groups))]

    def nearest(
        self,
        vectors: dict[str, np.ndarray],
        *,
        access: Sequence[str] | None,
        types: Sequence[str] | None = None,
        locales: Sequence[str] | None = None,
        ids: Sequence[str] | None = None,
        limit: int = 100,
        floors: dict[str, float] | None = None,
        exempt: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """The ``limit`` documents closest to the query vectors (cosine: vectors are
        normalized), among those ``access`` allows (``None``: staff, every document) and
        of the given types, locales and ids, at least ``floors[model]`` close (but for
        the ids in ``exempt``); ``(id, cosine)``, best first."""
        if limit <= 0 or not vectors:
            return []
        loaded = self._load()
        found: list[tuple[str, float]] = []
        for model, query in vectors.items():
            matrix = loaded.models.get(model)
            if matrix is None or not matrix.ids:
                continue
            mask = matrix.allowed(access, types, locales)
            query = np.asarray(query, dtype=np.float32)
            if ids is not None:
                # A candidate list: score those rows alone.
                rows = np.array(
                    sorted({matrix.rows[i] for i in ids if i in matrix.rows}), dtype=np.int64
                )
                rows = rows[mask[rows]]
                scores = matrix.vectors[rows] @ query
            elif self.approximate(matrix) and np.count_nonzero(mask) > self.exact_max:
                slices = self._probed(matrix, query)
                rows = np.concatenate([np.arange(a, b) for a, b in slices])
                scores = np.concatenate([matrix.vectors[a:b] @ query for a, b in slices])
                keep = mask[rows]
                rows, scores = rows[keep], scores[keep]
            else:
                # Scoring every row beats copying the allowed ones out first.
                rows = np.flatnonzero(mask)
                scores = (matrix.vectors @ query)[rows]
            if not len(rows):
                continue
            floor = (floors or {}).get(model)
            if floor is not None:
                keep = scores >= floor
                if exempt:
                    exempt_rows = [matrix.rows[i] for i in exempt if i in matrix.rows]
                    keep |= np.isin(rows, exempt_rows)
                rows, scores = rows[keep], scores[keep]
                if not len(rows):
                    continue
            k = min(limit, len(rows))
            top = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
            found += [(matrix.ids[rows[i]], float(scores[i])) for i in top]
        best: dict[str, float] = {}
        for doc_id, score in found:
            best[doc_id] = max(score, best.get(doc_id, -2.0))
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]

    # --- Reads through the approximate index ----------------------------------------------

    #: ``False`` scores every allowed vector whatever the index (``search_bench`` compares).
    use_index: bool = True
    #: A person allowed to see at most this many rows of a model has them scored exactly.
    exact_max: int = EXACT_MAX

    def approximate(self, matrix: _Matrix) -> bool:
        threshold = ann_min()
        return bool(
            self.use_index
            and threshold
            and matrix.centroids is not None
            and len(matrix.ids) >= threshold
        )

    def _probed(self, matrix: _Matrix, query: np.ndarray) -> list[tuple[int, int]]:
        """Slices of rows to score: the groups closest to ``query`` (``PROBE_SHARE`` of
        them) and the rows in no group."""
        centroids = matrix.centroids
        assert centroids is not None and matrix.loose is not None
        probes = max(1, math.ceil(len(centroids) * PROBE_SHARE))
        closest = np.argpartition(-(centroids @ query), probes - 1)[:probes]
        slices = [*matrix.loose, *(matrix.members[g] for g in sorted(closest))]
        return [(a, b) for a, b in slices if b > a]

    def index_state(self) -> dict[str, dict[str, int | bool]]:
        """Per model: vectors, groups (0: no approximate index) and whether searches use it."""
        loaded = self._load()
        return {
            model: {
                "vectors": len(matrix.ids),
                "groups": 0 if matrix.centroids is None else len(matrix.centroids),
                "approximate": self.approximate(matrix),
            }
            for model, matrix in loaded.models.items()
        }
