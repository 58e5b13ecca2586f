"""Rate limits for the endpoints anyone may call without signing in.

Search (``/api/v1/search``), type-ahead (``/api/v1/search/suggest``), click tracking
(``/search/click/``), similar questions (``/community/similar/``) and support suggestions
(``/support/new/suggest/``) each allow so many requests per client address (``core.http``)
and period, counted in the shared cache (``CACHE_URL``: every process of the site must
share it). Past the limit the answer is ``429`` with a JSON error and ``Retry-After``.

A small fixed-window counter rather than django-ratelimit: one ``add`` and one ``incr``
per request on the cache (atomic on Redis), limits written like allauth's (``60/m``),
and answers in the same JSON shape as the search API's errors. If the cache fails, the
request goes through: the limit protects the service, it must not take it down.

Limits are ``PORTICO_RATE_LIMITS`` in ``config/settings/base.py`` (``RATE_LIMIT_*`` in the
environment); ``PORTICO_RATE_LIMITS_ENABLED = False`` turns them all off (tests).
"""

from __future__ import annotations

import functools
import logging
import math
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.checks import Error, register
from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import ngettext

from .http import client_ip

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int] | None:
    """``"60/m"`` → ``(60, 60)``: requests per so many seconds (``"100/5m"``: 300 s).
    ``""``, ``"0"`` or ``"off"``: no limit (``None``)."""
    if not rate or rate.strip().lower() in {"0", "off", "none"}:
        return None
    found = _RATE.match(rate)
    if not found:
        raise ValueError(f"Not a rate: {rate!r} (write it as 60/m, 100/5m, 1000/h)")
    amount, multiple, unit = found.groups()
    return int(amount), int(multiple or 1) * _UNITS[unit]


def hit(name: str, key: str, rate: str, *, now: float | None = None) -> int:
    """Count one request of ``key`` against limit ``name``; returns the seconds to wait
    when it is over the limit, else 0."""
    parsed = parse_rate(rate)
    if parsed is None:
        return 0
    amount, period = parsed
    now = time.time() if now is None else now
    window = int(now // period)
    cache_key = f"ratelimit:{name}:{key}:{window}"
    try:
        cache.add(cache_key, 0, timeout=period + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=period + 1)
            count = 1
    except Exception:
        logger.warning("Rate limit %s: the cache is not answering; not limiting.", name)
        return 0
    if count <= amount:
        return 0
    return max(1, math.ceil((window + 1) * period - now))


def too_many_requests(retry_after: int) -> JsonResponse:
    message = ngettext(
        "Too many requests. Try again in %(seconds)s second.",
        "Too many requests. Try again in %(seconds)s seconds.",
        retry_after,
    ) % {"seconds": retry_after}
    response = JsonResponse(
        {"error": {"status": 429, "message": message, "retry_after": retry_after}},
        status=429,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(retry_after)
    patch_cache_control(response, private=True, no_store=True)
    return response


def rate_limited(name: str):
    """Limit a view to ``PORTICO_RATE_LIMITS[name]`` requests per client address."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if getattr(settings, "PORTICO_RATE_LIMITS_ENABLED", True):
                rate = getattr(settings, "PORTICO_RATE_LIMITS", {}).get(name, "")
                wait = hit(name, client_ip(request) or "unknown", rate)
                if wait:
                    return too_many_requests(wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@register()
def check_rate_limits(app_configs, **kwargs):
    errors = []
    for name, rate in getattr(settings, "PORTICO_RATE_LIMITS", {}).items():
        try:
            parse_rate(rate)
        except ValueError as exc:
            errors.append(
                Error(
                    f"Rate limit {name!r}: {exc}",
                    hint="Set RATE_LIMIT_<NAME> to e.g. 60/m, 100/5m, 1000/h, or off.",
                    id="portico.E010",
                )
            )
    return errors
