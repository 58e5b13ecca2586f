"""Who is asking: the client's address as the sign-in rate limits see it.

One notion of the client address for the whole site: allauth's (its sign-in limits key on
it), configured by ``TRUSTED_PROXY_COUNT`` (proxies that append to ``X-Forwarded-For``)
or ``TRUSTED_CLIENT_IP_HEADER`` (a header the proxy sets).
"""

from __future__ import annotations

from allauth.core.internal.httpkit import clean_client_ip, get_client_ip
from django.core.exceptions import ImproperlyConfigured


def client_ip(request) -> str | None:
    """The client's address, or ``None`` when there is no valid one.

    A request with fewer ``X-Forwarded-For`` entries than ``TRUSTED_PROXY_COUNT`` did not
    come through the proxies: its own peer address is used (allauth refuses it instead).
    """
    try:
        return get_client_ip(request)
    except ImproperlyConfigured:
        return clean_client_ip(request.META.get("REMOTE_ADDR") or "")


def wants_json(request) -> bool:
    """A script asking (``Accept: application/json``), or any request to the JSON API."""
    return "application/json" in request.headers.get("Accept", "") or request.path.startswith(
        "/api/"
    )


def error_answer(request, status: int, message: str, template: str):
    """A refusal with its reason: ``{"error": {"status", "message"}}`` for scripts, the
    site's error page ``template`` for people."""
    from django.http import JsonResponse
    from django.shortcuts import render

    if wants_json(request):
        return JsonResponse({"error": {"status": status, "message": message}}, status=status)
    return render(request, template, {"message": message}, status=status)
