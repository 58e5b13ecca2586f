"""Sentence vectors of search documents and queries (semantic search).

Documents get a vector when they are indexed, in batches, by the encoder of their
language (``search.embeddings``); a cache keyed by the encoder's version and a hash of
the text embedded (``VectorCache``) means a reindex embeds only what changed. Embedding
never blocks lexical indexing: when it fails the documents are indexed without vectors
and a warning is logged (metric ``search.embedding_failed``).

Queries get one vector per model their languages use. ``SEARCH_SEMANTIC=off`` (or
``SEARCH_EMBEDDINGS=off``) turns both sides off: search is then lexical only.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
from django.conf import settings

from core import metrics

from .analysis import language_of
from .schema import SearchDocument

logger = logging.getLogger(__name__)

#: Characters of a document's text that are embedded (the encoders read 256–512 tokens).
PASSAGE_CHARS = 2000
#: Documents encoded per encoder call.
BATCH_SIZE = 32


def semantic_enabled() -> bool:
    """Whether search uses vectors at all (``SEARCH_SEMANTIC``, and the encoders on)."""
    from .embeddings import embeddings_enabled

    value = str(getattr(settings, "SEARCH_SEMANTIC", "on")).strip().lower()
    return value not in {"off", "0", "false", "no"} and embeddings_enabled()


def passage_text(document: SearchDocument) -> str:
    """What of a document is embedded: its title, summary and text (the encoders read the
    first 256–512 tokens), and the accepted answer of a short question."""
    parts = [document.title, document.summary, document.text]
    if document.accepted_answer and len(document.text) < 400:
        parts.append(document.accepted_answer)
    return _joined(parts)


def opening_text(document: SearchDocument) -> str:
    """A document's opening: title, summary and the first paragraph of its text (a
    question in its asker's words, before the answers folded in after it)."""
    first = document.text.strip().split("\n\n", 1)[0]
    return _joined([document.title, document.summary, first])


def passage_views(document: SearchDocument) -> tuple[str, ...]:
    """The texts a document's vector is made of: the whole passage and, when it differs,
    the opening. The vector is their normalised mean, so a thread whose answers wander off
    still sits near the question it asks (SemEval-CQA dev MAP, hybrid: 84.4 with the whole
    passage alone, 85.5 with both; the other benchmarks' documents are one paragraph and
    unchanged). One vector per document all the same: cosine with the mean is the mean of
    the cosines, rescaled."""
    whole, opening = passage_text(document), opening_text(document)
    return (whole,) if opening == whole or not opening else (whole, opening)


def _joined(parts) -> str:
    text = "\n".join(" ".join(p.split()) for p in parts if p and p.strip())
    return text[:PASSAGE_CHARS]


#: Letters people type in two forms, written one way before encoding (the lexical side's
#: analysis unifies them too, ``search.analysis``): Romanian ş/ţ with a cedilla (old
#: keyboards) as ș/ț with the comma below; Persian typed on an Arabic layout, ي/ك, as ی/ک.
_ENCODER_LETTERS = {
    "ro": str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"}),
    "fa": str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"}),
}


def encoder_text(text: str, language: str) -> str:
    """``text`` as the encoder of ``language`` reads it: one form of each letter that is
    typed two ways (a query typed with cedillas meets documents written with commas)."""
    table = _ENCODER_LETTERS.get(language_of(language))
    return text.translate(table) if table else text


def content_key(model_version: str, text: str) -> str:
    return hashlib.sha256(f"{model_version}\n{text}".encode()).hexdigest()


def _today() -> int:
    return int(time.time() // 86400)


class VectorCache:
    """Vectors by (encoder version, text) hash, in a SQLite file shared by every version
    of an index: rebuilding the index embeds only texts it has not seen.

    Each entry remembers the day it was last written or read; ``prune`` forgets the
    entries no index has asked for in some days (a rebuild reads every current one)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL, "
                "used INTEGER NOT NULL DEFAULT 0)"
            )
            columns = {row[1] for row in connection.execute("PRAGMA table_info(vectors)")}
            if "used" not in columns:  # a cache written before entries knew their day
                with connection:
                    connection.execute(
                        "ALTER TABLE vectors ADD COLUMN used INTEGER NOT NULL DEFAULT 0"
                    )
            self._local.connection = connection
        return connection

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        connection = self._connection()
        for start in range(0, len(keys), 500):
            part = list(keys[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = connection.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({marks})",
                part,
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        if found:
            self._touch(list(found))
        return found

    def _touch(self, keys: list[str]) -> None:
        """Mark ``keys`` as used today (only those not marked yet: one write a day)."""
        connection, today = self._connection(), _today()
        with connection:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                connection.execute(
                    f"UPDATE vectors SET used = ? WHERE used < ? AND key IN ({marks})",
                    [today, today, *part],
                )

    def prune(self, days: int) -> int:
        """Forget the entries neither written nor read in the last ``days`` days; the
        number forgotten."""
        connection = self._connection()
        with connection:
            cursor = connection.execute(
                "DELETE FROM vectors WHERE used < ?", (_today() - max(0, int(days)),)
            )
        return int(cursor.rowcount or 0)

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        if not items:
            return
        connection = self._connection()
        with connection:
            today = _today()
            connection.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector, used) VALUES (?, ?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes(), today) for k, v in items.items()],
            )

    def __len__(self) -> int:
        return int(self._connection().execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
            self._local.connection = None


@dataclass
class Embedded:
    """A document's vector and the model that made it."""

    model: str
    vector: np.ndarray


@dataclass
class EmbeddingStats:
    embedded: int = 0
    cached: int = 0
    failed: int = 0


def embed_documents(
    documents: Iterable[SearchDocument], cache: VectorCache | None = None
) -> tuple[dict[str, Embedded], EmbeddingStats]:
    """Vectors for ``documents`` (by id), from ``cache`` where it has them.

    Never raises: documents whose language has no encoder, or whose batch fails to
    encode, get no vector (counted in the stats, logged once per call).
    """
    from .embeddings import EncoderUnavailable, get_encoder

    stats = EmbeddingStats()
    out: dict[str, Embedded] = {}
    by_language: dict[str, list[SearchDocument]] = {}
    for document in documents:
        by_language.setdefault(language_of(document.locale), []).append(document)
    for language, docs in by_language.items():
        try:
            encoder = get_encoder(language)
            version = encoder.version
        except EncoderUnavailable as exc:
            stats.failed += len(docs)
            logger.warning("Indexing %s documents without vectors: %s", len(docs), exc)
            continue
        except Exception as exc:
            stats.failed += len(docs)
            logger.warning("Indexing %s documents without vectors: %s", len(docs), exc)
            continue
        views = {d.id: [encoder_text(text, language) for text in passage_views(d)] for d in docs}
        keys = {text: content_key(version, text) for texts in views.values() for text in texts}
        known: dict[str, np.ndarray] = {}
        if cache is not None:
            try:
                known = cache.get_many(list(set(keys.values())))
            except sqlite3.Error as exc:
                logger.warning("The vector cache %s cannot be read: %s", cache.path, exc)
        missing = [d for d in docs if any(keys[t] not in known for t in views[d.id])]
        stats.cached += len(docs) - len(missing)
        fresh: dict[str, np.ndarray] = {}
        for start in range(0, len(missing), BATCH_SIZE):
            batch = missing[start : start + BATCH_SIZE]
            unique = list(
                dict.fromkeys(
                    t
                    for d in batch
                    for t in views[d.id]
                    if keys[t] not in known and keys[t] not in fresh
                )
            )
            try:
                vectors = encoder.encode_passages(unique, batch_size=BATCH_SIZE)
            except Exception as exc:
                stats.failed += len(batch)
                logger.warning(
                    "Indexing %s documents without vectors (%s failed: %s: %s).",
                    len(batch),
                    encoder.name,
                    type(exc).__name__,
                    exc,
                )
                continue
            for text, vector in zip(unique, vectors, strict=True):
                fresh[keys[text]] = vector
            stats.embedded += len(batch)
        if cache is not None and fresh:
            try:
                cache.put_many(fresh)
            except sqlite3.Error as exc:
                logger.warning("The vector cache %s cannot be written: %s", cache.path, exc)
        known.update(fresh)
        for d in docs:
            parts = [known[keys[t]] for t in views[d.id] if keys[t] in known]
            if len(parts) < len(views[d.id]):
                continue  # its batch failed
            vector = parts[0] if len(parts) == 1 else _mean(parts)
            out[d.id] = Embedded(model=encoder.name, vector=vector)
    if stats.failed:
        metrics.increment("search.embedding_failed", stats.failed)
    return out, stats


def _mean(vectors: list[np.ndarray]) -> np.ndarray:
    mean = np.asarray(np.sum(vectors, axis=0, dtype=np.float32))
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else mean


@functools.lru_cache(maxsize=512)
def _query_vector(encoder, text: str) -> np.ndarray:
    """A query's vector, kept for the next time the same text is asked (the hybrid fusion
    and type-ahead ask again within one request); read-only."""
    vector = encoder.encode_queries([text])[0]
    vector.setflags(write=False)
    return vector


def query_vectors(text: str, languages: Sequence[str]) -> dict[str, np.ndarray]:
    """One query vector per model of ``languages`` (``{model: vector}``); empty when
    semantic search is off or no encoder can encode it (logged, metric
    ``search.semantic_unavailable``): callers then stay lexical."""
    from .embeddings import EncoderUnavailable, get_encoder

    text = " ".join(str(text or "").split())[:PASSAGE_CHARS]
    if not text or not semantic_enabled():
        return {}
    vectors: dict[str, np.ndarray] = {}
    for language in dict.fromkeys(language_of(code) for code in languages):
        try:
            encoder = get_encoder(language)
            if encoder.name in vectors:
                continue
            vectors[encoder.name] = _query_vector(
                cast(Hashable, encoder), encoder_text(text, language)
            )
        except EncoderUnavailable as exc:
            logger.info("No query vector for %s: %s", language, exc)
            metrics.increment("search.semantic_unavailable")
        except Exception as exc:
            logger.warning(
                "Encoding a query failed (%s: %s); searching lexically.", type(exc).__name__, exc
            )
            metrics.increment("search.semantic_unavailable")
    return vectors
