"""The support app's settings (``TICKETS_*`` in ``config/settings/base.py``), with defaults."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

DEFAULTS = {
    "TICKETS_ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "TICKETS_ATTACHMENT_MAX_FILES": 5,
    "TICKETS_ATTACHMENT_EXTENSIONS": [
        "png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "json", "har",
    ],
    "TICKETS_SUGGESTIONS_LIMIT": 5,
    "TICKETS_FLOW_IDLE_HOURS": 24,
    "TICKETS_PER_HOUR": 10,
    "TICKETS_PER_PAGE": 20,
    "TICKETS_FIRST_NUMBER": 1001,
    "TICKETS_UNANSWERED_AFTER_HOURS": 48,
    "TICKETS_AUTO_CLOSE_DAYS": 7,
    "TICKETS_CATEGORIES": [],
}  # fmt: skip


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def attachment_root() -> Path:
    """Where attachments are stored: outside ``MEDIA_ROOT``, served only through a view."""
    root = getattr(settings, "TICKETS_ATTACHMENT_ROOT", None)
    return Path(root) if root else Path(settings.BASE_DIR) / "var" / "ticket-attachments"


def categories() -> list[tuple[str, str]]:
    return [(slug, str(label)) for slug, label in get("TICKETS_CATEGORIES")]


def category_slugs() -> set[str]:
    return {slug for slug, _label in get("TICKETS_CATEGORIES")}
