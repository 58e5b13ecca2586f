"""A real HTTP receiver on 127.0.0.1 (``http.server`` in a thread) and endpoints to it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import UserFactory
from webhooks import events, services


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def signature_valid(self, secret: str) -> bool:
        timestamp = self.headers["X-Portico-Timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(self.headers["X-Portico-Signature"], f"sha256={expected}")


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    #: Status codes to answer, in turn; the last one is repeated.
    statuses: list[int] = field(default_factory=lambda: [200])

    def answer(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            status = state.answer()
            reply = b'{"ok": true}' if status < 300 else b"upstream exploded"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/portico"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def make_endpoint(admin_user):
    def _make(url, event_names=tuple(events.NAMES), **kwargs):
        return services.create_endpoint(admin_user, url=url, event_names=event_names, **kwargs)

    return _make
