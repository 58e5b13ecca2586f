"""The periodic schedule without a broker: a database lease lets one process at a time run
it, and each entry runs once per interval however many processes and hosts there are."""

import logging
import multiprocessing
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection

from core import periodic
from core.models import PeriodicTaskRun, SchedulerLease
from core.periodic import EmbeddedBeat, acquire_lease, claim_run, release_lease
from indexing.models import IndexQueueItem
from indexing.services import enqueue
from tests.core import periodic_support
from tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def runs_file(tmp_path):
    path = tmp_path / "runs.txt"
    path.touch()
    return path


def runs(path):
    return Counter(path.read_text().split())


@pytest.fixture
def schedule(settings, runs_file):
    settings.PORTICO_EMBEDDED_BEAT = True
    settings.CELERY_BROKER_URL = ""
    settings.PORTICO_SCHEDULER_LEASE_SECONDS = 300
    settings.CELERY_BEAT_SCHEDULE = {
        "every-minute": {
            "task": "tests.core.record_run",
            "schedule": 60.0,
            "args": (str(runs_file), "every-minute"),
        },
        "every-two-minutes": {
            "task": "tests.core.record_run",
            "schedule": timedelta(minutes=2),
            "args": (str(runs_file), "every-two-minutes"),
        },
    }
    return settings.CELERY_BEAT_SCHEDULE


def test_the_lease_has_one_holder_at_a_time():
    assert acquire_lease("beat", "a", now=T0, seconds=60)
    assert not acquire_lease("beat", "b", now=T0 + timedelta(seconds=30), seconds=60)
    # The holder renews it; the other still waits.
    assert acquire_lease("beat", "a", now=T0 + timedelta(seconds=50), seconds=60)
    assert not acquire_lease("beat", "b", now=T0 + timedelta(seconds=100), seconds=60)
    # The holder stopped renewing: once the lease ran out, the other takes it over.
    assert acquire_lease("beat", "b", now=T0 + timedelta(seconds=110), seconds=60)
    assert not acquire_lease("beat", "a", now=T0 + timedelta(seconds=111), seconds=60)
    # A clean shutdown gives it back at once.
    assert not release_lease("beat", "a", now=T0 + timedelta(seconds=112))
    assert release_lease("beat", "b", now=T0 + timedelta(seconds=112))
    assert acquire_lease("beat", "a", now=T0 + timedelta(seconds=112), seconds=60)
    assert SchedulerLease.objects.get(name="beat").holder == "a"


def test_an_entry_is_claimed_once_per_interval():
    PeriodicTaskRun.objects.create(name="job")
    assert claim_run("job", interval=60, now=T0)
    assert not claim_run("job", interval=60, now=T0)
    assert not claim_run("job", interval=60, now=T0 + timedelta(seconds=59))
    assert claim_run("job", interval=60, now=T0 + timedelta(seconds=60))


def test_each_entry_runs_once_per_interval(schedule, runs_file):
    clock = Clock()
    beat = EmbeddedBeat(clock=clock)
    assert sorted(beat.tick()) == ["every-minute", "every-two-minutes"]
    assert beat.tick() == []
    clock.advance(59)
    assert beat.tick() == []
    clock.advance(1)
    assert beat.tick() == ["every-minute"]
    clock.advance(60)
    assert sorted(beat.tick()) == ["every-minute", "every-two-minutes"]
    assert runs(runs_file) == {"every-minute": 3, "every-two-minutes": 2}
    run = PeriodicTaskRun.objects.get(name="every-minute")
    assert run.last_run_at == clock.now and run.last_error == ""


def test_a_second_process_waits_for_the_lease(schedule, runs_file):
    clock = Clock()
    first, second = EmbeddedBeat(clock=clock), EmbeddedBeat(clock=clock)
    assert first.holder != second.holder
    assert first.tick()
    clock.advance(120)
    assert second.tick() == []  # the first still holds the lease
    assert sorted(first.tick()) == ["every-minute", "every-two-minutes"]
    # The first process is gone (it stops renewing): after the lease runs out, the
    # second takes over, and what already ran is not run again.
    clock.advance(310)
    assert sorted(second.tick()) == ["every-minute", "every-two-minutes"]
    assert first.tick() == []
    assert runs(runs_file) == {"every-minute": 3, "every-two-minutes": 3}


def test_a_failing_task_is_recorded_and_tried_at_its_next_interval(settings, caplog):
    settings.PORTICO_EMBEDDED_BEAT = True
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_BEAT_SCHEDULE = {"broken": {"task": "tests.core.fail", "schedule": 60.0}}
    clock = Clock()
    beat = EmbeddedBeat(clock=clock)
    with caplog.at_level(logging.ERROR, logger="core.periodic"):
        assert beat.tick() == ["broken"]
    run = PeriodicTaskRun.objects.get(name="broken")
    assert "the periodic task broke" in run.last_error
    assert "Periodic task broken failed" in caplog.text
    assert beat.tick() == []
    clock.advance(60)
    assert beat.tick() == ["broken"]


def test_a_due_drain_indexes_what_waits(settings, home, sync_search):
    settings.PORTICO_EMBEDDED_BEAT = True
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_BEAT_SCHEDULE = {
        "drain-search-index-queue": {"task": "indexing.drain_queue", "schedule": 60.0},
    }
    article = make_article(make_category(), title="Waiting for the periodic drain")
    enqueue([f"article:{article.pk}"], "test")  # a change whose drain never ran
    assert IndexQueueItem.objects.exists()
    assert EmbeddedBeat(clock=Clock()).tick() == ["drain-search-index-queue"]
    assert not IndexQueueItem.objects.exists()
    backend = sync_search()
    assert f"article:{article.pk}" in backend.all_ids()


def test_expired_sessions_are_cleared_daily(settings):
    assert settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"] == {
        "task": "core.clear_sessions",
        "schedule": 24 * 3600.0,
    }
    settings.PORTICO_EMBEDDED_BEAT = True
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_BEAT_SCHEDULE = {
        "clear-expired-sessions": settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]
    }
    live, expired = SessionStore(), SessionStore()
    live["n"] = expired["n"] = 1
    live.create()
    expired.set_expiry(-60)
    expired.create()
    assert Session.objects.count() == 2
    assert EmbeddedBeat(clock=Clock()).tick() == ["clear-expired-sessions"]
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_off_with_a_broker_or_when_disabled(schedule, settings, runs_file):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    beat = EmbeddedBeat(clock=Clock())
    assert beat.tick() == [] and beat.start() is None
    settings.CELERY_BROKER_URL = ""
    settings.PORTICO_EMBEDDED_BEAT = False
    assert beat.tick() == [] and beat.start() is None
    assert not SchedulerLease.objects.exists() and runs(runs_file) == {}


@pytest.mark.django_db(transaction=True)
def test_the_middleware_starts_the_scheduler_thread(schedule, client, runs_file, settings):
    settings.PORTICO_SCHEDULER_TICK_SECONDS = 0.05
    beat = EmbeddedBeat()
    periodic.beat, previous = beat, periodic.beat
    try:
        client.get("/robots.txt")
        thread = beat._thread
        assert thread is not None and thread.is_alive()
        client.get("/robots.txt")
        assert beat._thread is thread  # one thread per process
        for _ in range(200):
            if runs(runs_file) == {"every-minute": 1, "every-two-minutes": 1}:
                break
            thread.join(0.05)
        assert runs(runs_file) == {"every-minute": 1, "every-two-minutes": 1}
        assert SchedulerLease.objects.get().holder == beat.holder
    finally:
        beat.stop()
        periodic.beat = previous
    assert not thread.is_alive()
    # Stopping gave the lease back: another process may take it at once.
    assert acquire_lease(periodic.LEASE_NAME, "another", now=datetime.now(UTC), seconds=60)


def _database_url(tmp_path):
    """The database the worker processes share: the test database on PostgreSQL, a new
    SQLite file otherwise (the in-memory test database is this process's alone)."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    url = f"sqlite:///{tmp_path / 'scheduler.sqlite3'}"
    context = multiprocessing.get_context("spawn")
    setup = context.Process(target=periodic_support.create_tables, args=(url,))
    setup.start()
    setup.join(120)
    assert setup.exitcode == 0
    return url


@pytest.mark.django_db(transaction=True)
def test_many_processes_and_threads_run_each_entry_once_per_interval(tmp_path, runs_file):
    """Three processes with two schedulers each tick at the same moments, round after
    round (a barrier lines them up): every entry runs exactly once per interval."""
    processes, threads, rounds, step = 3, 2, 6, 60.0
    schedule = {
        name: {"task": "tests.core.record_run", "schedule": seconds, "args": (str(runs_file), name)}
        for name, seconds in [("every-minute", 60.0), ("every-two-minutes", 120.0)]
    }
    schedule["hourly"] = {
        "task": "tests.core.record_run",
        "schedule": 3600.0,
        "args": (str(runs_file), "hourly"),
    }
    database_url = _database_url(tmp_path)
    results = tmp_path / "results.txt"
    results.touch()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes * threads + 1, timeout=180)
    workers = [
        context.Process(
            target=periodic_support.run_worker,
            args=(database_url,),
            kwargs={
                "threads": threads,
                "rounds": rounds,
                "step": step,
                "start": T0.isoformat(),
                "schedule": schedule,
                "lease_seconds": 90.0,
                "barrier": barrier,
                "results_path": str(results),
            },
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        for _ in range(rounds):
            barrier.wait()  # every scheduler ticks now...
            barrier.wait()  # ...and has finished
    finally:
        for worker in workers:
            worker.join(120)
    assert [worker.exitcode for worker in workers] == [0] * processes

    assert runs(runs_file) == {"every-minute": 6, "every-two-minutes": 3, "hourly": 1}
    lines = [line.split() for line in results.read_text().splitlines()]
    by_round = Counter((int(round_number), name) for round_number, name, _ in lines)
    assert by_round == Counter(
        [(r, "every-minute") for r in range(6)]
        + [(r, "every-two-minutes") for r in (0, 2, 4)]
        + [(0, "hourly")]
    )
    # One scheduler at a time: each round's work was done by a single holder.
    holders_per_round = {r: {h for rn, _, h in lines if int(rn) == r} for r in range(rounds)}
    assert all(len(holders) == 1 for holders in holders_per_round.values())
