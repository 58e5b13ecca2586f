"""Choosing and building search backends from settings.

``get_backend()`` returns the site's backend (``SEARCH_BACKEND``), one instance per
configuration and process, guarded (``guard.GuardedBackend``: any failure becomes
``SearchBackendError``, and a circuit breaker stops asking an unwell engine for a while).
``build_backend(...)`` makes one for any other index (a throwaway benchmark index, a
test), without caching or guard.
"""

from __future__ import annotations

import logging
import threading
from typing import cast

from django.conf import settings

from .base import SchemaOutdated, SearchBackend, SearchBackendError, SearchUnavailable
from .guard import GuardedBackend

logger = logging.getLogger(__name__)

__all__ = [
    "SchemaOutdated",
    "SearchBackend",
    "SearchBackendError",
    "SearchUnavailable",
    "build_backend",
    "get_backend",
    "reset_backends",
]

_instances: dict[tuple, GuardedBackend] = {}
_lock = threading.Lock()


def _options(name: str) -> dict:
    if name == "embedded":
        return {
            "path": str(settings.SEARCH_EMBEDDED_PATH),
            "writer_heap_mb": settings.SEARCH_EMBEDDED_WRITER_HEAP_MB,
            "lock_timeout": settings.SEARCH_EMBEDDED_LOCK_TIMEOUT,
        }
    if name == "opensearch":
        return {
            "url": settings.OPENSEARCH_URL,
            "timeout": settings.SEARCH_TIMEOUT,
            "query_timeout": settings.SEARCH_QUERY_TIMEOUT,
            "max_retries": settings.SEARCH_MAX_RETRIES,
            "language": settings.SEARCH_LANGUAGE,
            "shards": settings.SEARCH_OPENSEARCH_SHARDS,
            "replicas": settings.SEARCH_OPENSEARCH_REPLICAS,
            "vector_setting": getattr(settings, "OPENSEARCH_VECTORS", "auto"),
        }
    raise SearchBackendError(f"Unknown search backend {name!r}")


def build_backend(
    name: str | None = None, *, prefix: str | None = None, index: str = "content", **options
) -> SearchBackend:
    name = name or settings.SEARCH_BACKEND
    prefix = prefix or settings.SEARCH_INDEX_PREFIX
    merged = {**_options(name), **options}
    if name == "embedded":
        from .embedded import EmbeddedBackend

        return EmbeddedBackend(prefix=prefix, index=index, **merged)
    from .opensearch import OpenSearchBackend

    return OpenSearchBackend(prefix=prefix, index=index, **merged)


def get_backend(index: str = "content") -> SearchBackend:
    """The site's backend for ``index``, as configured now (settings may change in tests)."""
    name = settings.SEARCH_BACKEND
    key = (name, settings.SEARCH_INDEX_PREFIX, index, tuple(sorted(_options(name).items())))
    backend = _instances.get(key)
    if backend is None:
        with _lock:
            backend = _instances.get(key)
            if backend is None:
                backend = _instances[key] = GuardedBackend(
                    build_backend(name, index=index),
                    failures=settings.SEARCH_BREAKER_FAILURES,
                    cooldown=settings.SEARCH_BREAKER_COOLDOWN,
                )
    return cast(SearchBackend, backend)  # a SearchBackend, guarded


def reset_backends() -> None:
    """Forget every cached backend (closing them)."""
    with _lock:
        for backend in _instances.values():
            backend.close()
        _instances.clear()


def prune_vector_cache(backend) -> int:
    """After a rebuild (which read every current document's vector): forget the cached
    vectors of ``backend`` no index has used in ``SEARCH_VECTOR_CACHE_DAYS`` days. Never
    raises: a cache that cannot be pruned is only bigger than it needs to be."""
    from ..vectors import semantic_enabled

    cache_of = getattr(backend, "vector_cache", None)
    days = getattr(settings, "SEARCH_VECTOR_CACHE_DAYS", 30)
    if cache_of is None or not semantic_enabled() or int(days) < 0:
        return 0
    try:
        forgotten = cache_of().prune(int(days))
    except Exception as exc:
        logger.warning("The vector cache could not be pruned: %s: %s", type(exc).__name__, exc)
        return 0
    if forgotten:
        logger.info("Forgot %s cached vectors no index has used in %s days.", forgotten, days)
    return forgotten
