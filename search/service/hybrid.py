"""Hybrid retrieval: lexical (BM25) and vector (cosine) candidates, fused.

Each side's scores are min-max normalised over its own candidates (the best 1, the
worst 0) and mixed with a weight per use — the search page, similar questions, support
suggestions, related articles — and, where it differs, per language of the query
(``SEARCH_SEMANTIC_WEIGHTS``, ``semantic_weights``)::

    score = (1 - w) * lexical + w * semantic      (a side that did not find it: 0)

The fused list then goes through the usual ranking (quality, segments) and the database
access re-check. The vector side obeys the same access terms and filters as the lexical
one (``SearchBackend.vector_search``). On OpenSearch with k-NN (``vector_mode == "knn"``)
the fusion happens in the engine instead: one ``hybrid`` query through the use's search
pipeline (the same normalisation and weights; ``OpenSearchBackend.hybrid_search``), its
k-NN side filtered by the same access terms. When semantic search is off
(``SEARCH_SEMANTIC=off``), the backend has no vectors, or encoding or the vector search
fails (logged, metric ``search.semantic_unavailable``), search is lexical only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings

from core import metrics

from ..analysis import LANGUAGES, language_of
from ..schema import SearchHit, SearchQuery
from .base import ServiceBase

logger = logging.getLogger(__name__)

#: Uses of search and their default semantic weight (tuned on the benchmarks' dev splits).
DEFAULT_WEIGHTS = {"search": 0.5, "similar": 0.8, "suggestions": 0.8, "related": 0.5}
#: A language's own default weights, where they differ from the use's. Romanian words meet
#: their forms through stemming and diacritic folding, and its encoder (e5-small) is no
#: better than that: ro-sts dev MAP 86.1 at 0.8, 87.0 at 0.4–0.6 (README, "Semantic and
#: hybrid"). English and Persian keep 0.8.
LANGUAGE_WEIGHTS: dict[str, dict[str, float]] = {
    "ro": {"similar": 0.5, "suggestions": 0.5},
}
#: The least cosine a document found by meaning alone needs, per model: below it, it is
#: not about the query (e5's cosines crowd into 0.7–0.9, MiniLM's spread around 0).
FLOORS = {"minilm": 0.25, "e5-small": 0.8}
#: Retrieval modes (``search_eval --mode``): hybrid is the product's.
MODES = ("hybrid", "lexical", "semantic")


def semantic_weights(language: str | None = None) -> dict[str, float]:
    """The semantic weight of each use for a query in ``language`` (``None``: several
    languages or unknown). From the least to the most specific, the later winning:
    ``DEFAULT_WEIGHTS``, ``LANGUAGE_WEIGHTS[language]``, the setting's ``use=weight``
    entries, its ``language:use=weight`` entries (``SEARCH_SEMANTIC_WEIGHTS``, e.g.
    ``"search=0.5,ro:similar=0.6"``): what the setting says always beats a built-in
    default. A weight outside 0..1, or an unknown use or language, is refused by a system
    check."""
    configured = parse_weights(getattr(settings, "SEARCH_SEMANTIC_WEIGHTS", ""))
    weights = dict(DEFAULT_WEIGHTS)
    code = language_of(language) if language else None
    if code is not None:
        weights.update(LANGUAGE_WEIGHTS.get(code, {}))
    weights.update({use: w for use, w in configured.items() if ":" not in use})
    if code is not None:
        prefix = f"{code}:"
        weights.update(
            {use[len(prefix) :]: w for use, w in configured.items() if use.startswith(prefix)}
        )
    return weights


def query_language(languages: Sequence[str]) -> str | None:
    """The one language of a query's ``languages`` (``None`` when it spans several)."""
    codes = {language_of(code) for code in languages}
    return codes.pop() if len(codes) == 1 else None


def parse_weights(spec: str) -> dict[str, float]:
    """``"search=0.5,ro:similar=0.7"`` → ``{"search": 0.5, "ro:similar": 0.7}``; raises
    ``ValueError`` on a use or language that does not exist or a weight outside 0..1."""
    weights: dict[str, float] = {}
    for item in str(spec or "").split(","):
        if not item.strip():
            continue
        key, _, value = item.partition("=")
        language, _, use = key.strip().lower().rpartition(":")
        if use not in DEFAULT_WEIGHTS:
            raise ValueError(f"Unknown use {use!r} (known: {', '.join(DEFAULT_WEIGHTS)}).")
        if language and language not in LANGUAGES:
            raise ValueError(f"Unknown language {language!r} (known: {', '.join(LANGUAGES)}).")
        use = f"{language}:{use}" if language else use
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"The weight of {use!r} is not a number: {value!r}.") from None
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"The weight of {use!r} must be between 0 and 1, not {weight}.")
        weights[use] = weight
    return weights


def _normalised(hits: Sequence[SearchHit]) -> dict[str, float]:
    if not hits:
        return {}
    scores = [h.score for h in hits]
    low, high = min(scores), max(scores)
    if high - low <= 1e-12:
        return {h.id: 1.0 for h in hits}
    return {h.id: (h.score - low) / (high - low) for h in hits}


def fuse(
    lexical: Sequence[SearchHit], semantic: Sequence[SearchHit], weight: float
) -> list[SearchHit]:
    """One list, best first: each side min-max normalised, mixed with ``weight`` for the
    semantic side. Hits keep both raw scores (``lexical``, ``semantic``) for debugging."""
    lex, sem = _normalised(lexical), _normalised(semantic)
    documents = {h.id: h.document for h in semantic}
    documents.update({h.id: h.document for h in lexical})
    raw_lex = {h.id: h.score for h in lexical}
    raw_sem = {h.id: h.score for h in semantic}
    fused = [
        SearchHit(
            id=doc_id,
            score=(1.0 - weight) * lex.get(doc_id, 0.0) + weight * sem.get(doc_id, 0.0),
            document=document,
            lexical=raw_lex.get(doc_id),
            semantic=raw_sem.get(doc_id),
        )
        for doc_id, document in documents.items()
    ]
    fused.sort(key=lambda h: (-h.score, h.id))
    return fused


class Hybrid(ServiceBase):
    """Vector candidates and their fusion (a part of ``SearchService``)."""

    mode: str = "hybrid"

    def semantic_weight(self, use: str, languages: Sequence[str] = ()) -> float:
        """The vector side's weight for ``use`` and a query in ``languages``."""
        if self.mode == "lexical":
            return 0.0
        if self.mode == "semantic":
            return 1.0
        return semantic_weights(query_language(languages)).get(use, 0.0)

    def semantic_hits(
        self,
        query: SearchQuery,
        text: str,
        *,
        use: str,
        limit: int,
        found: Sequence[SearchHit] = (),
    ) -> list[SearchHit] | None:
        """The vector side's candidates for ``query`` (its access, filters, languages),
        or ``None`` when there is none to have (off, unavailable, failed). Documents not
        ``found`` lexically (by ``query`` itself: the backend need not confirm those again)
        need a cosine of at least the model's floor (``FLOORS``)."""
        from ..vectors import query_vectors, semantic_enabled

        if self.semantic_weight(use, query.languages) <= 0.0 or not semantic_enabled():
            return None
        backend = self.backend
        if not getattr(backend, "supports_vectors", False):
            return None
        vectors = query_vectors(text, query.languages)
        if not vectors:
            return None
        try:
            floors = None if self.mode == "semantic" else FLOORS
            return backend.vector_search(
                query,
                vectors,
                limit=limit,
                floors=floors,
                exempt=[h.id for h in found],
                confirmed={h.id: h.document for h in found},
            ).hits
        except Exception as exc:
            logger.warning(
                "The vector search failed (%s: %s); searching lexically.", type(exc).__name__, exc
            )
            metrics.increment("search.semantic_unavailable")
            return None

    def vector_description(self) -> str:
        """How vectors are searched, for the debug view: ``knn``, ``rerank`` (OpenSearch,
        with the reason it was chosen), ``exact`` (embedded), or ``off``."""
        from ..vectors import semantic_enabled

        backend = self.backend
        if not semantic_enabled() or not getattr(backend, "supports_vectors", False):
            return "off"
        mode = str(getattr(backend, "vector_mode", "exact"))
        reason = str(getattr(backend, "vector_reason", "") or "")
        return f"{mode} ({reason})" if reason else mode

    def engine_fused(
        self, query: SearchQuery, lexical: list[SearchHit], text: str, *, use: str, limit: int
    ) -> list[SearchHit] | None:
        """The engine's own fusion (OpenSearch with k-NN: a ``hybrid`` query through the
        use's search pipeline), or ``None`` where there is none: the fusion is then ours."""
        from ..vectors import query_vectors, semantic_enabled

        backend = self.backend
        if (
            self.mode != "hybrid"
            or self.semantic_weight(use, query.languages) <= 0.0
            or not semantic_enabled()
            or not hasattr(backend, "hybrid_search")
            or not getattr(backend, "supports_vectors", False)
        ):
            return None
        try:
            if backend.vector_mode != "knn":
                return None
            vectors = query_vectors(text, query.languages)
            if not vectors:
                return lexical  # no encoder for this query (logged): lexical only
            found = backend.hybrid_search(
                query, vectors, use=use, limit=limit, floors=FLOORS, lexical=lexical
            )
        except Exception as exc:
            logger.warning(
                "The hybrid query failed (%s: %s); searching lexically.", type(exc).__name__, exc
            )
            metrics.increment("search.semantic_unavailable")
            return lexical
        return None if found is None else found.hits

    def combine(
        self,
        query: SearchQuery,
        lexical: list[SearchHit],
        text: str,
        *,
        use: str,
        limit: int,
    ) -> list[SearchHit]:
        """``lexical`` fused with the vector side's candidates (``lexical`` unchanged when
        search is lexical only)."""
        fused = self.engine_fused(query, lexical, text, use=use, limit=limit)
        if fused is not None:
            return fused
        semantic = self.semantic_hits(query, text, use=use, limit=limit, found=lexical)
        if semantic is None:
            return [] if self.mode == "semantic" else lexical
        if self.mode == "semantic":
            return fuse([], semantic, 1.0)
        return fuse(lexical, semantic, self.semantic_weight(use, query.languages))
