"""Tasks and a counting listener for the outbox tests."""

from __future__ import annotations

import socket
import threading

from celery import shared_task

from core.outbox import OutboxTask


@shared_task(name="tests.core.outbox_record", base=OutboxTask)
def outbox_record(path: str, label: str) -> str:
    """Append ``label`` to ``path``: not idempotent by itself, so every run shows."""
    with open(path, "a", encoding="utf-8") as out:
        out.write(label + "\n")
    return label


@shared_task(name="tests.core.outbox_fail", base=OutboxTask)
def outbox_fail(path: str) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write("tried\n")
    raise RuntimeError("the side effect broke")


class CountingListener:
    """A TCP port that accepts connections and closes them at once, counting them: a
    broker that is "there" but never answers, and a count of how often it was tried."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
