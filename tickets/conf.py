"""The support app's settings: ``TICKETS_*``, defined (with their defaults) in
``config/settings/base.py`` and read here at call time, so tests may override them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def get(name: str):
    return getattr(settings, name)


def attachment_root() -> Path:
    """Where attachments are stored: outside ``MEDIA_ROOT``, served only through a view."""
    return Path(settings.TICKETS_ATTACHMENT_ROOT)


def categories() -> list[tuple[str, str]]:
    return [(slug, str(label)) for slug, label in get("TICKETS_CATEGORIES")]


def category_slugs() -> set[str]:
    return {slug for slug, _label in get("TICKETS_CATEGORIES")}
