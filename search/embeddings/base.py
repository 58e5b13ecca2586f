"""What every sentence encoder offers, and the lazy, thread-safe loading they share."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


class EncoderUnavailable(RuntimeError):
    """No encoder can be had: embeddings are off, the language has none, or loading failed.

    Callers catch this one type and fall back to lexical search.
    """


@runtime_checkable
class Encoder(Protocol):
    #: Short model key, as named in ``SEARCH_EMBEDDINGS_MODELS`` (``minilm``, ``e5-small``).
    name: str
    #: Vector length.
    dim: int
    #: Longest input in tokens (special tokens included); longer texts are truncated.
    max_tokens: int

    @property
    def version(self) -> str:
        """Changes whenever the weights, the tokenizer or the computation change.

        Stored vectors are valid only for the version that made them (a cache key).
        """

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dim), each row L2-normalized (zeros never occur)."""

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Like ``encode_queries`` for documents, in batches of similar lengths."""


class LazyModel:
    """Loads its weights on first use, once, whichever thread asks first.

    Subclasses implement ``_load()`` (returns the loaded state) and may read
    ``self._state`` afterwards through ``self.state``. A failed load raises
    ``EncoderUnavailable`` every time it is asked again (it is not retried in a loop).
    """

    name: str

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = None
        self._error: EncoderUnavailable | None = None

    @property
    def loaded(self) -> bool:
        return self._state is not None

    @property
    def state(self):
        state = self._state
        if state is not None:
            return state
        with self._lock:
            if self._state is None:
                if self._error is not None:
                    raise self._error
                try:
                    self._state = self._load()
                except EncoderUnavailable as exc:
                    self._error = exc
                    raise
                except (OSError, ValueError, KeyError, ImportError, MemoryError) as exc:
                    self._error = EncoderUnavailable(f"{self.name}: cannot load the model: {exc}")
                    raise self._error from exc
            return self._state

    def load(self) -> None:
        """Load now (warm-up); raises ``EncoderUnavailable`` on failure."""
        self.state  # noqa: B018

    def _load(self):  # pragma: no cover - every model implements it
        raise NotImplementedError


def package_digest(distribution: str, *paths: str) -> str:
    """A short digest of some installed files of a package, from its RECORD hashes.

    Reading RECORD costs nothing, unlike hashing tens of megabytes of weights; a package
    without hashes falls back to its name and version.
    """
    import hashlib
    from importlib import metadata

    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError as exc:
        raise EncoderUnavailable(f"The package {distribution} is not installed.") from exc
    hashes = {str(f): f.hash.value for f in dist.files or () if f.hash is not None}
    parts = [hashes.get(path) or f"{distribution}=={dist.version}:{path}" for path in paths]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def graphs_folder() -> Path:
    """Where ``make install`` puts the built graphs: inside the environment, beside the
    packages they are built from (so a new environment always builds its own)."""
    return Path(sys.prefix) / "share" / "portico-encoders"


class GraphEncoder(LazyModel):
    """An encoder whose layers run as an ONNX graph built from an installed package.

    A model family provides ``source_digest()``, ``weights()`` (the layers for the
    builder and the embedding step), ``tokenizer()`` and, if it uses them, the prefixes.
    """

    name: str
    dim: int
    max_tokens: int
    query_prefix = ""
    passage_prefix = ""
    #: sha256 of the package files the model reads, checked before a graph is built.
    expected_files: dict[Path, str] = {}
    #: Whether the graph's float32 weights stay in the package's file (``FileSlice``s,
    #: handed to onnxruntime from a memory map at load) instead of inside the graph.
    external_weights = False

    def __init__(self) -> None:
        super().__init__()
        self._version: str | None = None

    # --- what a family provides ----------------------------------------------------------

    def source_digest(self) -> str:
        raise NotImplementedError

    def weights(self):
        """``(layers, embeddings, hidden, heads, eps, pad_id)``; layers may be lazy."""
        raise NotImplementedError

    def tokenizer(self):
        raise NotImplementedError

    def token_ids(self, tokenizer, texts: Sequence[str], prefix: str) -> list[list[int]]:
        """Each text's token ids, prefix and special tokens included, truncated."""
        raise NotImplementedError

    # --- shared ---------------------------------------------------------------------------

    @property
    def version(self) -> str:
        if self._version is None:
            from .graph import GRAPH_REVISION

            self._version = f"{self.name}-{self.source_digest()}-g{GRAPH_REVISION}"
        return self._version

    @property
    def graph_path(self) -> Path:
        return graphs_folder() / f"{self.version}.onnx"

    def is_built(self) -> bool:
        return self.graph_path.is_file()

    def graph_bytes(self) -> bytes:
        """The graph for the installed package's files (the same files, the same bytes)."""
        from .graph import build_graph

        layers, _embeddings, hidden, heads, eps, _pad = self.weights()
        return build_graph(list(layers), hidden, heads, eps)

    def verify(self) -> None:
        """Refuse package files other than the ones measured (``expected_files``)."""
        import hashlib

        for path, expected in self.expected_files.items():
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            if digest.hexdigest() != expected:
                raise EncoderUnavailable(
                    f"{self.name}: {path} is not the expected file (sha256 "
                    f"{digest.hexdigest()}, expected {expected})."
                )

    def build(self) -> Path:
        """Check the package's files and write this model's graph, unless already built."""
        path = self.graph_path
        if self.is_built():
            return path
        self.verify()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_bytes(self.graph_bytes())
        os.replace(partial, path)
        for old in path.parent.glob(f"{self.name}-*"):
            if old != path:  # graphs of earlier versions of this model
                old.unlink(missing_ok=True)
        return path

    def _load(self):
        from . import configured_threads
        from .graph import ExternalWeights, Runner

        path = self.graph_path
        if not self.is_built():
            raise EncoderUnavailable(
                f"{self.name}: the model graph {path} is missing: run `make install` "
                "(or `python -m search.embeddings.build`)."
            )
        threads = configured_threads()
        layers, embeddings, _hidden, _heads, _eps, pad_id = self.weights()
        externals = ExternalWeights(list(layers)) if self.external_weights else None
        try:
            runner = Runner(path, embeddings, pad_id, threads, externals)
        except Exception as exc:  # onnxruntime raises its own types for a bad file
            raise EncoderUnavailable(f"{self.name}: cannot load {path}: {exc}") from exc
        return runner, self.tokenizer()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix, 32)

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, self.passage_prefix, batch_size)

    def _encode(self, texts: Sequence[str], prefix: str, batch_size: int) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("Pass a list of texts, not one string.")
        runner, tokenizer = self.state
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return runner.encode(self.token_ids(tokenizer, texts, prefix), batch_size)
