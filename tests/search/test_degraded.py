"""An unwell search engine or cache degrades the portal; it never fails a page.

The engine is made unwell for real: the embedded index is corrupted on disk or its folder
replaced by a file; an "OpenSearch" that accepts connections and never answers is a real
socket server; the cache is a Redis address where nothing listens, or one that hangs.
Every page and endpoint that searches must still answer (degraded mode: the database
fallback, related articles and suggestions left out) and the failures are counted.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

from core import metrics
from search.backends import get_backend, reset_backends
from search.backends.guard import CircuitBreaker
from tests.factories import make_article
from tests.indexing.helpers import answer, ask

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(home, products, member, other_member, sync_search):
    article = make_article(
        title="Retry failed webhook deliveries",
        body="Replay a webhook delivery from the dashboard.",
        summary="Replays from the dashboard.",
        tags=["webhooks"],
    )
    make_article(title="Webhook signatures", body="Verify every webhook delivery signature.")
    question = ask(member, products["relay"], title="Webhook deliveries fail with 410 Gone")
    answer(question, other_member, body="A 410 means your endpoint was removed: recreate it.")
    sync_search()
    return {"article": article, "question": question}


def pages(content) -> list[tuple[str, str, dict]]:
    return [
        ("get", content["article"].url, {}),
        ("get", content["question"].get_absolute_url(), {}),
        ("get", "/search/", {"q": "webhook delivery"}),
        ("get", "/api/v1/search", {"q": "webhook delivery"}),
        ("get", "/api/v1/search/suggest", {"q": "webh"}),
        ("get", "/community/similar/", {"q": "webhook deliveries fail"}),
        (
            "post",
            "/support/new/suggest/",
            {"subject": "Webhook deliveries fail", "description": ""},
        ),
    ]


def assert_every_page_answers(client, content) -> dict:
    answers = {}
    for method, url, data in pages(content):
        response = getattr(client, method)(url, data)
        assert response.status_code == 200, (url, response.status_code)
        answers[url] = response
    # The search page and the API say they are in the degraded mode and still find.
    search = answers["/search/"].content.decode()
    assert "limited mode" in search
    assert content["article"].url in search
    data = answers["/api/v1/search"].json()
    assert data["degraded"] is True
    assert data["total"] >= 1
    assert answers["/api/v1/search/suggest"].json()["suggestions"] == []
    return answers


def _index_folder() -> Path:
    backend = get_backend().wrapped
    return backend.root / backend.current_version()


def test_a_corrupt_embedded_index_degrades_every_page(client, content):
    folder = _index_folder()
    (folder / "meta.json").write_text("{ this is not an index")
    for segment in folder.glob("*.idx"):
        segment.write_bytes(b"\x00garbage")
    reset_backends()
    before = metrics.snapshot().get("search.errors", 0)
    assert_every_page_answers(client, content)
    assert metrics.snapshot()["search.errors"] > before


def test_an_index_folder_that_cannot_be_read_degrades_every_page(client, content):
    import shutil

    folder = _index_folder()
    shutil.rmtree(folder)
    folder.write_text("not a folder")  # reading it fails with an OS error
    reset_backends()
    assert_every_page_answers(client, content)


def test_members_get_the_degraded_pages_too(client, content, member):
    folder = _index_folder()
    (folder / "meta.json").write_text("[]")
    reset_backends()
    client.force_login(member)
    assert_every_page_answers(client, content)


# --- A server that accepts connections and never answers --------------------------------


class HangingServer:
    """Accepts TCP connections, reads, and never writes a byte back."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _addr = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            self._open.append(connection)

    def close(self):
        self._stop.set()
        self.thread.join(timeout=2)
        for connection in self._open:
            connection.close()
        self.sock.close()


@pytest.fixture
def hanging():
    server = HangingServer()
    yield server
    server.close()


def test_a_hanging_opensearch_is_asked_a_few_times_then_left_alone(client, home, hanging):
    from tests.factories import make_article

    article = make_article(
        title="Retry failed webhook deliveries", body="Replay a webhook delivery."
    )
    with override_settings(
        SEARCH_BACKEND="opensearch",
        OPENSEARCH_URL=f"http://127.0.0.1:{hanging.port}",
        SEARCH_QUERY_TIMEOUT=0.2,
        SEARCH_BREAKER_FAILURES=2,
        SEARCH_BREAKER_COOLDOWN=600,
    ):
        reset_backends()
        for _ in range(6):
            response = client.get("/search/", {"q": "webhook delivery"})
            assert response.status_code == 200
            assert "limited mode" in response.content.decode()
            assert article.url in response.content.decode()
            assert client.get("/api/v1/search/suggest", {"q": "webh"}).status_code == 200
        # Two searches reached the server (no retries); the breaker kept the others away.
        assert hanging.accepted == 2
        assert get_backend().breaker.is_open
    reset_backends()


def test_the_breaker_lets_one_trial_through_after_the_cooldown():
    now = [0.0]
    breaker = CircuitBreaker(failures=3, cooldown=30, clock=lambda: now[0])
    assert breaker.allow()
    for _ in range(2):
        assert not breaker.failed()
    assert breaker.failed()  # the third failure opens it
    assert not breaker.allow()
    now[0] = 29.9
    assert not breaker.allow()
    now[0] = 30.0
    assert breaker.allow()  # one trial
    assert not breaker.allow()  # ... only one
    breaker.failed()  # the trial failed: another cooldown
    now[0] = 59.0
    assert not breaker.allow()
    now[0] = 60.0
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.allow() and breaker.allow() and not breaker.is_open


# --- The cache --------------------------------------------------------------------------


def _resilient(location: str) -> dict:
    return {
        "default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": location},
    }


def test_a_cache_nobody_answers_behaves_as_an_empty_one(client, content):
    with override_settings(CACHES=_resilient("redis://127.0.0.1:9/0")):
        cache = caches["default"]
        assert cache.get("x", "default") == "default"
        cache.set("x", 1)
        assert cache.add("lock", True) is True
        assert cache.incr("n") == 1
        assert cache.get_many(["a", "b"]) == {}
        for method, url, data in pages(content):
            assert getattr(client, method)(url, data).status_code == 200, url
        assert client.get("/account/login/").status_code == 200
        response = client.post("/account/login/", {"login": "x@example.com", "password": "x"})
        assert response.status_code == 200
    assert metrics.snapshot().get("cache.errors", 0) >= 1


def test_a_hanging_cache_costs_one_short_timeout(client, content, hanging):
    with override_settings(CACHES=_resilient(f"redis://127.0.0.1:{hanging.port}/0")):
        for method, url, data in pages(content):
            assert getattr(client, method)(url, data).status_code == 200, url
        # One connection timed out; the cache was left alone afterwards.
        assert hanging.accepted == 1


def test_failures_are_counted_for_operators(client, settings, staff):
    metrics.increment("search.errors", 2)
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert "portico_search_errors_total" in response.content.decode()
    client.force_login(staff)
    assert "# TYPE portico_search_errors_total counter" in client.get("/metrics").content.decode()
