"""The site's backend, guarded: an unwell engine degrades search, it never fails a page.

``GuardedBackend`` wraps the backend ``get_backend()`` returns:

- **any** exception from a read (a refused or hanging server, an index folder that cannot
  be read or is corrupt, a bug in a client library) becomes ``SearchBackendError``, which
  the search service turns into its documented degraded mode (the database fallback on
  the search page and API; related articles, suggestions and similar questions left out);
- a **circuit breaker**: after ``SEARCH_BREAKER_FAILURES`` failed reads in a row the
  engine is not asked at all for ``SEARCH_BREAKER_COOLDOWN`` seconds (reads fail at
  once), then one read tries again — so a hung engine costs one short timeout, not one per
  search on every page;
- every failure is logged (a warning when the breaker opens, not one per request) and
  counted (``core.metrics``: ``search.errors``, ``search.breaker_open``,
  ``search.short_circuited``).

Writes pass through (the index queue keeps failed rows and retries them), with unexpected
exceptions turned into ``SearchBackendError`` too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from core import metrics

from .base import SearchBackendError, SearchUnavailable

logger = logging.getLogger(__name__)

READS = frozenset(
    {"search", "count", "facets", "near_matches", "suggest_titles", "get", "current_version"}
)
WRITES = frozenset(
    {
        "ensure_index",
        "upsert",
        "delete",
        "delete_children",
        "apply",
        "refresh",
        "create_version",
        "switch_to",
        "drop_old_versions",
        "drop_version",
        "drop_all",
        "all_ids",
        "versions",
    }
)


class CircuitOpen(SearchUnavailable):
    """The engine failed repeatedly and is left alone for a while."""


class CircuitBreaker:
    def __init__(
        self, *, failures: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ):
        self.threshold = max(1, failures)
        self.cooldown = cooldown
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self._trial = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def allow(self) -> bool:
        """Whether a call may go to the engine now (one trial after the cooldown)."""
        with self._lock:
            if self.opened_at is None:
                return True
            if self.clock() - self.opened_at >= self.cooldown and not self._trial:
                self._trial = True
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            was_open = self.opened_at is not None
            self.failures, self.opened_at, self._trial = 0, None, False
        if was_open:
            logger.warning("Search engine answers again; searches use it again.")

    def failed(self) -> bool:
        """Record a failure; returns whether the breaker opened just now."""
        with self._lock:
            self.failures += 1
            if self.opened_at is not None:
                # The trial failed: wait another cooldown.
                self.opened_at, self._trial = self.clock(), False
                return False
            if self.failures >= self.threshold:
                self.opened_at = self.clock()
                return True
            return False


class GuardedBackend:
    """Everything of the wrapped backend, with guarded reads and writes."""

    def __init__(self, backend, *, failures: int = 3, cooldown: float = 30.0):
        self._backend = backend
        self.breaker = CircuitBreaker(failures=failures, cooldown=cooldown)

    @property
    def wrapped(self):
        return self._backend

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._backend, name)
        if name in READS:
            return self._guard_read(name, attribute)
        if name in WRITES:
            return self._guard_write(name, attribute)
        return attribute

    def _guard_read(self, name: str, method):
        def guarded(*args, **kwargs):
            if not self.breaker.allow():
                metrics.increment("search.short_circuited")
                raise CircuitOpen("Search is paused after repeated failures of the engine.")
            try:
                result = method(*args, **kwargs)
            except Exception as exc:
                self._failed(name, exc)
                if isinstance(exc, SearchBackendError):
                    raise
                raise SearchBackendError(f"{type(exc).__name__}: {exc}") from exc
            self.breaker.succeeded()
            return result

        guarded.__name__ = name
        return guarded

    def _failed(self, name: str, exc: Exception) -> None:
        metrics.increment("search.errors")
        if self.breaker.failed():
            metrics.increment("search.breaker_open")
            logger.warning(
                "Search engine failed %s times in a row (%s: %s); searches use the database "
                "for %.0f s.",
                self.breaker.failures,
                type(exc).__name__,
                exc,
                self.breaker.cooldown,
            )
        else:
            logger.info("Search %s failed: %s: %s", name, type(exc).__name__, exc)

    def _guard_write(self, name: str, method):
        def guarded(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except SearchBackendError:
                raise
            except Exception as exc:
                raise SearchBackendError(f"{type(exc).__name__}: {exc}") from exc

        guarded.__name__ = name
        return guarded

    def close(self) -> None:
        self._backend.close()

    def __repr__(self) -> str:
        return f"<Guarded {self._backend!r}>"
