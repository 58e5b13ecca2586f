"""End to end with a real broker and a real worker: Redis at 127.0.0.1:6379 and
``celery -A config worker`` in a subprocess. Edit content → indexed, no manual step.

The worker is another process, so it cannot see pytest's in-memory SQLite database or
uncommitted test transactions: this module copies the test database to a file (SQLite)
or to a sibling database (PostgreSQL), points this process and the worker at the copy,
and commits for real. Each xdist worker uses its own Redis database and queue.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from forum import services as forum
from indexing.models import IndexQueueItem
from kb.models import ArticlePage
from search.backends import build_backend
from segments.models import Segment
from tests.factories import SegmentFactory, UserFactory, make_article, make_home, publish
from tests.indexing.helpers import answer, ask
from tests.indexing.support import assert_index_matches_database, celery_broker, found
from tests.search.support import WORKER, unique_prefix

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("PORTICO_TEST_REDIS_URL", "redis://127.0.0.1:6379")
WAIT_SECONDS = 60


def redis_db_number() -> int:
    index = int(WORKER[2:]) if WORKER.startswith("gw") and WORKER[2:].isdigit() else 0
    return 15 - index % 8


class DatabaseCopy:
    """A committed copy of the test database that another process can open."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.settings = connection.settings_dict
        self.saved_name = self.settings["NAME"]
        self.saved_raw = None
        self.url = ""

    def start(self) -> None:
        name = str(self.saved_name)
        if not (name.startswith("test_") or "memorydb" in name or connection.is_in_memory_db()):
            pytest.fail(f"Refusing to copy {name}: not a test database.")
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            path = self.folder / "db.sqlite3"
            target = sqlite3.connect(path)
            connection.connection.backup(target)
            target.close()
            # Keep the in-memory database alive (and untouched) for the other tests.
            self.saved_raw, connection.connection = connection.connection, None
            self.settings["NAME"] = str(path)
            self.url = f"sqlite:///{path}"
        elif connection.vendor == "postgresql":
            connection.close()
            self.copy_name = f"{self.saved_name}_celery_{os.getpid()}"
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.copy_name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{self.copy_name}" TEMPLATE "{self.saved_name}"')
            self.settings["NAME"] = self.copy_name
            user, password = self.settings.get("USER") or "", self.settings.get("PASSWORD") or ""
            auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
            host, port = self.settings.get("HOST") or "127.0.0.1", self.settings.get("PORT") or 5432
            self.url = f"postgres://{auth}{host}:{port}/{self.copy_name}"
        else:
            pytest.skip(f"No shared test database for {connection.vendor}")

    def _admin(self):
        import psycopg

        options = {
            "dbname": "postgres",
            "host": self.settings.get("HOST") or "127.0.0.1",
            "port": self.settings.get("PORT") or 5432,
            "user": self.settings.get("USER") or None,
            "password": self.settings.get("PASSWORD") or None,
            "autocommit": True,
        }
        return psycopg.connect(**{k: v for k, v in options.items() if v is not None})

    def stop(self) -> None:
        connection.close()
        self.settings["NAME"] = self.saved_name
        if connection.vendor == "sqlite":
            connection.connection = self.saved_raw
        elif connection.vendor == "postgresql":
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.copy_name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_url():
    import redis

    url = f"{REDIS_URL}/{redis_db_number()}"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {url}: {exc}")
        pytest.skip(f"No Redis at {url}: {exc}")
    client.flushdb()
    yield url
    client.flushdb()


@pytest.fixture(scope="module")
def worker_env(django_db_setup, django_db_blocker, redis_url, tmp_path_factory):
    """The shared database, the search index location and a running worker."""
    folder = tmp_path_factory.mktemp("celery")
    with django_db_blocker.unblock():
        database = DatabaseCopy(folder)
        database.start()
        env = {
            "queue": f"portico-test-{WORKER}-{os.getpid()}",
            "prefix": unique_prefix(),
            "path": str(folder / "search"),
            "broker": redis_url,
            "log": folder / "worker.log",
        }
        log = env["log"]
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--queues",
                env["queue"],
                "--hostname",
                f"{env['queue']}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],  # fmt: skip
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.dev",
                "DEBUG": "0",
                "DATABASE_URL": database.url,
                "CELERY_BROKER_URL": redis_url,
                "CELERY_QUEUE": env["queue"],
                "SEARCH_BACKEND": "embedded",
                "SEARCH_INDEX_PREFIX": env["prefix"],
                "SEARCH_EMBEDDED_PATH": env["path"],
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "INDEXING_RETRY_BASE_SECONDS": "1",
            },
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while " ready." not in log.read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"The Celery worker did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield env
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            database.stop()


def wait_for(condition, what: str, log: Path | None = None):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    queue = list(IndexQueueItem.objects.values())
    tail = log.read_text()[-3000:] if log else ""
    raise AssertionError(f"Timed out waiting for {what}; queue: {queue}\nworker log:\n{tail}")


def test_edits_reach_the_index_through_redis_and_a_worker(worker_env, settings):
    settings.SEARCH_BACKEND = "embedded"
    settings.SEARCH_INDEX_PREFIX = worker_env["prefix"]
    settings.SEARCH_EMBEDDED_PATH = worker_env["path"]
    backend = build_backend("embedded")
    log = worker_env["log"]
    home = make_home()
    relay = SegmentFactory(kind=Segment.Kind.PRODUCT, slug="relay", name="Relay")
    asker, helper = UserFactory(username="asker"), UserFactory(username="helper")

    with celery_broker(worker_env["broker"], task_default_queue=worker_env["queue"]):
        article = make_article(title="Rotate API keys", body="Create a new key first.")
        key = f"article:{article.pk}"
        wait_for(lambda: found(backend, "rotate") == {key}, "the published article", log)

        article.title = "Rotate API tokens"
        publish(article)
        wait_for(lambda: found(backend, "tokens") == {key}, "the edited article", log)
        assert found(backend, "keys") == {key}  # still in the body

        question = ask(asker, relay, title="Relay agent cannot reach the proxy")
        answer(question, helper, body="Set **HTTPS_PROXY** for the agent service.")
        qkey = f"question:{question.pk}"
        wait_for(lambda: found(backend, "https_proxy") == {qkey}, "the answered question", log)

        forum.hide_post(question, UserFactory(username="mod", is_staff=True))
        ArticlePage.objects.get(pk=article.pk).delete()
        gone = lambda: found(backend, "rotate") | found(backend, "relay") == set()  # noqa: E731
        wait_for(gone, "removals", log)

    wait_for(lambda: not IndexQueueItem.objects.exists(), "an empty queue", log)
    assert_index_matches_database(backend)
    assert home.pk
