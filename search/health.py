"""Is the search engine answering? A cheap question for readiness checks (``/readyz``)."""

from __future__ import annotations

from .backends import get_backend


def ping() -> str | None:
    """The version of the index searches read now (``None``: no index yet).

    Asks the engine the cheapest thing it knows (an alias look-up on OpenSearch, a small
    file when embedded); raises ``SearchBackendError`` when it cannot answer. It asks the
    engine itself, past the circuit breaker: a health check reports the engine's state
    and neither trips nor resets the breaker that protects searches.
    """
    backend = get_backend()
    return getattr(backend, "wrapped", backend).current_version()


def readiness() -> str | None:
    """``/readyz``'s search check: an index must exist."""
    from core.health import NoSearchIndex

    if ping() is None:
        raise NoSearchIndex("run manage.py search_reindex")
    return None
