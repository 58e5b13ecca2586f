"""Deferred indexing (``services.deferred``): a bulk load queues nothing item by item and
the index is rebuilt once at the end; the hold never outlives its block, never reaches
another thread, and never survives into a request."""

import threading

import pytest
from django.db import transaction

from indexing import services
from indexing.models import IndexQueueItem, IndexRebuild
from tests.factories import make_article, make_category
from tests.indexing.support import found

pytestmark = pytest.mark.django_db


def drain_callbacks(callbacks) -> list:
    return [c for c in callbacks if getattr(c, "__name__", "") == "_send_drain_task"]


def test_a_deferred_load_queues_nothing_and_is_searchable_after_one_rebuild(
    home, site_backend, django_capture_on_commit_callbacks
):
    category = make_category()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with services.deferred() as deferral:
            assert services.deferring()
            first = make_article(category, title="Quarterly reconciliation of ledgers")
            second = make_article(category, title="Rotating webhook signing secrets")
            # Held back: no queue row, no drain task, nothing in the index yet.
            assert not IndexQueueItem.objects.exists()
            assert site_backend.all_ids() == set()
        assert not services.deferring()
    assert drain_callbacks(callbacks) == []
    assert {f"article:{first.pk}", f"article:{second.pk}"} <= deferral.keys
    # One rebuild, which wrote both articles.
    assert IndexRebuild.objects.filter(status=IndexRebuild.Status.DONE).count() == 1
    assert deferral.rebuilt is not None and deferral.rebuilt.documents >= 2
    assert f"article:{first.pk}" in found(site_backend, "reconciliation")
    assert f"article:{second.pk}" in found(site_backend, "webhook")


def test_after_the_block_changes_are_queued_as_usual(
    home, site_backend, django_capture_on_commit_callbacks
):
    with services.deferred():
        pass
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article = make_article(title="Exporting invoices as CSV")
    assert IndexQueueItem.objects.filter(key=f"article:{article.pk}").exists()
    assert len(drain_callbacks(callbacks)) >= 1


def test_a_failed_load_queues_what_it_held_back_and_does_not_rebuild(home, site_backend):
    with pytest.raises(RuntimeError), services.deferred():
        article = make_article(title="Half-finished import")
        raise RuntimeError("the load failed")
    assert not services.deferring()
    assert IndexQueueItem.objects.filter(key=f"article:{article.pk}", reason="deferred").exists()
    assert not IndexRebuild.objects.exists()


def test_a_failed_rebuild_queues_what_was_held_back(home, site_backend, monkeypatch):
    def broken_rebuild(**kwargs):
        raise services.RebuildRunning("another rebuild")

    monkeypatch.setattr(services, "rebuild", broken_rebuild)
    with pytest.raises(services.RebuildRunning), services.deferred():
        article = make_article(title="Loaded while another rebuild ran")
    assert not services.deferring()
    assert IndexQueueItem.objects.filter(key=f"article:{article.pk}", reason="deferred").exists()


def test_a_nested_block_joins_the_outer_one_which_rebuilds_once(home, site_backend):
    with services.deferred() as outer:
        with services.deferred() as inner:
            article = make_article(title="Nested loads")
        assert inner is outer
        assert services.deferring()  # the inner block did not end the hold
        assert not IndexRebuild.objects.exists()
    assert f"article:{article.pk}" in outer.keys
    assert IndexRebuild.objects.count() == 1


def test_another_thread_is_not_held_back(home, site_backend):
    seen = []

    def other_thread():
        seen.append(services.deferring())

    with services.deferred():
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert services.deferring()
    assert seen == [False]


def test_a_request_never_runs_with_indexing_held_back(home, site_backend, client):
    """Even a hold entered by hand and never left ends when a request starts."""
    block = services.deferred()
    block.__enter__()
    try:
        with transaction.atomic():
            article = make_article(title="Left behind by a broken script")
        assert services.deferring()
        assert not IndexQueueItem.objects.exists()
        client.get("/")
        assert not services.deferring()
        # What it had held back is queued, so nothing is lost.
        assert IndexQueueItem.objects.filter(
            key=f"article:{article.pk}", reason="deferred"
        ).exists()
        # And changes in that request's thread are queued as usual again.
        other = make_article(title="Written after the request")
        assert IndexQueueItem.objects.filter(key=f"article:{other.pk}").exists()
    finally:
        # Leave the block as a failure would (no rebuild): the error is not swallowed.
        assert block.__exit__(LookupError, LookupError("cleaning up"), None) is False
    assert not services.deferring()
