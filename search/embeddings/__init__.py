"""Local sentence encoders for semantic search: vectors computed in this process.

Weights ship inside installed packages (nothing is downloaded at run time) and run on
numpy, without torch. One encoder per language, chosen by ``SEARCH_EMBEDDINGS_MODELS``::

    from search.embeddings import EncoderUnavailable, get_encoder

    try:
        encoder = get_encoder("fa")
    except EncoderUnavailable:
        ...  # lexical search only
    vectors = encoder.encode_queries(["how do I reset my password?"])  # (1, 384) float32

Encoders load on first use (thread-safe) and are shared by the whole process. Any failure
to provide one — embeddings turned off, no model for the language, a missing package, a
file that does not load — raises ``EncoderUnavailable``. See
docs/decisions/0002-sentence-encoders.md for the models and their figures.
"""

from __future__ import annotations

import threading

from django.conf import settings

from .base import Encoder, EncoderUnavailable

__all__ = [
    "MODELS",
    "Encoder",
    "EncoderUnavailable",
    "configured_models",
    "configured_threads",
    "embeddings_enabled",
    "get_encoder",
    "get_model",
]


def _minilm():
    from .minilm import MiniLM

    return MiniLM()


def _e5_small():
    from .e5 import E5Small

    return E5Small()


#: Model key (as written in SEARCH_EMBEDDINGS_MODELS) -> how to make its encoder.
MODELS = {"minilm": _minilm, "e5-small": _e5_small}

_cache: dict[str, Encoder] = {}
_cache_lock = threading.Lock()


def _setting(name: str, default):
    # Usable without Django settings too (``python -m search.embeddings.build``).
    return getattr(settings, name, default) if settings.configured else default


def embeddings_enabled() -> bool:
    return str(_setting("SEARCH_EMBEDDINGS", "auto")).strip().lower() != "off"


def configured_threads() -> int:
    return max(1, int(_setting("SEARCH_EMBEDDINGS_THREADS", 2)))


def configured_models() -> dict[str, str]:
    """``"en=minilm,fa=e5-small"`` -> ``{"en": "minilm", "fa": "e5-small"}``."""
    spec = str(_setting("SEARCH_EMBEDDINGS_MODELS", ""))
    models = {}
    for item in spec.split(","):
        language, _, model = item.partition("=")
        if language.strip() and model.strip():
            models[language.strip().lower()] = model.strip().lower()
    return models


def get_encoder(language: str) -> Encoder:
    """The encoder for a language code (``en``, ``fa``, ``ro``; ``fa-IR`` reads as ``fa``)."""
    if not embeddings_enabled():
        raise EncoderUnavailable("Sentence encoders are off (SEARCH_EMBEDDINGS=off).")
    code = str(language or "").strip().lower().replace("_", "-").split("-")[0]
    model = configured_models().get(code)
    if model is None:
        raise EncoderUnavailable(
            f"No sentence encoder for the language {language!r} (SEARCH_EMBEDDINGS_MODELS)."
        )
    return get_model(model)


def get_model(name: str) -> Encoder:
    """The process's encoder for a model key; weights load on its first use."""
    if not embeddings_enabled():
        raise EncoderUnavailable("Sentence encoders are off (SEARCH_EMBEDDINGS=off).")
    encoder = _cache.get(name)
    if encoder is not None:
        return encoder
    factory = MODELS.get(name)
    if factory is None:
        known = ", ".join(sorted(MODELS))
        raise EncoderUnavailable(f"Unknown sentence encoder {name!r} (known: {known}).")
    with _cache_lock:
        encoder = _cache.get(name)
        if encoder is None:
            encoder = _cache[name] = factory()
    return encoder
