"""Which sites may embed the help widget (``WIDGET_ALLOWED_ORIGINS``).

An origin is ``scheme://host[:port]``, exactly as a browser sends it in ``Origin`` and
``MessageEvent.origin``. The list decides three things: who may frame ``/widget/``
(``Content-Security-Policy: frame-ancestors``), whose messages the panel accepts (the
host's API token), and who gets CORS headers on ``/widget/config/``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def normalise(origin: str) -> str:
    return str(origin or "").strip().rstrip("/").lower()


def is_origin(value: str) -> bool:
    """``scheme://host[:port]`` over http(s), with no path, query, fragment or user."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return False
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.hostname)
        and not parts.path
        and not parts.query
        and not parts.fragment
        and "@" not in parts.netloc
    )


def allowed_origins() -> list[str]:
    """The configured origins, normalised; anything that is not an origin is left out
    (the system check ``widget.E001`` reports it at start-up)."""
    found = []
    for item in getattr(settings, "WIDGET_ALLOWED_ORIGINS", []) or []:
        origin = normalise(item)
        if is_origin(origin) and origin not in found:
            found.append(origin)
    return found


def is_allowed(origin: str | None) -> bool:
    return bool(origin) and normalise(origin) in allowed_origins()
