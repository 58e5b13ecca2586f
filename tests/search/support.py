"""Search test support: backends to run the contract against, osmem-server, a TCP proxy.

Backends: the embedded engine always; OpenSearch against ``osmem-server`` (started once
per test process, stopped at exit); and a real cluster when ``OPENSEARCH_URL`` is set in
the environment. Every test gets its own index prefix (with the xdist worker id), and its
indexes are dropped afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import threading
from datetime import UTC, datetime

import pytest

from search.backends import build_backend
from search.schema import SearchDocument

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
CLUSTER_URL = os.environ.get("OPENSEARCH_URL", "")
BACKENDS = ["embedded", "osmem", *(["cluster"] if CLUSTER_URL else [])]
_counter = itertools.count(1)


def unique_prefix() -> str:
    return f"test-{WORKER}-{os.getpid()}-{next(_counter)}"


@pytest.fixture(scope="session")
def osmem():
    """One osmem-server (in-memory OpenSearch) for this test process."""
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False)
    yield server
    server.close()


@pytest.fixture(scope="session")
def knn_cluster(osmem):
    """osmem-server with the k-NN and neural-search APIs added (``knn_server.KnnProxy``)."""
    from tests.search.knn_server import KnnProxy

    proxy = KnnProxy(osmem.url)
    yield proxy
    proxy.close()


def server_url(kind: str, request) -> str:
    """The URL of an OpenSearch kind: ``osmem``, ``knn`` (osmem with k-NN) or ``cluster``."""
    if kind == "osmem":
        return request.getfixturevalue("osmem").url
    if kind == "knn":
        return request.getfixturevalue("knn_cluster").url
    return CLUSTER_URL


def make_backend(kind: str, request, path, **options):
    prefix = options.pop("prefix", None) or unique_prefix()
    if kind == "embedded":
        return build_backend("embedded", prefix=prefix, path=str(path), **options)
    url = server_url(kind, request)
    options.setdefault("timeout", 5)
    return build_backend("opensearch", prefix=prefix, url=url, **options)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """A fresh, empty index on each backend."""
    backend = make_backend(request.param, request, tmp_path)
    backend.ensure_index()
    yield backend
    backend.drop_all()
    backend.close()


@pytest.fixture
def site_backend(request, settings, tmp_path):
    """Point the site's search settings at a fresh index (embedded unless parametrized)."""
    kind = getattr(request, "param", "embedded")
    settings.SEARCH_INDEX_PREFIX = unique_prefix()
    settings.SEARCH_EMBEDDED_PATH = tmp_path / "search"
    if kind == "embedded":
        settings.SEARCH_BACKEND = "embedded"
    else:
        settings.SEARCH_BACKEND = "opensearch"
        settings.OPENSEARCH_URL = server_url(kind, request)
    from search.backends import get_backend, reset_backends

    backend = get_backend()
    yield backend
    backend.drop_all()
    reset_backends()


def doc(pk, title="A title", *, kind="article", **fields) -> SearchDocument:
    fields.setdefault("url", f"/{kind}/{pk}/")
    fields.setdefault("access", ["public"])
    fields.setdefault("updated", datetime(2024, 1, 1, tzinfo=UTC))
    return SearchDocument(id=f"{kind}:{pk}", type=kind, title=title, **fields)


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server; ``stop()`` makes the port refuse connections
    (as a stopped server does) and ``start()`` serves it again on the same port."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = self._free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
