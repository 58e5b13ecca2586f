"""Moving changes into the search index: enqueue, drain, re-queue, rebuild.

- ``enqueue(keys, reason)`` records items to re-index in the caller's transaction and,
  once it commits, asks Celery to drain the queue (in-process without a broker).
- ``drain()`` takes due rows in batches, rebuilds each item's documents from the database
  and writes the batch with one bulk request. On failure the rows stay, with a backoff.
- ``requeue(since=...)`` puts items changed since a moment (or all) back in the queue,
  for bulk changes that bypassed the signals; ``prune()`` queues index entries whose item
  is gone.
- ``rebuild()`` builds a fresh index version, switches to it atomically and drops the
  old one; the queue is held while it runs and drained into the new version afterwards.
- ``deferred()`` holds the queue for a bulk load in the current thread (the demo): its
  changes are only remembered, and the index is rebuilt once when the block ends.

Nothing here raises into a publish or a forum post: failures are logged and rows stay.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

import search.signals as search_signals
from search.backends import SearchBackend, get_backend, prune_vector_cache
from search.registry import registry
from search.schema import SearchDocument, split_id

from .models import IndexQueueItem, IndexRebuild

logger = logging.getLogger(__name__)

ERROR_LENGTH = 2000
#: Batches an in-process (no broker) drain handles after a commit.
EAGER_MAX_BATCHES = 5


# --- Enqueue ------------------------------------------------------------------------------


def enqueue(keys: Iterable[str | None], reason: str = "changed", *, schedule: bool = True) -> int:
    """Queue items for re-indexing, in the current transaction. Never raises.

    An item already queued is not duplicated: its row is refreshed (due now, new token),
    so a worker processing the old state leaves it for the next round.
    """
    # Sorted: concurrent transactions lock queue rows in the same order (no deadlocks).
    keys = sorted({k for k in keys if k})
    if not keys:
        return 0
    deferral = _deferral.get()
    if deferral is not None:
        deferral.keys.update(keys)
        return len(keys)
    now = timezone.now()
    rows = [
        IndexQueueItem(
            key=key, reason=reason[:32], token=uuid.uuid4(), queued_at=now, next_attempt_at=now
        )
        for key in keys
    ]
    try:
        with transaction.atomic():  # a savepoint: a failure here never breaks the change
            for start in range(0, len(rows), 500):
                IndexQueueItem.objects.bulk_create(
                    rows[start : start + 500],
                    update_conflicts=True,
                    unique_fields=["key"],
                    update_fields=["reason", "token", "queued_at", "next_attempt_at"],
                )
    except DatabaseError:
        logger.exception("Could not queue %s for search indexing.", ", ".join(keys[:10]))
        return 0
    if schedule:
        schedule_drain()
    return len(rows)


def schedule_drain() -> None:
    """Drain the queue once the current transaction commits.

    A transaction that queued several items may send several tasks: the first drains
    everything, the others find nothing due and cost one query.
    """
    transaction.on_commit(_send_drain_task, robust=True)


def _send_drain_task() -> None:
    from .tasks import drain_queue

    try:
        if drain_queue.app.conf.task_always_eager:
            # In-process, without touching a broker connection, and bounded: a web request
            # never works through a backlog (search_sync does).
            drain_queue.apply(kwargs={"max_batches": EAGER_MAX_BATCHES})
            return
        # One quick connection attempt and no publish retries: with the broker down this
        # fails in milliseconds (not seconds of a web request), and the rows wait for the
        # periodic drain or `manage.py search_sync`.
        with drain_queue.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            drain_queue.apply_async(connection=conn, retry=False, ignore_result=True)
    except Exception:
        logger.warning(
            "Could not hand the search index queue to Celery; rows stay queued.", exc_info=True
        )


# --- Drain --------------------------------------------------------------------------------


@dataclass
class DrainResult:
    batches: int = 0
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    held: bool = False
    error: str = ""
    keys: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "batches": self.batches,
            "indexed": self.indexed,
            "deleted": self.deleted,
            "failed": self.failed,
            "held": self.held,
            "error": self.error,
        }


def rebuild_running() -> bool:
    return IndexRebuild.objects.running().exists()


def backoff(attempts: int) -> timedelta:
    base = settings.INDEXING_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(0, attempts - 1), settings.INDEXING_RETRY_MAX_SECONDS)
    )


def _claim(batch_size: int, *, started, include_waiting: bool) -> tuple[uuid.UUID | None, list]:
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    not_yet_tried = Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=started)
    due = not_yet_tried if include_waiting else Q(next_attempt_at__lte=now) & not_yet_tried
    candidates = list(
        IndexQueueItem.objects.filter(due & free)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not candidates:
        return None, []
    claim = uuid.uuid4()
    IndexQueueItem.objects.filter(free, pk__in=candidates).update(
        claim=claim, claimed_until=now + timedelta(seconds=settings.INDEXING_LEASE_SECONDS)
    )
    return claim, list(IndexQueueItem.objects.filter(claim=claim))


@dataclass
class _Batch:
    upserts: list[SearchDocument] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def build_batch(rows: list[IndexQueueItem]) -> _Batch:
    """Documents for each queued item, as the database has it now."""
    batch = _Batch()
    by_type: dict[str, list[IndexQueueItem]] = defaultdict(list)
    for row in rows:
        by_type[split_id(row.key)[0]].append(row)
    for kind, items in by_type.items():
        source = registry.get(kind)
        if source is None or not source.indexed:
            # Unknown kind (a removed content type): make sure nothing stays behind.
            batch.deletes += [row.key for row in items]
            continue
        try:
            loaded = source.load(split_id(row.key)[1] for row in items)
        except Exception as exc:
            logger.exception("Could not load %s items for indexing.", kind)
            for row in items:
                batch.failed[row.pk] = f"{type(exc).__name__}: {exc}"
            continue
        for row in items:
            try:
                documents = source.documents(loaded.get(split_id(row.key)[1]))
            except Exception as exc:
                logger.exception("Could not build the search document of %s.", row.key)
                batch.failed[row.pk] = f"{type(exc).__name__}: {exc}"
                continue
            if registry.has_children(kind):
                batch.parents.append(row.key)
            if documents:
                batch.upserts += documents
            else:
                batch.deletes.append(row.key)
    return batch


def _fail(rows: Iterable[IndexQueueItem], errors: dict[int, str] | str, now) -> None:
    rows = list(rows)
    for row in rows:
        row.attempts += 1
        row.last_attempt_at = now
        row.next_attempt_at = now + backoff(row.attempts)
        row.last_error = (errors if isinstance(errors, str) else errors[row.pk])[:ERROR_LENGTH]
        row.claim = None
        row.claimed_until = None
    IndexQueueItem.objects.bulk_update(
        rows,
        ["attempts", "last_attempt_at", "next_attempt_at", "last_error", "claim", "claimed_until"],
    )


def process_batch(rows: list[IndexQueueItem], claim, backend: SearchBackend, claimed_at) -> _Batch:
    """Write one claimed batch; raises the backend's error after recording it on the rows."""
    batch = build_batch(rows)
    good = [row for row in rows if row.pk not in batch.failed]
    now = timezone.now()
    if batch.failed:
        _fail((row for row in rows if row.pk in batch.failed), batch.failed, now)
    try:
        backend.apply(
            upserts=batch.upserts, deletes=batch.deletes, replace_children_of=batch.parents
        )
    except Exception as exc:
        _fail(good, f"{type(exc).__name__}: {exc}", timezone.now())
        raise
    # Pages of results kept by the read side no longer hold.
    search_signals.index_written.send(sender=process_batch)
    # A rebuild that started meanwhile may not have seen these changes, or may have
    # replaced the version just written: keep the rows for after its switch.
    held = IndexRebuild.objects.filter(started_at__gte=claimed_at).exists() or rebuild_running()
    if not held:
        # Rows re-queued while we worked have a new token: they stay for the next round.
        for start in range(0, len(good), 100):
            unchanged = Q()
            for row in good[start : start + 100]:
                unchanged |= Q(pk=row.pk, token=row.token)
            IndexQueueItem.objects.filter(unchanged, claim=claim).delete()
    IndexQueueItem.objects.filter(claim=claim).update(claim=None, claimed_until=None)
    return batch


def drain(
    *,
    backend: SearchBackend | None = None,
    batch_size: int | None = None,
    max_batches: int | None = None,
    include_waiting: bool = False,
    progress: Callable[[int], None] | None = None,
) -> DrainResult:
    """Index what is queued, batch by batch, until the queue has nothing due.

    ``include_waiting`` also takes rows waiting for their backoff (an operator's
    ``search_sync`` after an outage). Stops at the first backend failure.
    """
    backend = backend or get_backend()
    batch_size = batch_size or settings.INDEXING_BATCH_SIZE
    result = DrainResult()
    started = timezone.now()
    while max_batches is None or result.batches < max_batches:
        if rebuild_running():
            result.held = True
            break
        claimed_at = timezone.now()
        claim, rows = _claim(batch_size, started=started, include_waiting=include_waiting)
        if not rows:
            break
        result.batches += 1
        try:
            batch = process_batch(rows, claim, backend, claimed_at)
        except Exception as exc:
            result.failed += len(rows)
            result.error = f"{type(exc).__name__}: {exc}"
            logger.warning(
                "Search indexing failed for %s queued item(s); they will be retried: %s",
                len(rows),
                result.error,
            )
            break
        result.failed += len(batch.failed)
        result.indexed += len(batch.upserts)
        result.deleted += len(batch.deletes)
        result.keys += [row.key for row in rows]
        if progress:
            progress(len(rows))
    return result


def queue_stats() -> dict:
    now = timezone.now()
    items = IndexQueueItem.objects.all()
    return {
        "queued": items.count(),
        "due": items.filter(next_attempt_at__lte=now).count(),
        "failing": items.filter(attempts__gt=0).count(),
    }


# --- Re-queue -----------------------------------------------------------------------------


def requeue(*, since=None, types: Iterable[str] | None = None, reason: str = "sync") -> int:
    """Queue every item of ``types`` (default all) changed since ``since`` (or all items).

    Items are queued in small transactions and not drained here (call ``drain``).
    """
    total = 0
    for source in registry.indexed():
        if types and source.key not in types:
            continue
        keys = source.keys(since)
        for start in range(0, len(keys), 1000):
            with transaction.atomic():
                total += enqueue(keys[start : start + 1000], reason, schedule=False)
    return total


def prune(*, backend: SearchBackend | None = None) -> int:
    """Queue index entries whose item no longer exists (deleted behind the signals' back)."""
    backend = backend or get_backend()
    keys_by_kind: dict[str, set[str]] = defaultdict(set)
    for document_id in backend.all_ids():
        key = registry.owner_key(document_id)
        kind, pk = split_id(key)
        keys_by_kind[kind].add(pk)
    orphans = []
    for kind, pks in keys_by_kind.items():
        source = registry.get(kind)
        existing = source.existing(pks) if source is not None and source.indexed else set()
        orphans += [f"{kind}:{pk}" for pk in sorted(pks - existing)]
    with transaction.atomic():
        enqueue(orphans, "prune", schedule=False)
    return len(orphans)


# --- Reconcile: the index heals itself ------------------------------------------------------


@dataclass
class ReconcileResult:
    missing: int = 0
    extra: int = 0
    stale: int = 0
    checked: int = 0

    @property
    def queued(self) -> int:
        return self.missing + self.extra + self.stale

    def as_dict(self) -> dict:
        return {
            "missing": self.missing,
            "extra": self.extra,
            "stale": self.stale,
            "checked": self.checked,
        }


def reconcile(*, backend: SearchBackend | None = None, batch: int | None = None) -> ReconcileResult:
    """Compare the database with the index and queue what differs.

    Every run compares the ids of every item (cheap: missing items, and entries whose
    item is gone, are queued) and rebuilds the next ``batch`` items of each type to
    compare them field by field with what the index holds (stale documents, missing or
    extra attached files are queued); the slice moves on each run, so after enough runs
    everything has been compared. Queued items are drained as usual. A restored snapshot,
    a lost write or a bulk change behind the signals' back heals by itself.
    """
    from .models import ReconcileCursor

    backend = backend or get_backend()
    batch = batch or settings.INDEXING_RECONCILE_BATCH
    result = ReconcileResult()
    if rebuild_running():
        return result
    indexed_owners: dict[str, set[str]] = defaultdict(set)
    for document_id in backend.all_ids():
        owner = registry.owner_key(document_id)
        indexed_owners[owner].add(document_id)
    queue: dict[str, str] = {}
    expected: set[str] = set()
    for source in registry.indexed():
        keys = [
            source.doc_id(pk) for pk in source.indexable(source.all()).values_list("pk", flat=True)
        ]
        expected.update(keys)
        for key in keys:
            if key not in indexed_owners:
                queue.setdefault(key, "reconcile-missing")
                result.missing += 1
    for owner in indexed_owners:
        if owner not in expected:
            queue.setdefault(owner, "reconcile-extra")
            result.extra += 1
    for source in registry.indexed():
        cursor, _created = ReconcileCursor.objects.get_or_create(type=source.key)
        pks = list(
            source.indexable(source.all())
            .filter(pk__gt=cursor.last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not pks:
            cursor.last_pk, cursor.rounds = 0, cursor.rounds + 1
            cursor.save(update_fields=["last_pk", "rounds", "updated_at"])
            continue
        loaded = source.load(pks)
        built: dict[str, list[SearchDocument]] = {}
        for pk in pks:
            key = source.doc_id(pk)
            try:
                built[key] = source.documents(loaded.get(str(pk)))
            except Exception:
                logger.exception("Could not build the search document of %s.", key)
                queue.setdefault(key, "reconcile-error")
        stored = backend.get(
            [d.id for docs in built.values() for d in docs]
            + [i for key in built for i in indexed_owners.get(key, ())]
        )
        for key, documents in built.items():
            result.checked += 1
            wanted = {d.id: d for d in documents}
            have = {i: stored[i] for i in indexed_owners.get(key, ()) if i in stored}
            differs = set(wanted) != set(have) or any(have[i] != d for i, d in wanted.items())
            if differs and key not in queue:
                queue[key] = "reconcile-stale"
                result.stale += 1
        cursor.last_pk = pks[-1]
        cursor.save(update_fields=["last_pk", "updated_at"])
    if queue:
        by_reason: dict[str, list[str]] = defaultdict(list)
        for key, reason in queue.items():
            by_reason[reason].append(key)
        with transaction.atomic():
            for reason, keys in by_reason.items():
                enqueue(keys, reason, schedule=False)
        logger.warning(
            "The search index differed from the database: %s missing, %s extra, %s stale "
            "item(s) queued.",
            result.missing,
            result.extra,
            result.stale,
        )
    return result


# --- Rebuild ------------------------------------------------------------------------------


class RebuildRunning(Exception):
    """Another rebuild is in progress."""


@dataclass
class RebuildResult:
    version: str
    documents: int
    dropped: list[str]
    drained: DrainResult


def count_indexable() -> int:
    return sum(source.count_indexable() for source in registry.indexed())


def rebuild(
    *,
    backend: SearchBackend | None = None,
    chunk_size: int = 200,
    progress: Callable[[int], None] | None = None,
    force: bool = False,
) -> RebuildResult:
    """Build every document into a new index version, switch to it, drop the old ones.

    Searches keep reading the current version until the switch. The queue is held while
    the rebuild runs (rows stay) and drained into the new version afterwards.
    """
    backend = backend or get_backend()
    with transaction.atomic():
        running = IndexRebuild.objects.select_for_update().running()
        if running.exists() and not force:
            raise RebuildRunning(str(running.first()))
        record = IndexRebuild.objects.create(backend=backend.name, index_name=backend.index_name)
    version = ""
    try:
        version = backend.create_version()
        IndexRebuild.objects.filter(pk=record.pk).update(version=version)
        written = 0
        for source in registry.indexed():
            kind = source.key
            for chunk in source.iter_indexable(chunk_size):
                documents = []
                for obj in chunk:
                    try:
                        documents += source.documents(obj)
                    except Exception:
                        logger.exception(
                            "Could not build the search document of %s:%s", kind, obj.pk
                        )
                        enqueue([f"{kind}:{obj.pk}"], "rebuild-error", schedule=False)
                written += backend.upsert(documents, version=version)
                IndexRebuild.objects.filter(pk=record.pk).update(
                    heartbeat_at=timezone.now(), documents=written
                )
                if progress:
                    progress(len(chunk))
        backend.switch_to(version)
        search_signals.index_written.send(sender=rebuild)
        dropped = backend.drop_old_versions()
        prune_vector_cache(backend)
    except BaseException as exc:
        IndexRebuild.objects.filter(pk=record.pk).update(
            status=IndexRebuild.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH],
        )
        if version and backend.current_version() != version:
            try:
                backend.drop_version(version)
            except Exception:
                logger.warning("Could not drop the unfinished index version %s.", version)
        raise
    IndexRebuild.objects.filter(pk=record.pk).update(
        status=IndexRebuild.Status.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )
    drained = drain(backend=backend)
    return RebuildResult(version=version, documents=written, dropped=dropped, drained=drained)


# --- Deferral: a bulk load indexes once, at the end ----------------------------------------


@dataclass
class Deferral:
    """What a ``deferred()`` block held back, and the rebuild that ended it."""

    keys: set[str] = field(default_factory=set)
    rebuilt: RebuildResult | None = None


#: The deferral of the current thread (or asyncio task); ``None``: indexing as usual.
#: Only ``deferred()`` sets it, and always resets it on the way out.
_deferral: contextvars.ContextVar[Deferral | None] = contextvars.ContextVar(
    "indexing_deferral", default=None
)


def deferring() -> bool:
    """Whether changes in the current thread are held back by ``deferred()``."""
    return _deferral.get() is not None


@contextmanager
def deferred(
    *,
    backend: SearchBackend | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Deferral]:
    """Hold per-item indexing back for a bulk load, then rebuild the index once.

    Inside the block ``enqueue`` only remembers the keys: no queue rows, no drain tasks,
    no document built or embedded item by item. When the block ends normally the whole
    index is rebuilt once (``rebuild``; ``progress`` as there) and searches see the load.
    If the block raises, or the rebuild fails, the remembered keys go to the queue as
    usual (the periodic drain or ``search_sync`` applies them): nothing is lost.

    Only the current thread (context) is affected, never another thread's requests;
    the flag cannot outlive the block (it is reset on every way out), and a request that
    starts while it is somehow set ends it (``end_leaked_deferral``). A nested block
    joins the outer one, which rebuilds once.
    """
    current = _deferral.get()
    if current is not None:
        yield current
        return
    deferral = Deferral()
    token = _deferral.set(deferral)
    finished = False
    try:
        yield deferral
        finished = True
    finally:
        try:
            _deferral.reset(token)
        except ValueError:  # left in another context than it was entered in
            _deferral.set(None)
        if not finished:
            _requeue_deferred(deferral)
    try:
        deferral.rebuilt = rebuild(backend=backend, progress=progress)
    except BaseException:
        _requeue_deferred(deferral)
        raise


def _requeue_deferred(deferral: Deferral) -> None:
    if not deferral.keys:
        return
    try:
        with transaction.atomic():
            enqueue(deferral.keys, "deferred")
    except Exception:
        logger.exception(
            "Could not queue %s item(s) held back for search indexing; "
            "run manage.py search_reindex.",
            len(deferral.keys),
        )


def end_leaked_deferral(**kwargs) -> None:
    """``request_started``: a request is never served with indexing held back."""
    deferral = _deferral.get()
    if deferral is None:
        return
    logger.error("Search indexing was still deferred when a request started; resuming it.")
    _deferral.set(None)
    _requeue_deferred(deferral)
