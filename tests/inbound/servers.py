"""A real SMTP server (aiosmtpd) and a real IMAP server (pymap, in-memory), started on free
local ports for the support-by-email tests."""

from __future__ import annotations

import contextlib
import email
import imaplib
import socket
import subprocess
import sys
import time
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What the SMTP server received, as parsed messages, oldest first."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m.envelope_to]

    def clear(self):
        self.messages.clear()


@contextlib.contextmanager
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.hostname, controller.port, inbox
    finally:
        controller.stop()


IMAP_USER, IMAP_PASSWORD = "support", "mailbox-password"


@contextlib.contextmanager
def imap_server():
    """pymap's dict backend in a child process: one mailbox user, messages kept in memory."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pymap.main import main; sys.exit(main())",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-tls",
            "--no-service",
            "admin",
            "dict",
            "--demo-user",
            IMAP_USER,
            "--demo-password",
            IMAP_PASSWORD,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _attempt in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.05)
        else:
            raise RuntimeError("the IMAP server did not start")
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=10)


def imap_append(host: str, port: int, raw: bytes, folder: str = "INBOX") -> None:
    connection = imaplib.IMAP4(host, port)
    try:
        connection.login(IMAP_USER, IMAP_PASSWORD)
        status, data = connection.append(folder, None, None, raw)
        assert status == "OK", data
    finally:
        connection.logout()


def imap_unseen(host: str, port: int, folder: str = "INBOX") -> list[bytes]:
    connection = imaplib.IMAP4(host, port)
    try:
        connection.login(IMAP_USER, IMAP_PASSWORD)
        connection.select(folder)
        return connection.uid("SEARCH", None, "UNSEEN")[1][0].split()
    finally:
        connection.logout()
