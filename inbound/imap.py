"""Reading the support mailbox over IMAP: each unread message goes through
``process_inbound`` and is then flagged ``\\Seen`` (or moved to
``SUPPORT_IMAP_DONE_FOLDER``). Safe to run again and again, and from two places at once:
a message is only ever acted on once (its Message-ID is logged), and one that could not be
handled stays unread for the next run."""

from __future__ import annotations

import contextlib
import imaplib
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings

from .services import process_inbound

logger = logging.getLogger(__name__)


@dataclass
class FetchResult:
    outcomes: Counter = field(default_factory=Counter)
    failed: int = 0

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response, what: str):
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what}: {status} {data!r}")
    return data


def fetch(
    *,
    host: str,
    port: int,
    user: str,
    password: str,
    ssl: bool = True,
    folder: str = "INBOX",
    done_folder: str = "",
    limit: int | None = None,
    timeout: float = 60,
) -> FetchResult:
    result = FetchResult()
    if ssl:
        connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port, timeout=timeout)
    else:
        connection = imaplib.IMAP4(host, port, timeout=timeout)
    try:
        _check(connection.login(user, password), "LOGIN")
        _check(connection.select(_quote(folder)), f"SELECT {folder}")
        uids = _check(connection.uid("SEARCH", None, "UNSEEN"), "SEARCH")[0].split()
        for uid in uids[:limit] if limit else uids:
            data = _check(connection.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            if raw is None:
                continue  # gone in the meantime
            try:
                record = process_inbound(raw)
            except Exception:
                logger.exception("Could not handle message %s; it stays unread.", uid)
                result.failed += 1
                continue
            result.outcomes["duplicate" if record.duplicate else record.outcome] += 1
            if done_folder:
                _check(connection.uid("MOVE", uid, _quote(done_folder)), "MOVE")
            else:
                _check(connection.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "STORE")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            connection.logout()
    return result


def fetch_configured(**options) -> FetchResult:
    """``fetch`` with the ``SUPPORT_IMAP_*`` settings."""
    return fetch(
        host=settings.SUPPORT_IMAP_HOST,
        port=settings.SUPPORT_IMAP_PORT,
        user=settings.SUPPORT_IMAP_USER,
        password=settings.SUPPORT_IMAP_PASSWORD,
        ssl=settings.SUPPORT_IMAP_SSL,
        folder=settings.SUPPORT_IMAP_FOLDER,
        done_folder=settings.SUPPORT_IMAP_DONE_FOLDER,
        **options,
    )
