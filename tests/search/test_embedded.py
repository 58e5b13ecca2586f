"""What only the embedded engine has: folders, the CURRENT pointer, the writer lock."""

import json
import os
import threading

import pytest
import tantivy

from search.backends import SchemaOutdated, SearchUnavailable, build_backend
from search.backends.embedded import POINTER, SCHEMA_FILE
from search.schema import SearchQuery
from tests.search.support import doc, unique_prefix


@pytest.fixture
def embedded(tmp_path):
    backend = build_backend("embedded", prefix=unique_prefix(), path=str(tmp_path), lock_timeout=5)
    backend.ensure_index()
    yield backend
    backend.drop_all()


def test_layout_is_a_pointer_and_versioned_folders(embedded, tmp_path):
    root = tmp_path / embedded.index_name
    version = embedded.current_version()
    assert (root / POINTER).read_text() == version
    assert (root / version / "meta.json").exists()
    assert json.loads((root / version / SCHEMA_FILE).read_text())["schema_version"] >= 1


def test_another_process_sees_writes_without_a_restart(embedded, tmp_path):
    reader = build_backend("embedded", prefix=embedded.prefix, path=str(tmp_path))
    assert reader.search(SearchQuery(text="webhooks", access=None)).total == 0
    embedded.upsert([doc(1, "Configure webhooks")])
    assert reader.search(SearchQuery(text="webhooks", access=None)).ids == ["article:1"]
    # ...and follows a switch to a rebuilt version.
    new = embedded.create_version()
    embedded.upsert([doc(2, "Webhooks, rebuilt")], version=new)
    embedded.switch_to(new)
    embedded.drop_old_versions()
    assert reader.search(SearchQuery(text="webhooks", access=None)).ids == ["article:2"]


def test_readers_notice_commits_that_share_a_clock_tick(embedded, tmp_path):
    """Two commits within one file-system timestamp tick: the second must still show."""
    reader = build_backend("embedded", prefix=embedded.prefix, path=str(tmp_path))
    meta = embedded.root / embedded.current_version() / "meta.json"
    embedded.upsert([doc(1, "First commit")])
    assert reader.search(SearchQuery(text="commit", access=None)).total == 1
    stamp = meta.stat().st_mtime_ns
    embedded.upsert([doc(2, "Second commit")])
    os.utime(meta, ns=(stamp, stamp))
    assert reader.search(SearchQuery(text="commit", access=None)).total == 2


def test_readers_keep_answering_while_a_rebuild_switches(embedded):
    embedded.upsert([doc(n, f"Guide number {n}") for n in range(20)])
    errors, totals, stop = [], [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                totals.append(embedded.search(SearchQuery(text="guide", access=None)).total)
            except Exception as exc:  # any error while switching fails the test
                errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for round_ in range(3):
            version = embedded.create_version()
            embedded.upsert(
                [doc(n, f"Guide number {n}") for n in range(20 + round_ + 1)], version=version
            )
            embedded.switch_to(version)
            embedded.drop_old_versions()
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert errors == []
    assert totals and set(totals) <= {20, 21, 22, 23}
    assert embedded.search(SearchQuery(text="guide", access=None)).total == 23


def _hold_writer(embedded):
    index = tantivy.Index.open(str(embedded.root / embedded.current_version()))
    return index.writer(heap_size=15_000_000, num_threads=1)


def test_a_busy_writer_lock_is_waited_for(embedded):
    holder = _hold_writer(embedded)
    releaser = threading.Timer(0.3, holder.wait_merging_threads)
    releaser.start()
    embedded.upsert([doc(1, "Written once the lock is free")])
    releaser.join()
    assert embedded.all_ids() == {"article:1"}


def test_a_writer_lock_held_too_long_is_reported_unavailable(embedded):
    embedded.lock_timeout = 0.2
    holder = _hold_writer(embedded)
    try:
        with pytest.raises(SearchUnavailable):
            embedded.upsert([doc(1, "Blocked")])
    finally:
        holder.wait_merging_threads()
    embedded.upsert([doc(1, "Free again")])
    assert embedded.all_ids() == {"article:1"}


def test_an_index_from_another_schema_version_refuses_writes(embedded, tmp_path):
    version = embedded.current_version()
    (embedded.root / version / SCHEMA_FILE).write_text('{"schema_version": 0}')
    fresh = build_backend("embedded", prefix=embedded.prefix, path=str(tmp_path))
    with pytest.raises(SchemaOutdated, match="search_reindex"):
        fresh.upsert([doc(1, "x")])


def test_no_index_yet_means_no_results(tmp_path):
    backend = build_backend("embedded", prefix=unique_prefix(), path=str(tmp_path))
    assert backend.current_version() is None
    assert backend.search(SearchQuery(text="anything")).total == 0
    assert backend.suggest_titles("any", access=None) == []
    assert backend.all_ids() == set()
