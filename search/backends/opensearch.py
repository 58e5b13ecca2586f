"""The OpenSearch backend (opensearch-py) for ``OPENSEARCH_URL``.

Index names carry a prefix so several sites, environments or test workers share one
cluster: searches and writes go to the alias ``<prefix>-<name>``, which points at exactly
one versioned index ``<prefix>-<name>-v<timestamp>``. A rebuild fills a new versioned
index, then moves the alias in one ``_aliases`` request (atomic) and deletes the old one.

Mappings are explicit (``dynamic: strict``): analyzed text with a per-language analyzer,
keyword fields for filters, facets and access terms, a ``search_as_you_type`` subfield of
the title for type-ahead. Every request has a timeout; connection errors and timeouts are
retried by the client, then raised as ``SearchUnavailable``.

Semantic search, without the k-NN plugin: each document's sentence vector (computed at
write time, cached by content hash as on the embedded backend: ``search.vectors``) is
kept in its source (``semantic``: an object OpenSearch stores but does not index), and
``vector_search`` re-ranks the lexical candidates by them (``vector_mode = "rerank"``):
documents found by meaning alone, with no word in common, are not found on this backend.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable, Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from opensearchpy import OpenSearch, helpers
from opensearchpy import exceptions as os_exc

from ..analysis import EXTRA_VARIANTS, VARIANTS, language_of, terms, variant_field
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


def index_body(*, language: str = "en", shards: int = 1, replicas: int = 0) -> dict:
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
    return {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas},
            "analysis": analysis_settings(),
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"schema_version": SCHEMA_VERSION},
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


def with_vector(source: dict, embedded) -> dict:
    """``source`` with a document's vector (``search.vectors.Embedded``), if it has one."""
    if embedded is not None:
        source["semantic"] = {
            "model": embedded.model,
            "vector": [round(float(x), 7) for x in embedded.vector],
        }
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
        self.client.indices.create(
            index=self._physical(version),
            body=index_body(language=self.language, shards=self.shards, replicas=self.replicas),
        )
        self._checked_versions.add(version)
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
        return version

    def _check_schema(self, version: str) -> None:
        if version in self._checked_versions:
            return
        mapping = self.client.indices.get_mapping(index=self._physical(version))
        first: dict[str, Any] = next(iter(mapping.values()), {})
        meta = first.get("mappings", {}).get("_meta", {})
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise SchemaOutdated(
                f"{self._physical(version)} was built with schema {meta.get('schema_version')}, "
                f"this code writes {SCHEMA_VERSION}: run manage.py search_reindex."
            )
        self._checked_versions.add(version)

    # --- Writes --------------------------------------------------------------------------

    def _write_target(self, version: str | None) -> str:
        if version:
            self._check_schema(version)
            return self._physical(version)
        self.ensure_index()
        return self.alias

    @_translate_errors
    def upsert(self, documents: Iterable[SearchDocument], *, version: str | None = None) -> int:
        documents = list(documents)
        if not documents:
            return 0
        target = self._write_target(version)
        embedded = self._embed(documents)
        actions = (
            {
                "_op_type": "index",
                "_index": target,
                "_id": d.id,
                "_source": with_vector(to_source(d), embedded.get(d.id)),
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

    # --- Vectors (re-ranking the lexical candidates) -------------------------------------

    supports_vectors = True
    #: ``vector_search`` scores the lexical candidates only (no k-NN index).
    vector_mode = "rerank"

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
    ) -> SearchResults:
        """Cosines of the lexical candidates (``exempt``) that the query allows, from the
        vectors in their source; documents outside ``exempt`` are not searched."""
        ids = list(dict.fromkeys(exempt))
        if not ids or not vectors or limit <= 0:
            return SearchResults(total=0, hits=[])
        filtered = SearchQuery(
            phrases=query.phrases,
            exclude=query.exclude,
            access=query.access,
            filters={**query.filters, "id": ids},
            languages=query.languages,
        )
        body = {
            "query": self._query(filtered),
            "size": len(ids),
            "_source": {"excludes": ANALYSED_FIELDS},
        }
        try:
            response = self.reader.search(index=self.alias, body=body)
        except os_exc.NotFoundError:
            return SearchResults(total=0, hits=[])
        hits = []
        for hit in response["hits"]["hits"]:
            source = hit["_source"]
            stored = source.get("semantic") or {}
            query_vector = vectors.get(stored.get("model"))
            if query_vector is None or not stored.get("vector"):
                continue
            cosine = float(np.asarray(stored["vector"], dtype=np.float32) @ query_vector)
            hits.append(
                SearchHit(
                    id=hit["_id"],
                    score=cosine,
                    document=SearchDocument.from_dict(source),
                    semantic=cosine,
                )
            )
        hits.sort(key=lambda h: (-h.score, h.id))
        return SearchResults(total=len(hits), hits=hits[:limit])

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
        }
