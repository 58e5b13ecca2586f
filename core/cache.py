"""A Redis cache that degrades instead of failing requests.

The cache holds rate limits, cached fragments and Wagtail's renditions: useful, never
essential. When Redis is down or hangs, ``ResilientRedisCache`` answers as an empty cache
would (reads miss, writes are dropped, ``add`` succeeds so locks never spin), logs a
warning once per outage and counts the failures (``core.metrics``: ``cache.errors``).
After a failure Redis is left alone for ``COOLDOWN`` seconds, so a hung server costs one
short socket timeout, not one per call.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from . import metrics

logger = logging.getLogger(__name__)

COOLDOWN = 10.0


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        # A hung Redis must cost a request a fraction of a second, not a minute.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, params)
        self._down_since: float | None = None
        self._lock = threading.Lock()

    def _available(self) -> bool:
        down = self._down_since
        return down is None or time.monotonic() - down >= COOLDOWN

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            first = self._down_since is None
            self._down_since = time.monotonic()
        # Counted after marking the cache down: the counter lives in this very cache.
        metrics.increment("cache.errors")
        if first:
            logger.warning("The cache (Redis) is unavailable, working without it: %s", exc)

    def _recovered(self) -> None:
        if self._down_since is not None:
            with self._lock:
                self._down_since = None
            logger.warning("The cache (Redis) answers again.")

    def _call(self, name: str, fallback, *args, **kwargs):
        if not self._available():
            return fallback
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except ValueError:
            raise  # incr/decr of a missing key: the caller's business
        except Exception as exc:
            self._failed(exc)
            return fallback
        self._recovered()
        return result

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Locks built on ``add`` (allauth's rate limits) must not spin while Redis is down.
        return self._call("add", True, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", delta, key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", -delta, key, delta, version)

    def clear(self):
        return self._call("clear", None)
