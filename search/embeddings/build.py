"""Build the encoders' ONNX graphs from the installed model packages (``make install``).

    python -m search.embeddings.build [--check]

Runs without Django settings and without the network: it reads only files inside the
installed packages. The same files always give the same bytes; a graph already built for
the same version is left as it is. ``--check`` encodes one sentence with each model.
"""

from __future__ import annotations

import argparse
import sys

from . import MODELS
from .base import EncoderUnavailable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="encode a sentence afterwards")
    parser.add_argument("--quiet", action="store_true", help="say only what was built")
    args = parser.parse_args(argv)
    failed = False
    for key, factory in MODELS.items():
        try:
            encoder = factory()
            existed = encoder.is_built()
            path = encoder.build()
        except EncoderUnavailable as exc:
            print(f"{key}: not built: {exc}", file=sys.stderr)
            failed = True
            continue
        if not (args.quiet and existed):
            print(f"{key}: {'up to date' if existed else 'built'} {path}")
        if args.check:
            vector = encoder.encode_queries(["How do I reset my password?"])
            print(f"{key}: {vector.shape[1]} dimensions, norm {float((vector**2).sum()):.4f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
