"""Posting a delivery: the signature, and an HTTP client that refuses internal addresses.

The endpoint's host is resolved once, every address is checked, and the connection goes to
a checked address (with the host name kept for ``Host`` and TLS), so a name that resolves
to something else between the check and the request (DNS rebinding) reaches nothing
internal. Redirects are not followed: an answer outside 2xx is a failed attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

USER_AGENT = "Portico-Webhooks/1"
READ_LIMIT = 64 * 1024


class BlockedAddress(ValueError):
    """The URL is not one Portico may post to (scheme, host or address)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return False
    if ip.is_global:
        return True
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return True
    return bool(ip.is_loopback and settings.DEBUG)


def check_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path with query)`` of a URL Portico may post to, without
    resolving the host; raises ``BlockedAddress``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedAddress(_("This is not a valid URL.")) from exc
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress(_("Only http and https URLs can receive webhooks."))
    host = parts.hostname
    if not host:
        raise BlockedAddress(_("The URL has no host."))
    if parts.username or parts.password:
        raise BlockedAddress(_("Put no user name or password in the URL; deliveries are signed."))
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not _address_allowed(literal):
        raise BlockedAddress(_("This address is on a private or reserved network."))
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, host, port, path


def resolve(host: str, port: int) -> str:
    """One address of ``host`` that may be reached; every address it has must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ConnectionError(_("The host name could not be resolved.")) from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise ConnectionError(_("The host name could not be resolved."))
    for address in addresses:
        if not _address_allowed(ipaddress.ip_address(address.split("%")[0])):
            raise BlockedAddress(_("This address is on a private or reserved network."))
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Response:
    status: int
    body: str
    duration_ms: int


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
    """POST ``body`` to ``url``; raises ``BlockedAddress`` or ``OSError`` (connection,
    timeout) and ``http.client.HTTPException`` (a malformed answer)."""
    scheme, host, port, path = check_url(url)
    address = resolve(host, port)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address, timeout)
    started = time.monotonic()
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **headers,
            },
        )
        answer = connection.getresponse()
        raw = answer.read(READ_LIMIT)
    finally:
        connection.close()
    duration_ms = int((time.monotonic() - started) * 1000)
    text = raw.decode(answer.headers.get_content_charset() or "utf-8", errors="replace")
    return Response(status=answer.status, body=text, duration_ms=duration_ms)
