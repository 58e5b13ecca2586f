"""Who is asking, as the network says: the client's address behind trusted proxies."""

from __future__ import annotations


def client_ip(request) -> str:
    """The client's address: behind ``TRUSTED_PROXY_COUNT`` proxies the one they saw (or
    the ``TRUSTED_CLIENT_IP_HEADER``), else ``REMOTE_ADDR`` — the same answer the sign-in
    rate limits use."""
    from allauth.core.internal.httpkit import get_client_ip

    try:
        return get_client_ip(request) or ""
    except Exception:  # a malformed or short X-Forwarded-For
        return request.META.get("REMOTE_ADDR", "") or ""
