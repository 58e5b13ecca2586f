"""Document vectors beside an embedded index version, searched exactly with numpy.

One SQLite file per index version (``<version>/portico-vectors.sqlite3``): it is created,
switched and dropped with the tantivy folder it sits in, so the atomic switch of
``CURRENT`` covers both. A row holds a document's vector, the model that made it and the
fields the vector side filters on before scoring (access terms, type, locale); hits are
then confirmed by the lexical index with the query's own access terms and filters
(``EmbeddedBackend.vector_search``), so both sides apply exactly the same rules.

Readers keep the vectors of a version in memory, one matrix per model, and reload them
when a write has changed the file (a generation counter in the file).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FILE_NAME = "portico-vectors.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    id TEXT PRIMARY KEY,
    parent TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL,
    type TEXT NOT NULL,
    locale TEXT NOT NULL,
    access TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS vectors_parent ON vectors (parent);
CREATE TABLE IF NOT EXISTS generation (value INTEGER NOT NULL);
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

    def codes(self, kind: str, values: Sequence[str]) -> np.ndarray:
        table = self.type_codes if kind == "type" else self.locale_codes
        return np.array([table[v] for v in values if v in table], dtype=np.int32)


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
        documents indexed without a vector lose an old one), then deletes."""
        statements: list[tuple[str, Sequence]] = []
        if replace_children_of:
            statements.append(
                ("DELETE FROM vectors WHERE parent = ?", [(p,) for p in replace_children_of])
            )
        if upserts:
            statements.append(
                (
                    "INSERT OR REPLACE INTO vectors (id, parent, model, type, locale, access, "
                    "vector) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            r.id,
                            r.parent or "",
                            r.model,
                            r.type,
                            r.locale,
                            json.dumps(sorted(set(r.access))),
                            np.asarray(r.vector, dtype=np.float32).tobytes(),
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
                "SELECT model, id, type, locale, access, vector FROM vectors ORDER BY id"
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
                models[model] = _Matrix(
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
            self._loaded = _Loaded(generation=generation, models=models)
            return self._loaded

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
            count = len(matrix.ids)
            if ids is not None:
                # A candidate list: score those rows alone.
                rows = np.array(
                    sorted({matrix.rows[i] for i in ids if i in matrix.rows}), dtype=np.int64
                )
                mask = np.zeros(count, dtype=bool)
                mask[rows] = True
            else:
                mask = np.ones(count, dtype=bool)
            if access is not None:
                allowed = np.zeros(count, dtype=bool)
                for term in access:
                    found_rows = matrix.access.get(term)
                    if found_rows is not None:
                        allowed[found_rows] = True
                mask &= allowed
            if types is not None:
                mask &= np.isin(matrix.types, matrix.codes("type", types))
            if locales is not None:
                mask &= np.isin(matrix.locales, matrix.codes("locale", locales))
            query = np.asarray(query, dtype=np.float32)
            if ids is not None:
                rows = rows[mask[rows]]
                scores = matrix.vectors[rows] @ query
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
