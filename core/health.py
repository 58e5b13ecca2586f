"""Health checks for load balancers, process managers and monitoring.

- ``/healthz``: the process is up and answers (no database, nothing else). For a load
  balancer and for ``systemd``/``gunicorn`` restarts.
- ``/readyz``: the database, the cache, the broker (when there is one) and the search
  engine answer. JSON with each check's state and time in milliseconds; 200 when every
  check is OK, 503 otherwise. For monitoring and for gating a deploy (every web process
  shares these services, so a load balancer that drops nodes on ``/readyz`` drops all of
  them at once: point it at ``/healthz``).

Both are answered by ``HealthCheckMiddleware`` before anything else, so that a probe by
IP address passes the host check and a plain-HTTP probe is not redirected to HTTPS. They
need no sign-in and say nothing secret: a failing check gives only the kind of error,
never its message (which may carry a URL with a password).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

SKIPPED = "skipped"


class NoSearchIndex(Exception):
    """The search engine answers but has no index yet."""


class CacheUnavailable(Exception):
    """The cache did not keep a value (the resilient cache answers like an empty one
    while Redis is down)."""


def check_database() -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def check_cache() -> str | None:
    from django.core.cache import cache

    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    found = cache.get(key)
    cache.delete(key)
    if found != "1":
        raise CacheUnavailable("the cache did not keep a value")
    return None


def check_broker() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return SKIPPED  # no broker: tasks run in-process
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0)
        connection.default_channel  # noqa: B018 (opens the channel: the broker answers)
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def register_check(name: str, check: Callable[[], str | None]) -> None:
    """Add a service to ``/readyz`` (apps register theirs when they start: search)."""
    CHECKS[name] = check


def run_checks() -> tuple[bool, dict]:
    results = {}
    ok = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            state = check() or "ok"
            result = {"status": state}
        except Exception as exc:
            ok = False
            result = {"status": "error", "error": type(exc).__name__}
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    return ok, results


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    add_never_cache_headers(response)
    return response


def healthz(request) -> JsonResponse:
    return _json({"status": "ok"})


def readyz(request) -> JsonResponse:
    ok, results = run_checks()
    return _json({"status": "ok" if ok else "error", "checks": results}, 200 if ok else 503)


class HealthCheckMiddleware:
    """Answers ``/healthz`` and ``/readyz`` (GET or HEAD) before any other middleware."""

    paths = {"/healthz": healthz, "/readyz": readyz}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self.paths.get(request.path_info.rstrip("/") or "/")
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
