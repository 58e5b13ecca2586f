"""Helpers shared by the support tests (and the support browser test)."""

import uuid


def use_fresh_index(settings, path) -> None:
    """Point the site's search at an index of its own (embedded, under ``path``)."""
    settings.SEARCH_INDEX_PREFIX = f"tickets-{uuid.uuid4().hex[:10]}"
    settings.SEARCH_EMBEDDED_PATH = path / "search"


def index_now():
    """Apply every change waiting in the index queue, and make it searchable."""
    from indexing import services as indexing
    from search.backends import get_backend

    backend = get_backend()
    result = indexing.drain(backend=backend, include_waiting=True)
    assert not result.error, result.error
    backend.refresh()
    return backend
