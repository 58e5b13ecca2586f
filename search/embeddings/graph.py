"""The encoder layers as an ONNX graph, and running it with onnxruntime.

Both model families here (BERT for all-MiniLM-L6-v2, XLM-RoBERTa for multilingual-e5-small)
are the same post-LayerNorm transformer. The embedding step (a table lookup, position and
token-type rows, a LayerNorm) is done in numpy from the memory-mapped package files; the
layers — self-attention (onnxruntime's ``MultiHeadAttention``) and an exact (erf) GELU
feed-forward block, each added back and normalized, as HuggingFace's ``BertModel`` computes
them — run as one ONNX graph built by ``make install`` (``python -m
search.embeddings.build``); mean pooling and L2 normalization (sentence-transformers'
``Pooling(mean)`` and ``Normalize``) are numpy again.

A matrix is float32 (``MatMul``; held in the graph, or left in the package's file as a
``FileSlice`` and transposed by onnxruntime when it loads the graph) or 4-bit blocks of 32
weights with one scale each (``com.microsoft.MatMulNBits``: the stored weights, (nibble − 8)
× scale, never expanded in memory). The file is written by ``proto.py``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import proto

#: Bump when the graph or the numpy steps around it change the vectors (part of versions).
GRAPH_REVISION = "3"

_F32 = np.float32


@dataclass(frozen=True)
class Q4Matrix:
    """A [rows, cols] matrix in MatMulNBits layout: uint8 [rows, cols/32, 16], where byte i
    of a block holds weight 2i (low nibble) and 2i + 1 (high nibble), and float32 scales
    [rows * cols/32]; a weight is (nibble - 8) * scale."""

    packed: np.ndarray
    scales: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.packed.shape[0], self.packed.shape[1] * 32


@dataclass(frozen=True)
class FileSlice:
    """float32 values stored in a package's file at ``offset`` (little-endian, C order).

    The graph names such a tensor as external data (the file's name and the offset, for a
    reader) and holds no copy; at load, the values are handed to onnxruntime as a view of
    the memory-mapped file (``external_arrays``)."""

    path: Path
    offset: int
    shape: tuple[int, ...]

    @property
    def length(self) -> int:
        return int(np.prod(self.shape)) * 4


Matrix = np.ndarray | Q4Matrix | FileSlice  # float32 [out, in], or 4-bit
Vector = np.ndarray | FileSlice


@dataclass(frozen=True)
class Layer:
    q_w: Matrix
    q_b: Vector
    k_w: Matrix
    k_b: Vector
    v_w: Matrix
    v_b: Vector
    attn_out_w: Matrix
    attn_out_b: Vector
    attn_ln_w: Vector
    attn_ln_b: Vector
    ff_in_w: Matrix
    ff_in_b: Vector
    ff_out_w: Matrix
    ff_out_b: Vector
    out_ln_w: Vector
    out_ln_b: Vector


def build_graph(
    layers: Sequence[Layer],
    hidden: int,
    heads: int,
    eps: float,
    externals: dict[str, FileSlice] | None = None,
) -> bytes:
    """A serialized ONNX model: inputs ``embeddings`` [B, L, H] and ``mask`` [B, L] (int32:
    1 for tokens, 0 for padding, which is never attended to), output ``hidden`` [B, L, H].
    ``externals``, if given, receives the ``FileSlice`` weights by name."""
    nodes: list[bytes] = []
    inits: list[bytes] = []
    if externals is None:
        externals = {}

    def const(name: str, value) -> str:
        if isinstance(value, FileSlice):
            externals[name] = value
            inits.append(
                proto.external_tensor(
                    name, proto.FLOAT, value.shape, value.path.name, value.offset, value.length
                )
            )
        else:
            inits.append(proto.tensor(name, np.asarray(value)))
        return name

    def node(op: str, inputs: list[str], name: str, domain: str = "", **attrs) -> str:
        nodes.append(proto.node(op, inputs, [name], name, domain, **attrs))
        return name

    def linear(x: str, weight: Matrix, bias: Vector, name: str) -> str:
        if isinstance(weight, Q4Matrix):
            rows, cols = weight.shape
            product = node(
                "MatMulNBits",
                [x, const(f"{name}.q4", weight.packed), const(f"{name}.scales", weight.scales)],
                f"{name}.mm",
                domain="com.microsoft",
                K=cols,
                N=rows,
                bits=4,
                block_size=32,
                # Activations rounded to 8 bits per block inside the product: 1.5× faster,
                # cosine 0.9999 against the float32 product (measured on the test texts).
                accuracy_level=4,
            )
        elif isinstance(weight, FileSlice):
            # Stored [out, in]; transposed once, when onnxruntime folds constants at load.
            stored = const(f"{name}.w", weight)
            transposed = node("Transpose", [stored], f"{name}.wt", perm=[1, 0])
            product = node("MatMul", [x, transposed], f"{name}.mm")
        else:
            stored_t = np.ascontiguousarray(np.asarray(weight, dtype=_F32).T)
            product = node("MatMul", [x, const(f"{name}.w", stored_t)], f"{name}.mm")
        return node("Add", [product, const(f"{name}.b", _vector(bias))], name)

    def layer_norm(x: str, weight: Vector, bias: Vector, name: str) -> str:
        gamma = const(f"{name}.w", _vector(weight))
        beta = const(f"{name}.b", _vector(bias))
        return node("LayerNormalization", [x, gamma, beta], name, axis=-1, epsilon=float(eps))

    x = "embeddings"
    for i, ly in enumerate(layers):
        p = f"l{i}"
        q = linear(x, ly.q_w, ly.q_b, f"{p}.q")
        k = linear(x, ly.k_w, ly.k_b, f"{p}.k")
        v = linear(x, ly.v_w, ly.v_b, f"{p}.v")
        context = node(
            "MultiHeadAttention",
            [q, k, v, "", "mask"],
            f"{p}.attention",
            domain="com.microsoft",
            num_heads=heads,
            mask_filter_value=-1e9,
        )
        attended = linear(context, ly.attn_out_w, ly.attn_out_b, f"{p}.ao")
        residual = node("Add", [x, attended], f"{p}.res1")
        x = layer_norm(residual, ly.attn_ln_w, ly.attn_ln_b, f"{p}.ln1")
        inner = linear(x, ly.ff_in_w, ly.ff_in_b, f"{p}.fi")
        inner = node("Gelu", [inner], f"{p}.gelu", domain="com.microsoft")  # the erf form
        out = linear(inner, ly.ff_out_w, ly.ff_out_b, f"{p}.fo")
        x = layer_norm(node("Add", [x, out], f"{p}.res2"), ly.out_ln_w, ly.out_ln_b, f"{p}.ln2")
    nodes.append(proto.node("Identity", [x], ["hidden"], "hidden"))
    return proto.model(
        nodes,
        inits,
        [
            proto.value_info("embeddings", proto.FLOAT, ["B", "L", hidden]),
            proto.value_info("mask", proto.INT32, ["B", "L"]),
        ],
        [proto.value_info("hidden", proto.FLOAT, ["B", "L", hidden])],
        {"": 17, "com.microsoft": 1},
        name="sentence-encoder",
    )


class ExternalWeights:
    """The ``FileSlice`` weights of a graph, by initializer name, as read-only views of
    their memory-mapped files."""

    def __init__(self, layers: Sequence[Layer]) -> None:
        slices: dict[str, FileSlice] = {}
        build_graph(layers, 1, 1, 0.0, slices)  # for the names only
        self.maps: dict[Path, mmap.mmap] = {}
        self.arrays: dict[str, np.ndarray] = {}
        for name, piece in slices.items():
            if piece.path not in self.maps:
                with open(piece.path, "rb") as handle:
                    self.maps[piece.path] = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            count = int(np.prod(piece.shape))
            view = np.frombuffer(self.maps[piece.path], "<f4", count, piece.offset)
            self.arrays[name] = view.reshape(piece.shape)

    def release_pages(self) -> None:
        """Drop the file's pages from this process's memory once onnxruntime has made its
        own (transposed, packed) copies: they stay on disk and come back if read again."""
        for mapped in self.maps.values():
            if hasattr(mapped, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
                mapped.madvise(mmap.MADV_DONTNEED)


def _vector(value: Vector):
    return value if isinstance(value, FileSlice) else np.asarray(value, dtype=_F32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=-1, keepdims=True)
    centered /= np.sqrt(var + _F32(eps))
    centered *= weight
    centered += bias
    return centered


def normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(_F32, copy=False)


@dataclass
class Embeddings:
    #: ids (n,) -> rows (n, H) float32: a plain table lookup or a dequantizing one.
    words: Callable[[np.ndarray], np.ndarray]
    #: (P, H): row i is added to the token at index i of the input (offsets applied).
    positions: np.ndarray
    token_type: np.ndarray  # (H,): the embedding of token type 0
    ln_w: np.ndarray
    ln_b: np.ndarray
    eps: float

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        x = self.words(ids.reshape(-1)).reshape(batch, length, -1).astype(_F32, copy=False)
        x = x + (self.positions[:length] + self.token_type)
        return _layer_norm(x, self.ln_w, self.ln_b, self.eps)


class Runner:
    """An onnxruntime session over a built graph, with the numpy steps around it."""

    def __init__(
        self,
        path: Path,
        embeddings: Embeddings,
        pad_id: int,
        threads: int,
        externals: ExternalWeights | None = None,
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, int(threads))
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Threads sleep between calls instead of spinning: the web process shares its
        # cores with request handling and the database.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # Large passage batches would otherwise keep their peak memory for the process's
        # lifetime.
        options.enable_cpu_mem_arena = False
        # Weights kept in the package's file: onnxruntime reads them from these views (it
        # keeps no reference of its own, so they live as long as the runner).
        self.externals = externals
        arrays = externals.arrays if externals else {}
        self._values = [ort.OrtValue.ortvalue_from_numpy(a) for a in arrays.values()]
        if arrays:
            options.add_external_initializers(list(arrays), self._values)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        if externals:
            externals.release_pages()
        self.embeddings = embeddings
        self.pad_id = pad_id

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states over unmasked tokens, L2-normalized: (B, H)."""
        (hidden,) = self.session.run(
            ["hidden"], {"embeddings": self.embeddings(ids), "mask": mask.astype(np.int32)}
        )
        weights = mask.astype(_F32)[:, :, None]
        summed = (hidden * weights).sum(axis=1)
        return normalize(summed / np.maximum(weights.sum(axis=1), 1e-9))

    def encode(self, sequences: list[list[int]], batch_size: int) -> np.ndarray:
        """Vectors in the input order, computed in batches of similar lengths."""
        dim = self.embeddings.positions.shape[1]
        out = np.empty((len(sequences), dim), dtype=_F32)
        padded = 0
        for chunk in batches([len(s) for s in sequences], batch_size):
            ids, mask = pad_batch([sequences[i] for i in chunk], self.pad_id)
            out[chunk] = self.pooled(ids, mask)
            padded += ids.size
        if padded > BATCH_TOKENS:
            release_freed_memory()
        return out


#: Most padded tokens in one run: bounds the attention scores' memory (a batch of
#: 4 × 512 tokens holds 4 × 12 heads × 512² floats, 50 MB).
BATCH_TOKENS = 2048


def batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indexes grouped shortest first: at most ``batch_size`` per group, at most
    ``BATCH_TOKENS`` once padded to the group's longest, and no short sequence padded to
    more than twice its length (one long text does not slow down a batch of short ones)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    groups: list[list[int]] = []
    current: list[int] = []
    for index in order:
        length = lengths[index]
        if current and (
            len(current) >= max(1, int(batch_size))
            or (len(current) + 1) * length > BATCH_TOKENS
            or length > 2 * lengths[current[0]] + 8
        ):
            groups.append(current)
            current = []
        current.append(index)
    if current:
        groups.append(current)
    return groups


def release_freed_memory() -> None:
    """Give memory freed after large batches back to the system (glibc keeps it otherwise:
    measured 100-160 MB after encoding 512 passages). A no-op where there is no glibc."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None  # glibc's malloc_trim once looked up, False where there is none


def pad_batch(sequences: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    longest = max(len(s) for s in sequences)
    ids = np.full((len(sequences), longest), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), longest), dtype=bool)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = True
    return ids, mask
