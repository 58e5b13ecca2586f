"""The OpenSearch backend (opensearch-py) for ``OPENSEARCH_URL``.

Index names carry a prefix so several sites, environments or test workers share one
cluster: searches and writes go to the alias ``<prefix>-<name>``, which points at exactly
one versioned index ``<prefix>-<name>-v<timestamp>``. A rebuild fills a new versioned
index, then moves the alias in one ``_aliases`` request (atomic) and deletes the old one.

Mappings are explicit (``dynamic: strict``): analyzed text with a per-language analyzer,
keyword fields for filters, facets and access terms, a ``search_as_you_type`` subfield of
the title for type-ahead. Every request has a timeout; connection errors and timeouts are
retried by the client, then raised as ``SearchUnavailable``.

Semantic search (``OPENSEARCH_VECTORS``): each document's sentence vector is computed at
write time, in batches, cached by content hash as on the embedded backend
(``search.vectors``), and kept in its source (``semantic``: an object OpenSearch stores but
does not index). An embedding failure never blocks the lexical write: the document is
indexed without a vector. How the vectors are searched is chosen once per process
(``vector_mode``):

- ``knn``: the cluster has the k-NN and neural-search plugins. Each model's vectors are
  also in a ``knn_vector`` field (``vector_<model>``: HNSW, cosine similarity — the
  encoders' vectors are L2-normalised), and a search is one ``hybrid`` query (the lexical
  query and a ``knn`` query carrying the same access filter) through a search pipeline
  per use (and per use and language: a language may have weights of its own) whose
  ``normalization-processor`` min-max normalises both sides and mixes them with that
  semantic weight (``search.service.hybrid.semantic_weights``), as the embedded backend
  does in Python. Pipelines are created or updated at the first search
  or write and at every rebuild.
- ``rerank``: the cluster has no k-NN (the plugins are absent from ``_cat/plugins``, the
  search pipeline API is missing, or an index with a ``knn_vector`` is refused): the
  lexical candidates (the top 100) are re-ranked by the vectors in their source;
  documents found by meaning alone, with no word in common, are not found.
- ``off``: no vectors at all.

A version records its mode in its mapping's ``_meta`` (``vectors``): a ``knn`` search is
sent only to an index built with ``knn_vector`` fields (run ``search_reindex`` after
turning k-NN on).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from opensearchpy import OpenSearch, helpers
from opensearchpy import exceptions as os_exc

from ..analysis import EXTRA_VARIANTS, LANGUAGES, VARIANTS, language_of, terms, variant_field
from ..schema import (
    BOOLEAN_FIELDS,
    DATE_FIELDS,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    SCHEMA_VERSION,
    SORT_NEWEST,
    STORED_ONLY_FIELDS,
    TEXT_FIELDS,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from .base import (
    SchemaOutdated,
    SearchBackend,
    SearchBackendError,
    SearchUnavailable,
    new_version_name,
)
from .text import query_words

if TYPE_CHECKING:
    from ..vectors import VectorCache

logger = logging.getLogger(__name__)

#: OpenSearch's language analyzers per site language (``SEARCH_LANGUAGE``); every index
#: declares all of them. Stop words are kept, as in the embedded engine, so that phrases
#: and short titles ("How to") still match.
LANGUAGE_ANALYZERS = {"en": "english", "de": "german", "fr": "french", "ar": "arabic"}
#: The pre-analysed copies of the text fields (searched, never read back).
ANALYSED_FIELDS = [variant_field(f, v) for f in TEXT_FIELDS for v in EXTRA_VARIANTS]
SUGGEST_FIELDS = ["title.suggest", "title.suggest._2gram", "title.suggest._3gram"]


def analysis_settings() -> dict:
    analyzers: dict[str, dict[str, Any]] = {
        f"portico_{code}": {"type": language, "stopwords": "_none_"}
        for code, language in LANGUAGE_ANALYZERS.items()
    }
    analyzers["portico_plain"] = {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["lowercase"],
    }
    return {"analyzer": analyzers}


#: ``OPENSEARCH_VECTORS``: ``auto`` (k-NN where the cluster has it, else ``rerank``).
VECTOR_SETTINGS = ("auto", "knn", "rerank", "off")
#: The lexical candidates re-ranked by their stored vectors without k-NN.
RERANK_CANDIDATES = 100
#: Plugins a ``knn`` search needs (``_cat/plugins`` component names).
KNN_PLUGINS = {
    "opensearch-knn": "the k-NN plugin",
    "opensearch-neural-search": "the neural-search plugin (hybrid query, normalization)",
}
#: How often the alias's mapping is read again for its vector mode (a rebuild elsewhere).
META_TTL = 60.0


def knn_field(model: str) -> str:
    """The ``knn_vector`` field of a model's vectors: ``vector_minilm``, ``vector_e5_small``."""
    return "vector_" + "".join(c if c.isalnum() else "_" for c in model.lower())


def knn_mapping(dimension: int) -> dict:
    """A ``knn_vector`` of normalised vectors: HNSW, cosine (= inner product here)."""
    return {
        "type": "knn_vector",
        "dimension": int(dimension),
        "method": {
            "name": "hnsw",
            "space_type": "cosinesimil",
            "engine": "lucene",
            "parameters": {"m": 16, "ef_construction": 128},
        },
    }


def pipeline_body(use: str, weight: float, language: str | None = None) -> dict:
    """The search pipeline of one use (in one ``language``, where it has its own weight):
    each side min-max normalised, then the weighted arithmetic mean
    ``(1 - w) * lexical + w * semantic`` (``search.service.hybrid.fuse``)."""
    weight = round(min(1.0, max(0.0, float(weight))), 4)
    what = f"{use}, {language}" if language else use
    return {
        "description": f"Portico hybrid search ({what}): lexical and k-NN, "
        f"semantic weight {weight}",
        "phase_results_processors": [
            {
                "normalization-processor": {
                    "normalization": {"technique": "min_max"},
                    "combination": {
                        "technique": "arithmetic_mean",
                        "parameters": {"weights": [round(1.0 - weight, 4), weight]},
                    },
                }
            }
        ],
    }


def index_body(
    *,
    language: str = "en",
    shards: int = 1,
    replicas: int = 0,
    knn_models: dict[str, int] | None = None,
) -> dict:
    """The settings and mappings of a new version; ``knn_models`` (``{model: dimension}``)
    adds a ``knn_vector`` field per model (``knn`` mode)."""
    analyzer = f"portico_{language if language in LANGUAGE_ANALYZERS else 'en'}"
    properties: dict[str, dict] = {}
    for name in KEYWORD_FIELDS:
        properties[name] = {"type": "keyword"}
    for name in TEXT_FIELDS:
        properties[name] = {"type": "text", "analyzer": analyzer}
        # The same text analysed the way of its document's language (Persian, Romanian):
        # terms made by search.analysis, the very terms the embedded index holds.
        for variant in EXTRA_VARIANTS:
            properties[variant_field(name, variant)] = {"type": "text", "analyzer": "whitespace"}
    properties["title"]["fields"] = {
        "exact": {"type": "text", "analyzer": "portico_plain"},
        "suggest": {"type": "search_as_you_type", "analyzer": "portico_plain"},
    }
    for name in STORED_ONLY_FIELDS:
        properties[name] = {"type": "keyword", "index": False, "doc_values": False}
    for name in DATE_FIELDS:
        properties[name] = {"type": "date"}
    for name in INTEGER_FIELDS:
        properties[name] = {"type": "integer"}
    for name in BOOLEAN_FIELDS:
        properties[name] = {"type": "boolean"}
    # The sentence vector and its model: kept in the source, never indexed.
    properties["semantic"] = {"type": "object", "enabled": False}
    index_settings: dict[str, Any] = {"number_of_shards": shards, "number_of_replicas": replicas}
    vectors: dict[str, Any] = {"mode": "rerank", "fields": {}}
    if knn_models:
        index_settings["knn"] = True
        for model, dimension in sorted(knn_models.items()):
            properties[knn_field(model)] = knn_mapping(dimension)
            vectors["fields"][model] = knn_field(model)
        vectors["mode"] = "knn"
    return {
        "settings": {"index": index_settings, "analysis": analysis_settings()},
        "mappings": {
            "dynamic": "strict",
            "_meta": {"schema_version": SCHEMA_VERSION, "vectors": vectors},
            "properties": properties,
        },
    }


def to_source(document: SearchDocument) -> dict:
    source = document.to_dict()
    for name in DATE_FIELDS:
        value = source.get(name)
        source[name] = value.astimezone(UTC).isoformat() if value else None
    for variant in VARIANTS[language_of(document.locale)]:
        if variant == "en":
            continue
        for name in TEXT_FIELDS:
            value = source.get(name)
            text = " ".join(value) if isinstance(value, list) else (value or "")
            source[variant_field(name, variant)] = " ".join(terms(text, variant))
    return source


def with_vector(source: dict, embedded, knn_fields: dict[str, str] | None = None) -> dict:
    """``source`` with a document's vector (``search.vectors.Embedded``), if it has one: in
    ``semantic`` always, and in its model's ``knn_vector`` field where the index has one."""
    if embedded is not None:
        vector = [round(float(x), 7) for x in embedded.vector]
        source["semantic"] = {"model": embedded.model, "vector": vector}
        field = (knn_fields or {}).get(embedded.model)
        if field:
            source[field] = vector
    return source


def _analysed(text: str, variant: str) -> str:
    """A query's words as ``variant``'s terms (what the pre-analysed fields hold)."""
    return text if variant == "en" else " ".join(terms(text, variant))


def _translate_errors(method):
    """Client errors → ``SearchUnavailable`` (retry later) or ``SearchBackendError``."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except SearchBackendError:
            raise
        except (os_exc.ConnectionError, os_exc.ConnectionTimeout) as exc:
            raise SearchUnavailable(f"OpenSearch is not answering: {exc}") from exc
        except helpers.BulkIndexError as exc:
            first = exc.errors[0] if exc.errors else {}
            raise SearchBackendError(f"{len(exc.errors)} bulk item(s) failed: {first}") from exc
        except os_exc.TransportError as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else 0
            if status in (429, 502, 503, 504) or status == 0:
                raise SearchUnavailable(f"OpenSearch is unavailable: {exc}") from exc
            raise SearchBackendError(f"OpenSearch refused the request: {exc}") from exc

    return wrapper


class OpenSearchBackend(SearchBackend):
    name = "opensearch"

    def __init__(
        self,
        *,
        prefix: str,
        index: str = "content",
        url: str,
        timeout: float = 5.0,
        query_timeout: float | None = None,
        max_retries: int = 2,
        language: str = "en",
        shards: int = 1,
        replicas: int = 0,
        bulk_chunk_size: int = 500,
        client: OpenSearch | None = None,
        vectors: bool = True,
        vector_cache_path: str | os.PathLike | None = None,
        vector_setting: str = "auto",
    ):
        super().__init__(prefix=prefix, index=index)
        self.url = url
        self.timeout = timeout
        self.language = language
        self.shards = shards
        self.replicas = replicas
        self.bulk_chunk_size = bulk_chunk_size
        self.client = client or OpenSearch(
            hosts=[url],
            timeout=timeout,
            max_retries=max_retries,
            retry_on_timeout=True,
            retry_on_status=(502, 503, 504),
        )
        # Searches use their own client: a short timeout and no retry, so a hung server
        # costs a page one short wait (and the circuit breaker stops even that).
        self.query_timeout = query_timeout or timeout
        self.reader = (
            OpenSearch(
                hosts=[url],
                timeout=self.query_timeout,
                max_retries=0,
                retry_on_timeout=False,
            )
            if client is None
            else client
        )
        self._checked_versions: set[str] = set()
        self.vectors = vectors
        self._vector_cache_path = vector_cache_path
        self._vector_cache: VectorCache | None = None
        self.vector_setting = str(vector_setting or "auto").strip().lower()
        if self.vector_setting not in VECTOR_SETTINGS:
            raise SearchBackendError(
                f"OPENSEARCH_VECTORS is {vector_setting!r}: "
                f"use one of {', '.join(VECTOR_SETTINGS)}."
            )
        self._vector_mode: str | None = None
        #: Why ``vector_mode`` is what it is (system check, debug view).
        self.vector_reason = ""
        self._vector_lock = threading.Lock()
        #: Each version's ``_meta.vectors`` (its mode and ``knn_vector`` fields).
        self._version_vectors: dict[str, dict] = {}
        self._alias_vectors: tuple[float, dict] | None = None
        self._pipelines: dict[str, dict] | None = None

    @property
    def alias(self) -> str:
        return self.index_name

    def _physical(self, version: str) -> str:
        return f"{self.alias}-{version}"

    def _target(self, version: str | None) -> str:
        return self._physical(version) if version else self.alias

    # --- Versions ------------------------------------------------------------------------

    def _aliased_indexes(self) -> list[str]:
        """Indexes the alias points at (none before the first ``ensure_index``)."""
        found = self.client.indices.get_alias(name=self.alias, ignore=404)
        return [
            name for name, value in found.items() if isinstance(value, dict) and "aliases" in value
        ]

    @_translate_errors
    def current_version(self) -> str | None:
        names = sorted(self._aliased_indexes())
        if not names:
            return None
        return names[-1][len(self.alias) + 1 :]

    @_translate_errors
    def versions(self) -> list[str]:
        indexes = self.client.indices.get(
            index=f"{self.alias}-v*", expand_wildcards="open", ignore=404
        )
        indexes = {k: v for k, v in indexes.items() if isinstance(v, dict) and "mappings" in v}
        start = len(self.alias) + 1
        return sorted(name[start:] for name in indexes)

    @_translate_errors
    def create_version(self) -> str:
        version = new_version_name()
        knn_models = self.knn_models() if self.vector_mode == "knn" else None
        body = index_body(
            language=self.language,
            shards=self.shards,
            replicas=self.replicas,
            knn_models=knn_models,
        )
        try:
            self.client.indices.create(index=self._physical(version), body=body)
        except os_exc.RequestError as exc:
            if not knn_models:
                raise
            # The cluster refused the knn_vector fields: re-rank by stored vectors instead.
            self._fall_back_to_rerank(f"an index with knn_vector fields was refused: {exc}")
            body = index_body(language=self.language, shards=self.shards, replicas=self.replicas)
            self.client.indices.create(index=self._physical(version), body=body)
        self._checked_versions.add(version)
        self._version_vectors[version] = body["mappings"]["_meta"]["vectors"]
        return version

    @_translate_errors
    def switch_to(self, version: str) -> None:
        target = self._physical(version)
        if not self.client.indices.exists(index=target):
            raise SearchBackendError(f"No index {target}")
        # Everything written to the new version is searchable the moment it takes over.
        self.client.indices.refresh(index=target)
        actions: list[dict[str, Any]] = []
        for name in self._aliased_indexes():
            if name != target:
                actions.append({"remove": {"index": name, "alias": self.alias}})
        actions.append({"add": {"index": target, "alias": self.alias, "is_write_index": True}})
        self.client.indices.update_aliases(body={"actions": actions})
        self._alias_vectors = None
        if self.vector_mode == "knn":
            # A rebuild brings the pipelines up to date with the weights of now.
            self.ensure_pipelines(force=True)

    @_translate_errors
    def drop_version(self, version: str) -> None:
        if version == self.current_version():
            raise SearchBackendError("The current version cannot be dropped.")
        self.client.indices.delete(index=self._physical(version), ignore_unavailable=True)
        self._checked_versions.discard(version)

    @_translate_errors
    def drop_all(self) -> None:
        for version in self.versions():
            self.client.indices.delete(index=self._physical(version), ignore_unavailable=True)
        self._checked_versions.clear()

    @_translate_errors
    def ensure_index(self) -> str:
        version = self.current_version()
        if version is None:
            version = self.create_version()
            self.switch_to(version)
            # Two processes may have raced: the alias names the one that won.
            version = self.current_version() or version
        self._check_schema(version)
        if self.vector_mode == "knn":
            self.ensure_pipelines()
        return version

    def _check_schema(self, version: str) -> None:
        if version in self._checked_versions:
            return
        mapping = self.client.indices.get_mapping(index=self._physical(version))
        first: dict[str, Any] = next(iter(mapping.values()), {})
        meta = first.get("mappings", {}).get("_meta", {})
        self._version_vectors[version] = meta.get("vectors") or {"mode": "rerank", "fields": {}}
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise SchemaOutdated(
                f"{self._physical(version)} was built with schema {meta.get('schema_version')}, "
                f"this code writes {SCHEMA_VERSION}: run manage.py search_reindex."
            )
        self._checked_versions.add(version)

    # --- Writes --------------------------------------------------------------------------

    def _write_target(self, version: str | None) -> str:
        return self._write_version(version)[1]

    def _write_version(self, version: str | None) -> tuple[str, str]:
        """The version written to and the index name to write it under."""
        if version:
            self._check_schema(version)
            return version, self._physical(version)
        return self.ensure_index(), self.alias

    @_translate_errors
    def upsert(self, documents: Iterable[SearchDocument], *, version: str | None = None) -> int:
        documents = list(documents)
        if not documents:
            return 0
        version, target = self._write_version(version)
        embedded = self._embed(documents)
        # Only the knn_vector fields this version was built with (the mapping is strict).
        knn_fields = self._version_vectors.get(version, {}).get("fields") or {}
        actions = (
            {
                "_op_type": "index",
                "_index": target,
                "_id": d.id,
                "_source": with_vector(to_source(d), embedded.get(d.id), knn_fields),
            }
            for d in documents
        )
        written, _errors = helpers.bulk(
            self.client,
            actions,
            chunk_size=self.bulk_chunk_size,
            max_retries=2,
            request_timeout=self.timeout * 4,
        )
        return written

    # --- Vectors: k-NN and hybrid queries, or re-ranking the lexical candidates ----------

    @property
    def supports_vectors(self) -> bool:
        return self.vectors and self.vector_setting != "off"

    @property
    def vector_mode(self) -> str:
        """``knn``, ``rerank`` or ``off``: chosen once per process (``OPENSEARCH_VECTORS``,
        and for ``auto`` and ``knn`` what the cluster supports); ``vector_reason`` says why.
        A cluster that does not answer is asked again next time (``rerank`` meanwhile)."""
        if self._vector_mode is not None:
            return self._vector_mode
        with self._vector_lock:
            if self._vector_mode is None:
                if not self.supports_vectors:
                    self._vector_mode, self.vector_reason = "off", "OPENSEARCH_VECTORS=off"
                elif self.vector_setting == "rerank":
                    self._vector_mode = "rerank"
                    self.vector_reason = "OPENSEARCH_VECTORS=rerank"
                else:
                    try:
                        missing = self.knn_missing()
                    except (os_exc.ConnectionError, os_exc.ConnectionTimeout) as exc:
                        self.vector_reason = f"the cluster did not answer: {exc}"
                        return "rerank"
                    except os_exc.TransportError as exc:
                        # A definite refusal (no right to list plugins…): no k-NN for us.
                        missing = f"the cluster refused to say what it has: {exc}"
                    if missing:
                        self._vector_mode, self.vector_reason = "rerank", missing
                    else:
                        self._vector_mode = "knn"
                        self.vector_reason = "the cluster has k-NN and hybrid queries"
        return self._vector_mode

    @property
    def vector_mode_settled(self) -> bool:
        """Whether ``vector_mode`` is decided (not waiting for the cluster to answer)."""
        return self._vector_mode is not None

    def knn_missing(self) -> str:
        """What the cluster lacks for k-NN hybrid search (``""``: nothing): the plugins
        in ``_cat/plugins``, or the search pipeline API."""
        plugins = self.reader.cat.plugins(format="json") or []
        installed = {str(p.get("component", "")) for p in plugins if isinstance(p, dict)}
        for plugin, what in KNN_PLUGINS.items():
            if plugin not in installed:
                return f"{what} ({plugin}) is not installed"
        try:
            self.reader.transport.perform_request("GET", "/_search/pipeline")
        except os_exc.NotFoundError as exc:
            # No pipeline yet answers 404 too; a cluster without the API has no handler.
            if "no handler" in str(exc.info or exc).lower():
                return "the search pipeline API is missing"
        except os_exc.TransportError as exc:
            if exc.status_code in (400, 405):
                return f"the search pipeline API is missing ({exc.status_code})"
            raise
        return ""

    def _fall_back_to_rerank(self, reason: str) -> None:
        logger.warning("OpenSearch without k-NN (%s): re-ranking lexical candidates.", reason)
        self._vector_mode, self.vector_reason = "rerank", reason

    def knn_models(self) -> dict[str, int]:
        """``{model: dimension}`` of the encoders ``SEARCH_EMBEDDINGS_MODELS`` names (one
        that cannot be made gets no field: its documents have no vector anyway)."""
        from ..embeddings import configured_models, get_model

        found: dict[str, int] = {}
        for model in dict.fromkeys(configured_models().values()):
            try:
                found[model] = int(get_model(model).dim)
            except Exception as exc:
                logger.warning("No knn_vector field for %s: %s", model, exc)
        return found

    def pipeline_name(self, use: str, language: str | None = None) -> str:
        base = f"{self.alias}-hybrid-{use}"
        return f"{base}-{language}" if language else base

    def wanted_pipelines(self) -> dict[str, dict]:
        """``{name: body}``: one pipeline per use (a query in several languages), and one
        per use and language (``search.service.hybrid.semantic_weights``) — always all of
        them, so a weight that changes never leaves a pipeline behind."""
        from ..service.hybrid import semantic_weights

        wanted = {
            self.pipeline_name(use): pipeline_body(use, weight)
            for use, weight in semantic_weights().items()
        }
        for language in LANGUAGES:
            for use, weight in semantic_weights(language).items():
                wanted[self.pipeline_name(use, language)] = pipeline_body(use, weight, language)
        return wanted

    def query_pipeline(self, use: str, languages: Sequence[str]) -> str:
        """The pipeline a query in ``languages`` goes through for ``use``."""
        from ..service.hybrid import query_language

        language = query_language(languages)
        return self.pipeline_name(use, language) if language else self.pipeline_name(use)

    @_translate_errors
    def ensure_pipelines(self, *, force: bool = False) -> dict[str, dict]:
        """Create or update the search pipeline of each use, and of each use and language
        (``{name: body}``); a pipeline that already says the same is left alone."""
        wanted = self.wanted_pipelines()
        if not force and self._pipelines == wanted:
            return wanted
        for name, body in wanted.items():
            try:
                current = self.client.transport.perform_request("GET", f"/_search/pipeline/{name}")
            except os_exc.NotFoundError:
                current = {}
            if (current or {}).get(name) != body:
                self.client.transport.perform_request("PUT", f"/_search/pipeline/{name}", body=body)
        self._pipelines = wanted
        return wanted

    def index_vectors(self) -> dict:
        """``_meta.vectors`` of the version the alias points at (read again every minute:
        a rebuild in another process may have changed it)."""
        now = time.monotonic()
        if self._alias_vectors is not None and now - self._alias_vectors[0] < META_TTL:
            return self._alias_vectors[1]
        try:
            mapping = self.reader.indices.get_mapping(index=self.alias)
        except os_exc.NotFoundError:
            return {"mode": "rerank", "fields": {}}
        first: dict[str, Any] = next(iter(mapping.values()), {})
        vectors = first.get("mappings", {}).get("_meta", {}).get("vectors") or {}
        vectors = {"mode": vectors.get("mode", "rerank"), "fields": vectors.get("fields") or {}}
        self._alias_vectors = (now, vectors)
        return vectors

    def knn_ready(self) -> bool:
        """Whether searches use k-NN: the mode is ``knn`` and so is the current index."""
        return self.vector_mode == "knn" and self.index_vectors()["mode"] == "knn"

    def vector_cache(self) -> VectorCache:
        from django.conf import settings

        from ..vectors import VectorCache

        if self._vector_cache is None:
            path = self._vector_cache_path or (
                Path(settings.SEARCH_EMBEDDED_PATH) / f"{self.index_name}-vector-cache.sqlite3"
            )
            self._vector_cache = VectorCache(path)
        return self._vector_cache

    def _embed(self, documents: Sequence[SearchDocument]) -> dict:
        from ..vectors import embed_documents, semantic_enabled

        if not (self.vectors and semantic_enabled()):
            return {}
        try:
            return embed_documents(documents, self.vector_cache())[0]
        except Exception as exc:  # never in the way of the lexical write
            logger.warning("Indexing without vectors: %s: %s", type(exc).__name__, exc)
            return {}

    @_translate_errors
    def vector_search(
        self,
        query: SearchQuery,
        vectors: dict,
        *,
        limit: int = 100,
        floors: dict[str, float] | None = None,
        exempt: Sequence[str] = (),
        confirmed: Mapping[str, SearchDocument] | None = None,
    ) -> SearchResults:
        """``knn``: the nearest documents the query allows (a ``knn`` query with its
        filter). ``rerank``: cosines of the lexical candidates (``exempt``) that the query
        allows, from the vectors in their source; documents outside ``exempt`` are not
        searched. Scores are cosines either way."""
        if self.knn_ready():
            return self._knn_search(query, vectors, limit=limit, floors=floors, exempt=exempt)
        body = self.rerank_body(query, exempt)
        if body is None or not vectors or limit <= 0:
            return SearchResults(total=0, hits=[])
        try:
            response = self.reader.search(index=self.alias, body=body)
        except os_exc.NotFoundError:
            return SearchResults(total=0, hits=[])
        # Candidates are scored by their cosine alone: no floor for what the text found.
        everything = {hit["_id"] for hit in response["hits"]["hits"]}
        hits = self._cosine_hits(
            response, vectors, floors=None, found=everything, score_is_cosine=True
        )
        hits.sort(key=lambda h: (-h.score, h.id))
        return SearchResults(total=len(hits), hits=hits[:limit])

    def vector_filter(self, query: SearchQuery) -> dict | None:
        """What the vector side may return: the same access terms, filters, required
        phrases and exclusions as the lexical side (``None``: anything, for staff with
        no filter)."""
        weights = query.weights
        variants = query.variants()
        must = [self._match(p, weights, variants) for p in query.phrases if query_words(p)]
        if len(must) < len(query.phrases):
            must = [{"match_none": {}}]
        clauses: dict[str, list[Any]] = {
            "filter": self._filters(query),
            "must": must,
            "must_not": self._excluded(query),
        }
        clauses = {k: v for k, v in clauses.items() if v}
        return {"bool": clauses} if clauses else None

    def knn_query(self, query: SearchQuery, vectors: dict, *, k: int, fields: dict) -> dict | None:
        """A ``knn`` query per model of ``vectors`` that the index has a field for (one
        clause, or a ``bool.should`` of them), each with ``vector_filter`` as its filter."""
        condition = self.vector_filter(query)
        clauses: list[dict[str, Any]] = []
        for model, vector in vectors.items():
            field = fields.get(model)
            if not field:
                continue
            knn: dict[str, Any] = {
                "vector": [round(float(x), 7) for x in vector],
                "k": max(1, int(k)),
            }
            if condition is not None:
                knn["filter"] = condition
            clauses.append({"knn": {field: knn}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}

    def hybrid_body(
        self, query: SearchQuery, vectors: dict, *, limit: int, fields: dict
    ) -> dict | None:
        """One ``hybrid`` query: the lexical query (``_query``: text, access, filters,
        exclusions) and the k-NN side (``knn_query``: the same access filter)."""
        semantic = self.knn_query(query, vectors, k=limit, fields=fields)
        if semantic is None:
            return None
        return {
            "query": {"hybrid": {"queries": [self._query(query), semantic]}},
            "size": limit,
            "_source": {"excludes": [*ANALYSED_FIELDS, *fields.values()]},
        }

    def _cosine_hits(
        self,
        response: dict,
        vectors: dict,
        *,
        floors: dict[str, float] | None,
        found: set[str],
        lexical: dict[str, float] | None = None,
        score_is_cosine: bool = False,
    ) -> list[SearchHit]:
        """Hits with the cosine of their stored vector (``semantic``); a hit not ``found``
        lexically needs a vector at least as close as its model's floor."""
        hits = []
        for hit in response["hits"]["hits"]:
            source = hit["_source"]
            stored = source.pop("semantic", None) or {}
            model = str(stored.get("model") or "")
            query_vector = vectors.get(model)
            cosine = None
            if query_vector is not None and stored.get("vector"):
                cosine = float(np.asarray(stored["vector"], dtype=np.float32) @ query_vector)
            if hit["_id"] not in found:
                if cosine is None:
                    continue
                if floors is not None and cosine < floors.get(model, -1.0):
                    continue
            score = cosine if score_is_cosine else float(hit.get("_score") or 0.0)
            if score is None:
                continue
            hits.append(
                SearchHit(
                    id=hit["_id"],
                    score=score,
                    document=SearchDocument.from_dict(source),
                    lexical=(lexical or {}).get(hit["_id"]),
                    semantic=cosine,
                )
            )
        return hits

    def rerank_body(self, query: SearchQuery, exempt: Sequence[str]) -> dict | None:
        """Without k-NN: the candidates re-ranked by their stored vectors — the lexical top
        ``RERANK_CANDIDATES`` of the query's text and the ids already found (``exempt``),
        both within the access terms, filters, phrases and exclusions of the query."""
        ids = list(dict.fromkeys(exempt))
        should = []
        if ids:
            by_id = SearchQuery(
                phrases=query.phrases,
                exclude=query.exclude,
                access=query.access,
                filters={**query.filters, "id": ids},
                languages=query.languages,
            )
            should.append(self._query(by_id))
        if query.has_text:
            should.append(self._query(query))
        if not should:
            return None
        return {
            "query": should[0] if len(should) == 1 else {"bool": {"should": should}},
            "size": len(ids) + (RERANK_CANDIDATES if query.has_text else 0),
            "_source": {"excludes": ANALYSED_FIELDS},
        }

    def _knn_search(self, query, vectors, *, limit, floors, exempt) -> SearchResults:
        fields = self.index_vectors()["fields"]
        semantic = self.knn_query(query, vectors, k=limit, fields=fields)
        if semantic is None or limit <= 0:
            return SearchResults(total=0, hits=[])
        body = {
            "query": semantic,
            "size": limit,
            "_source": {"excludes": [*ANALYSED_FIELDS, *fields.values()]},
        }
        try:
            response = self.reader.search(index=self.alias, body=body)
        except os_exc.NotFoundError:
            return SearchResults(total=0, hits=[])
        hits = self._cosine_hits(
            response, vectors, floors=floors, found=set(exempt), score_is_cosine=True
        )
        hits.sort(key=lambda h: (-h.score, h.id))
        return SearchResults(total=len(hits), hits=hits[:limit])

    @_translate_errors
    def hybrid_search(
        self,
        query: SearchQuery,
        vectors: dict,
        *,
        use: str,
        limit: int = 100,
        floors: dict[str, float] | None = None,
        lexical: Sequence[SearchHit] = (),
    ) -> SearchResults | None:
        """The fused candidates of one ``hybrid`` query through the use's search pipeline
        (``None`` when this index has no k-NN or no field for the query's models). Hits
        keep their lexical score (from ``lexical``) and cosine for debugging; one found by
        meaning alone needs its model's floor."""
        if not self.knn_ready():
            return None
        fields = self.index_vectors()["fields"]
        body = self.hybrid_body(query, vectors, limit=limit, fields=fields)
        if body is None:
            return None
        self.ensure_pipelines()
        pipeline = self.query_pipeline(use, query.languages)
        try:
            response = self.reader.search(
                index=self.alias, body=body, params={"search_pipeline": pipeline}
            )
        except os_exc.NotFoundError:
            return SearchResults(total=0, hits=[])
        scores = {h.id: h.score for h in lexical}
        hits = self._cosine_hits(
            response, vectors, floors=floors, found=set(scores), lexical=scores
        )
        # arithmetic_mean leaves out of a document's mean the side that did not find it
        # (neural-search's ScoreCombiner), where our fusion counts that side as 0: a
        # document found by meaning alone would otherwise weigh as much as the best
        # lexical match. Its score is scaled by the semantic weight, as ``fuse`` does.
        weight = self.pipeline_weight(use, pipeline)
        for hit in hits:
            if hit.id not in scores:
                hit.score *= weight
        hits.sort(key=lambda h: (-h.score, h.id))
        return SearchResults(total=len(hits), hits=hits)

    def pipeline_weight(self, use: str, pipeline: str | None = None) -> float:
        """The semantic weight of ``pipeline`` (default: ``use``'s; the second of its
        weights)."""
        body = (self._pipelines or {}).get(pipeline or self.pipeline_name(use)) or {}
        for processor in body.get("phase_results_processors", []):
            combination = processor.get("normalization-processor", {}).get("combination", {})
            weights = combination.get("parameters", {}).get("weights") or []
            if len(weights) == 2:
                return float(weights[1])
        from ..service.hybrid import semantic_weights

        return semantic_weights().get(use, 0.0)

    @_translate_errors
    def delete(self, ids: Iterable[str], *, version: str | None = None) -> int:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return 0
        target = self._write_target(version)
        helpers.bulk(
            self.client,
            ({"_op_type": "delete", "_index": target, "_id": value} for value in ids),
            chunk_size=self.bulk_chunk_size,
            max_retries=2,
            ignore_status=(404,),
            request_timeout=self.timeout * 4,
        )
        return len(ids)

    @_translate_errors
    def delete_children(self, parent_ids: Iterable[str], *, version: str | None = None) -> None:
        parent_ids = [p for p in dict.fromkeys(parent_ids) if p]
        if not parent_ids:
            return
        target = self._write_target(version)
        # delete_by_query works on what is searchable: make earlier writes searchable first.
        self.client.indices.refresh(index=target)
        self.client.delete_by_query(
            index=target,
            body={"query": {"terms": {"parent": parent_ids}}},
            conflicts="proceed",
            refresh=True,
            request_timeout=self.timeout * 4,
        )

    @_translate_errors
    def refresh(self) -> None:
        if self.current_version() is not None:
            self.client.indices.refresh(index=self.alias)

    # --- Reads ---------------------------------------------------------------------------

    @staticmethod
    def _match(text: str, weights: dict[str, float], variants=(("en", 1.0),)) -> dict:
        """``text`` in any of the weighted fields, in each language variant's terms
        (several words: as a phrase; compound variants: any of their terms). Only documents
        of a language hold its variants' fields, so a Persian analysis meets Persian
        documents; the English analysis meets every document."""
        queries = []
        for variant, variant_weight in variants:
            analysed = _analysed(text, variant)
            if not analysed.strip():
                continue
            several = len(analysed.split()) > 1
            kind = "match_phrase" if several and variant != "faj" else "match"
            for field, weight in weights.items():
                queries.append(
                    {
                        kind: {
                            variant_field(field, variant): {
                                "query": analysed,
                                "boost": weight * variant_weight,
                            }
                        }
                    }
                )
        if not queries:
            return {"match_none": {}}
        return {"dis_max": {"tie_breaker": 0.3, "queries": queries}}

    def _group(self, alternatives: tuple[str, ...], weights, variants) -> dict:
        queries = []
        for position, alternative in enumerate(alternatives):
            match = self._match(alternative, weights, variants)
            if position:
                match["dis_max"]["boost"] = 0.8
            queries.append(match)
        return queries[0] if len(queries) == 1 else {"dis_max": {"queries": queries}}

    def _text_query(self, query: SearchQuery) -> dict | None:
        weights = query.weights
        variants = query.variants()
        groups = [
            self._group(c, weights, variants) for c in query.clauses() if query_words(" ".join(c))
        ]
        phrases = [self._match(p, weights, variants) for p in query.phrases if query_words(p)]
        if len(phrases) < len(query.phrases):
            return {"match_none": {}}
        must = list(phrases)
        if groups:
            must.append(
                {
                    "bool": {
                        "should": groups,
                        "minimum_should_match": min(max(1, query.min_should_match), len(groups)),
                    }
                }
            )
        if not must:
            return None
        should = []
        words = query_words(query.text)
        if query.phrase_boost > 0 and len(words) > 1:
            for variant, _weight in variants:
                if variant == "faj":
                    continue
                analysed = _analysed(" ".join(words), variant)
                for field in ("title", "text"):
                    weight = weights.get(field, 0.0) * query.phrase_boost
                    if weight and analysed.strip():
                        should.append(
                            {
                                "match_phrase": {
                                    variant_field(field, variant): {
                                        "query": analysed,
                                        "slop": 1,
                                        "boost": weight,
                                    }
                                }
                            }
                        )
        if len(must) == 1 and not should:
            return must[0]
        return {"bool": {"must": must, "should": should}}

    def _excluded(self, query: SearchQuery) -> list[dict]:
        weights = dict.fromkeys(TEXT_FIELDS, 1.0)
        variants = query.variants()
        return [self._match(text, weights, variants) for text in query.exclude if query_words(text)]

    @staticmethod
    def _allowed(access: list[str] | None) -> list[dict]:
        """The filter clause for the access terms (none for staff)."""
        return [] if access is None else [{"terms": {"access": list(access)}}]

    def _filters(self, query: SearchQuery) -> list[dict]:
        clauses = self._allowed(query.access)
        for field, values in query.filters.items():
            if field in BOOLEAN_FIELDS:
                clauses.append({"terms": {field: [bool(v) for v in values]}})
            else:
                clauses.append({"terms": {field: [str(v) for v in values]}})
        return clauses

    def _query(self, query: SearchQuery) -> dict:
        text = self._text_query(query)
        nothing = query.has_text and text is None
        must = {"match_none": {}} if nothing else text or {"match_all": {}}
        return {
            "bool": {
                "must": [must],
                "filter": self._filters(query),
                "must_not": self._excluded(query),
            }
        }

    @_translate_errors
    def search(self, query: SearchQuery) -> SearchResults:
        body: dict = {
            "query": self._query(query),
            "from": query.offset,
            "size": query.limit,
            "track_total_hits": True,
            "_source": {"excludes": ["semantic"]},
        }
        if query.sort == SORT_NEWEST:
            body["sort"] = [{"updated": {"order": "desc", "missing": "_last"}}, "_score"]
        if query.facets:
            body["aggs"] = {
                name: {"terms": {"field": name, "size": query.facet_size}} for name in query.facets
            }
        try:
            response = self.reader.search(index=self.alias, body=body)
        except os_exc.NotFoundError:
            return SearchResults(total=0, hits=[])
        total = response["hits"]["total"]
        total = total["value"] if isinstance(total, dict) else int(total)
        hits = [
            SearchHit(
                id=hit["_id"],
                score=float(hit.get("_score") or 0.0) if query.sort != SORT_NEWEST else 0.0,
                document=SearchDocument.from_dict(hit["_source"]),
            )
            for hit in response["hits"]["hits"]
        ]
        facets = {}
        for name in query.facets:
            buckets = response.get("aggregations", {}).get(name, {}).get("buckets", [])
            facets[name] = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
        return SearchResults(total=total, hits=hits, facets=facets)

    @_translate_errors
    def suggest_titles(
        self,
        prefix: str,
        *,
        access: list[str] | None,
        limit: int = 8,
        languages: tuple[str, ...] = ("en",),
    ) -> list[SearchDocument]:
        words = query_words(prefix)
        if not words or limit <= 0:
            return []
        filters = self._allowed(access)
        alternatives: list[dict] = []
        for language in languages:
            variant = VARIANTS[language][0]
            if variant == "en":
                alternatives.append(
                    {
                        "multi_match": {
                            "query": " ".join(words),
                            "type": "bool_prefix",
                            "operator": "and",
                            "fields": SUGGEST_FIELDS,
                        }
                    }
                )
            else:
                # Every word typed so far as this language's terms, the last one as the
                # prefix of a term (as the embedded index does).
                field = variant_field("title", variant)
                head = [t for word in words[:-1] for t in terms(word, variant)]
                last = set(terms(words[-1], variant))
                if not last:
                    continue
                alternatives.append(
                    {
                        "bool": {
                            "must": [
                                *({"term": {field: t}} for t in head),
                                {
                                    "bool": {
                                        "should": [{"prefix": {field: o}} for o in last],
                                        "minimum_should_match": 1,
                                    }
                                },
                            ]
                        }
                    }
                )
        if not alternatives:
            return []
        body = {
            "size": limit,
            "query": {
                "bool": {
                    "must": [
                        alternatives[0]
                        if len(alternatives) == 1
                        else {"bool": {"should": alternatives, "minimum_should_match": 1}}
                    ],
                    "filter": filters,
                }
            },
        }
        try:
            response = self.reader.search(index=self.alias, body=body)
        except os_exc.NotFoundError:
            return []
        return [SearchDocument.from_dict(hit["_source"]) for hit in response["hits"]["hits"]]

    @_translate_errors
    def near_matches(
        self, word: str, *, access: list[str] | None, limit: int = 20
    ) -> list[SearchDocument]:
        words = query_words(word)
        if len(words) != 1 or limit <= 0:
            return []
        distance = 1 if len(words[0]) <= 4 else 2
        filters = self._allowed(access)
        body = {
            "size": limit,
            "query": {
                "bool": {
                    "should": [
                        {"fuzzy": {field: {"value": words[0], "fuzziness": distance}}}
                        for field in ("title.exact", "text")
                    ],
                    "minimum_should_match": 1,
                    "filter": filters,
                }
            },
        }
        try:
            response = self.reader.search(index=self.alias, body=body)
        except os_exc.NotFoundError:
            return []
        return [SearchDocument.from_dict(hit["_source"]) for hit in response["hits"]["hits"]]

    @_translate_errors
    def get(self, ids: Iterable[str]) -> dict[str, SearchDocument]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        try:
            response = self.reader.search(
                index=self.alias, body={"query": {"ids": {"values": ids}}, "size": len(ids)}
            )
        except os_exc.NotFoundError:
            return {}
        return {
            hit["_id"]: SearchDocument.from_dict(hit["_source"]) for hit in response["hits"]["hits"]
        }

    @_translate_errors
    def all_ids(self) -> set[str]:
        if self.current_version() is None:
            return set()
        return {
            hit["_id"]
            for hit in helpers.scan(
                self.client, index=self.alias, query={"query": {"match_all": {}}}, _source=False
            )
        }

    def close(self) -> None:
        if self._vector_cache is not None:
            self._vector_cache.close()
        self.client.close()
        if self.reader is not self.client:
            self.reader.close()

    def describe(self) -> dict:
        return {
            "backend": self.name,
            "alias": self.alias,
            "version": self.current_version(),
            "versions": self.versions(),
            "vectors": self.vector_mode,
            "vectors_reason": self.vector_reason,
        }
