"""Checks shared by the pipeline tests."""

from contextlib import contextmanager

from search.registry import registry
from search.schema import SearchQuery


def expected_documents() -> dict:
    """Every document the database says should be in the index, built afresh."""
    documents = {}
    for source in registry.indexed():
        for chunk in source.iter_indexable():
            for obj in chunk:
                for document in source.documents(obj):
                    documents[document.id] = document
    return documents


def assert_index_matches_database(backend) -> None:
    """Nothing missing, nothing extra, nothing stale."""
    backend.refresh()
    expected = expected_documents()
    assert backend.all_ids() == set(expected)
    stored = backend.get(expected)
    for key, document in expected.items():
        assert stored[key] == document, key


def found(backend, text, access=None) -> set[str]:
    backend.refresh()
    return set(backend.search(SearchQuery(text=text, access=access, limit=100)).ids)


@contextmanager
def committing(capture, backend):
    """Run the block's on-commit work (the drain) as a real commit would, then refresh."""
    with capture(execute=True):
        yield
    backend.refresh()


@contextmanager
def celery_broker(url: str, **conf):
    """Send tasks to a real broker (not in-process) inside the block."""
    from config.celery import app

    keys = ("task_always_eager", "broker_url", *conf)
    saved = {k: app.conf[k] for k in keys}

    def forget_pools():
        # Drop (without closing) the pools bound to the other broker.
        app._pool = None
        app.amqp._producer_pool = None

    forget_pools()
    app.conf.update(task_always_eager=False, broker_url=url, **conf)
    try:
        yield app
    finally:
        forget_pools()
        app.conf.update(saved)
