"""Start-up checks of the sentence encoder settings: a typo fails at start, not at search."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from . import MODELS, EncoderUnavailable, get_model
from .base import GraphEncoder

CHOICES = ("auto", "off")
SEMANTIC_CHOICES = ("on", "off")


@register()
def check_embedding_settings(app_configs, **kwargs):
    problems: list[CheckMessage] = []
    mode = str(getattr(settings, "SEARCH_EMBEDDINGS", "auto")).strip().lower()
    if mode not in CHOICES:
        problems.append(
            Error(
                f"SEARCH_EMBEDDINGS is {settings.SEARCH_EMBEDDINGS!r}.",
                hint=f"Use one of: {', '.join(CHOICES)}.",
                id="portico.E021",
            )
        )
    semantic = str(getattr(settings, "SEARCH_SEMANTIC", "on")).strip().lower()
    if semantic not in SEMANTIC_CHOICES:
        problems.append(
            Error(
                f"SEARCH_SEMANTIC is {settings.SEARCH_SEMANTIC!r}.",
                hint=f"Use one of: {', '.join(SEMANTIC_CHOICES)}.",
                id="portico.E024",
            )
        )
    from search.service.hybrid import parse_weights

    try:
        parse_weights(getattr(settings, "SEARCH_SEMANTIC_WEIGHTS", ""))
    except ValueError as exc:
        problems.append(
            Error(
                f"SEARCH_SEMANTIC_WEIGHTS: {exc}",
                hint="Write use=weight or language:use=weight pairs, "
                "e.g. search=0.5,ro:similar=0.6.",
                id="portico.E025",
            )
        )
    if getattr(settings, "SEARCH_EMBEDDINGS_THREADS", 2) < 1:
        problems.append(Error("SEARCH_EMBEDDINGS_THREADS must be 1 or more.", id="portico.E022"))
    models = set()
    for item in str(getattr(settings, "SEARCH_EMBEDDINGS_MODELS", "")).split(","):
        if not item.strip():
            continue
        language, _, model = (part.strip().lower() for part in item.partition("="))
        if not language or model not in MODELS:
            problems.append(
                Error(
                    f"SEARCH_EMBEDDINGS_MODELS has {item.strip()!r}.",
                    hint=f"Write language=model pairs; models: {', '.join(MODELS)}.",
                    id="portico.E023",
                )
            )
        else:
            models.add(model)
    if mode == "auto":
        for model in sorted(models):
            try:
                encoder = get_model(model)
                assert isinstance(encoder, GraphEncoder)
                missing = not encoder.is_built()
            except EncoderUnavailable as exc:
                reason, missing = str(exc), True
            else:
                reason = f"{model}: {encoder.graph_path} is missing."
            if missing:
                problems.append(
                    Warning(
                        f"Sentence encoder unavailable, search stays lexical: {reason}",
                        hint="Run `make install` (or `python -m search.embeddings.build`).",
                        id="portico.W021",
                    )
                )
    return problems
