"""Counters of what went wrong (and how often), for operators.

``increment("search.degraded")`` counts an event in the shared cache (all processes of a
site together) and in the process; ``snapshot()`` reads them back. The ``/metrics`` view
shows them in the Prometheus text format. Counting never raises: a metric is not worth a
failed request.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

logger = logging.getLogger(__name__)

PREFIX = "metrics:"
_KNOWN_KEY = "metrics:names"
_local: Counter[str] = Counter()
_lock = threading.Lock()


def increment(name: str, amount: int = 1) -> None:
    with _lock:
        _local[name] += amount
    try:
        from django.core.cache import cache

        key = PREFIX + name
        if not cache.add(key, amount, timeout=None):
            cache.incr(key, amount)
        names = cache.get(_KNOWN_KEY) or []
        if name not in names:
            cache.set(_KNOWN_KEY, sorted({*names, name}), timeout=None)
    except Exception:  # the cache itself may be what is failing
        logger.debug("Could not count %s in the cache.", name, exc_info=True)


def snapshot() -> dict[str, int]:
    """Every counter: the shared value where the cache has it, else this process's."""
    values = dict(_local)
    try:
        from django.core.cache import cache

        names = set(cache.get(_KNOWN_KEY) or []) | set(values)
        shared = cache.get_many([PREFIX + n for n in names])
        for name in names:
            if PREFIX + name in shared:
                values[name] = int(shared[PREFIX + name])
    except Exception:
        logger.debug("Could not read the counters from the cache.", exc_info=True)
    return dict(sorted(values.items()))


def prometheus_text() -> str:
    lines = []
    for name, value in snapshot().items():
        metric = "portico_" + "".join(c if c.isalnum() else "_" for c in name) + "_total"
        lines += [f"# TYPE {metric} counter", f"{metric} {value}"]
    return "\n".join(lines) + "\n"
