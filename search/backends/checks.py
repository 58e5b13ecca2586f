"""Start-up check of how OpenSearch searches vectors (``OPENSEARCH_VECTORS``): the mode the
backend chose and why, so a cluster without k-NN is seen at start, not in the rankings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Info, Warning, register

from .opensearch import VECTOR_SETTINGS


@register()
def check_opensearch_vectors(app_configs, **kwargs) -> list[CheckMessage]:
    setting = str(getattr(settings, "OPENSEARCH_VECTORS", "auto")).strip().lower()
    if setting not in VECTOR_SETTINGS:
        return [
            Error(
                f"OPENSEARCH_VECTORS is {settings.OPENSEARCH_VECTORS!r}.",
                hint=f"Use one of: {', '.join(VECTOR_SETTINGS)}.",
                id="portico.E026",
            )
        ]
    if settings.SEARCH_BACKEND != "opensearch" or not settings.OPENSEARCH_URL:
        return []
    from . import get_backend

    backend = get_backend()
    mode = backend.vector_mode
    reason = backend.vector_reason
    if mode == "rerank" and setting in ("auto", "knn") and not backend.vector_mode_settled:
        return [
            Warning(
                f"OpenSearch vectors: could not ask the cluster ({reason}).",
                hint="Search re-ranks lexical candidates until it answers.",
                id="portico.W027",
            )
        ]
    if mode == "rerank" and setting == "knn":
        return [
            Error(
                f"OPENSEARCH_VECTORS is knn but the cluster has no k-NN: {reason}.",
                hint="Install the k-NN and neural-search plugins, or set OPENSEARCH_VECTORS "
                "to auto or rerank.",
                id="portico.E027",
            )
        ]
    if mode == "rerank" and setting == "auto":
        return [
            Warning(
                f"OpenSearch vectors: rerank ({reason}): the lexical top "
                "100 are re-ranked by stored vectors; nothing is found by meaning alone.",
                hint="Install the k-NN and neural-search plugins and run search_reindex for "
                "hybrid queries, or set OPENSEARCH_VECTORS=rerank to silence this.",
                id="portico.W026",
            )
        ]
    return [Info(f"OpenSearch vectors: {mode} ({reason}).", id="portico.I026")]
